package smtpcheck

import (
	"errors"
	"fmt"
	"net/textproto"
	"strings"

	"github.com/emersion/go-smtp"
)

// reply is a refusing SMTP reply in one shape, whoever parsed it.
type reply struct {
	code     int
	enhanced smtp.EnhancedCode // zero when the server sent none
	text     string
}

func (r reply) codeString() string {
	if r.enhanced == (smtp.EnhancedCode{}) || r.enhanced == smtp.NoEnhancedCode {
		return fmt.Sprint(r.code)
	}
	return fmt.Sprintf("%d %d.%d.%d", r.code, r.enhanced[0], r.enhanced[1], r.enhanced[2])
}

// words is the reply as the server said it, on one line.
func (r reply) words() string {
	return strings.TrimSpace(r.codeString() + " " + strings.ReplaceAll(r.text, "\n", " "))
}

// asReply finds an SMTP reply in err (go-smtp's SMTPError, or a textproto
// error from our own pre-TLS reads).
func asReply(err error) (reply, bool) {
	var se *smtp.SMTPError
	if errors.As(err, &se) {
		return reply{code: se.Code, enhanced: se.EnhancedCode, text: se.Message}, true
	}
	var te *textproto.Error
	if errors.As(err, &te) {
		se := toSMTPError(te)
		return reply{code: se.Code, enhanced: se.EnhancedCode, text: se.Message}, true
	}
	return reply{}, false
}

// toSMTPError parses the enhanced code at the front of a textproto reply.
func toSMTPError(te *textproto.Error) *smtp.SMTPError {
	se := &smtp.SMTPError{Code: te.Code, Message: te.Msg}
	first, rest, ok := strings.Cut(te.Msg, " ")
	var e smtp.EnhancedCode
	if ok {
		if n, _ := fmt.Sscanf(first, "%d.%d.%d", &e[0], &e[1], &e[2]); n == 3 && strings.Count(first, ".") == 2 {
			se.EnhancedCode, se.Message = e, strings.ReplaceAll(rest, "\n"+first+" ", "\n")
		}
	}
	return se
}

func (r reply) is(class, subject, detail int) bool {
	return r.enhanced == smtp.EnhancedCode{class, subject, detail}
}

// basicAuthOff: the provider switched password logins off (Microsoft's
// 5.7.139 "basic authentication is disabled", 5.7.30 "not supported").
func (r reply) basicAuthOff() bool {
	return r.enhanced[1] == 7 && (r.enhanced[2] == 139 || r.enhanced[2] == 30)
}

func refused(status Status, r reply, what string) error {
	return &failure{status: status, code: r.codeString(), msg: what + ": " + r.words()}
}

// replyFailure classifies a refusing reply outside login and envelope, or
// an error that is no reply at all.
func replyFailure(stage string, err error) error {
	r, ok := asReply(err)
	if !ok {
		if strings.Contains(err.Error(), "too long") {
			return fail(StatusProtocolError, "server sent a line longer than %d bytes during %s", MaxLine, stage)
		}
		if strings.Contains(err.Error(), "EOF") {
			return fail(StatusProtocolError, "server closed the connection during %s", stage)
		}
		return fmt.Errorf("%s: %w", stage, err)
	}
	switch stage {
	case "greeting":
		if r.code >= 400 {
			return refused(StatusUnreachable, r, "server refused the connection")
		}
		return refused(StatusProtocolError, r, "unexpected greeting")
	case "starttls":
		return refused(StatusTLSError, r, "server refused STARTTLS")
	}
	return refused(StatusProtocolError, r, "server refused "+strings.ToUpper(stage))
}

// helloFailure classifies an error from go-smtp's greeting and EHLO: a
// greeting that was not 220 refused us, else EHLO failed.
func (c *checker) helloFailure(err error) error {
	if c.t.Security != STARTTLS && !strings.HasPrefix(c.conn.greeting(), "220") {
		return replyFailure("greeting", err)
	}
	return replyFailure("ehlo", err)
}

// authFailure classifies the answer to AUTH.
func (c *checker) authFailure(err error) error {
	r, ok := asReply(err)
	if !ok {
		return replyFailure("auth", err)
	}
	switch {
	case r.basicAuthOff():
		return refused(StatusAuthUnavailable, r, "server takes no password logins for this account")
	case r.code == 538, r.code == 530 && c.t.Security == Insecure:
		return refused(StatusInsecureRefused, r, "server wants TLS before AUTH")
	case r.code == 530, r.code == 534, r.code == 504, r.code == 502:
		// 534 5.7.9/5.7.14: an app password or a web login is required.
		return refused(StatusAuthUnavailable, r, "server will not take this login")
	case r.code == 501, r.code == 500:
		return refused(StatusProtocolError, r, "server rejected the AUTH command")
	case r.code >= 400 && r.code < 500:
		// 454 4.7.0: the server could not check the password just now;
		// that says nothing about the credential.
		return refused(StatusUnreachable, r, "server could not check the login right now")
	}
	return refused(StatusAuthFailed, r, "login refused")
}

// envelopeFailure classifies a refused MAIL FROM or RCPT TO (after a
// successful AUTH).
func envelopeFailure(cmd string, err error) error {
	r, ok := asReply(err)
	if !ok {
		return replyFailure(strings.ToLower(cmd), err)
	}
	switch {
	case r.basicAuthOff(), r.code == 530:
		return refused(StatusAuthUnavailable, r, "server wants another login before "+cmd)
	case r.code >= 400 && r.code < 500:
		return refused(StatusUnreachable, r, "server deferred "+cmd+" (try again later)")
	case r.code == 500, r.code == 501 && !r.is(5, 1, 7) && !r.is(5, 1, 3):
		return refused(StatusProtocolError, r, "server rejected the "+cmd+" command")
	}
	return refused(StatusSenderRefused, r, "the login may not send as this address ("+cmd+" refused)")
}
