package posture

import (
	"errors"
	"fmt"
	"strings"
)

// dialog is the protocol part of a probe: what is said before TLS, how
// STARTTLS is asked for, and how a session ends.
type dialog interface {
	// hello reads the greeting and, on a cleartext connection, the
	// capabilities.
	hello(c *conn, cleartext bool) (caps, error)
	// startTLS asks for TLS, with inject (a whole command line) in the
	// same write when set, and reads the go-ahead.
	startTLS(c *conn, inject string) error
	// injection is a command line to pipeline after STARTTLS, and the
	// test telling its answer from others.
	injection() (line string, answers func(reply string) bool)
	// bye ends the session inside TLS (read the implicit-TLS greeting
	// first when greet is set) and reports whether a reply that answers
	// (see injection) came before the goodbye's.
	bye(c lineConn, greet bool, answers func(string) bool) (bool, error)
}

// lineConn reads and writes lines, on either side of TLS.
type lineConn interface {
	write(s string) error
	line() (string, error)
}

// caps is what the server offers before TLS.
type caps struct {
	startTLS bool
	// cleartext names what would carry a password in the clear before
	// TLS ("LOGIN", "AUTH=PLAIN"...); empty when nothing does.
	cleartext []string
}

// cleartextMechs are the SASL mechanisms that send the secret itself.
var cleartextMechs = map[string]bool{"PLAIN": true, "LOGIN": true, "XOAUTH2": true, "OAUTHBEARER": true}

type imapDialog struct{}

func (imapDialog) hello(c *conn, cleartext bool) (caps, error) {
	line, err := c.line()
	if err != nil {
		return caps{}, fmt.Errorf("greeting: %w", err)
	}
	kind, code, _ := imapStatus(strings.TrimPrefix(line, "* "))
	switch {
	case !strings.HasPrefix(line, "* "):
		return caps{}, fmt.Errorf("server did not greet like an IMAP server: %q", clip(line))
	case kind == "PREAUTH" && cleartext:
		return caps{}, errors.New("server logs in everyone before STARTTLS (PREAUTH)")
	case kind != "OK" && kind != "PREAUTH":
		return caps{}, fmt.Errorf("server refused the connection: %q", clip(line))
	}
	if !cleartext {
		return caps{}, nil
	}
	list := imapCaps(code)
	if list == nil {
		if list, err = imapCommand(c, "P1 CAPABILITY"); err != nil {
			return caps{}, err
		}
	}
	var cs caps
	has := map[string]bool{}
	for _, cp := range list {
		has[cp] = true
	}
	cs.startTLS = has["STARTTLS"]
	if !has["LOGINDISABLED"] {
		cs.cleartext = append(cs.cleartext, "LOGIN")
	}
	for _, cp := range list {
		if m, ok := strings.CutPrefix(cp, "AUTH="); ok && cleartextMechs[m] {
			cs.cleartext = append(cs.cleartext, cp)
		}
	}
	return cs, nil
}

func (imapDialog) startTLS(c *conn, inject string) error {
	if err := c.write("P2 STARTTLS\r\n" + inject); err != nil {
		return err
	}
	_, err := imapTagged(c, "P2 ")
	if err != nil {
		return fmt.Errorf("STARTTLS: %w", err)
	}
	return nil
}

func (imapDialog) injection() (string, func(string) bool) {
	tag := randomTag()
	return tag + " NOOP\r\n", func(reply string) bool { return strings.HasPrefix(reply, tag+" ") }
}

func (imapDialog) bye(c lineConn, greet bool, answers func(string) bool) (bool, error) {
	if greet {
		if line, err := c.line(); err != nil {
			return false, fmt.Errorf("greeting: %w", err)
		} else if !strings.HasPrefix(line, "* OK") && !strings.HasPrefix(line, "* PREAUTH") {
			return false, fmt.Errorf("server did not greet like an IMAP server: %q", clip(line))
		}
	}
	if err := c.write("P3 LOGOUT\r\n"); err != nil {
		return false, err
	}
	answered := false
	for range maxLines {
		line, err := c.line()
		if err != nil {
			// A server may hang up after BYE without the tagged OK.
			return answered, nil
		}
		if answers != nil && answers(line) {
			answered = true
		}
		if strings.HasPrefix(line, "P3 ") {
			return answered, nil
		}
	}
	return answered, errors.New("server sent too many lines")
}

// imapCommand sends one command and returns the capabilities its answer
// carried (untagged or as a response code).
func imapCommand(c *conn, cmd string) ([]string, error) {
	if err := c.write(cmd + "\r\n"); err != nil {
		return nil, err
	}
	tag := strings.Fields(cmd)[0] + " "
	var list []string
	for range maxLines {
		line, err := c.line()
		if err != nil {
			return nil, err
		}
		if rest, ok := strings.CutPrefix(line, "* "); ok {
			if l := imapCaps(rest); l != nil {
				list = l
			}
			continue
		}
		rest, ok := strings.CutPrefix(line, tag)
		if !ok {
			return nil, fmt.Errorf("unexpected line from server: %q", clip(line))
		}
		kind, code, text := imapStatus(rest)
		if kind != "OK" {
			return nil, fmt.Errorf("%s refused: %q", strings.Fields(cmd)[1], clip(text))
		}
		if list == nil {
			list = imapCaps(code)
		}
		return list, nil
	}
	return nil, errors.New("server sent too many lines")
}

// imapTagged reads to the tagged reply and wants OK.
func imapTagged(c *conn, tag string) (string, error) {
	for range maxLines {
		line, err := c.line()
		if err != nil {
			return "", err
		}
		rest, ok := strings.CutPrefix(line, tag)
		if !ok {
			continue
		}
		if kind, _, text := imapStatus(rest); kind != "OK" {
			return "", fmt.Errorf("server said %q", clip(kind+" "+text))
		}
		return rest, nil
	}
	return "", errors.New("server sent too many lines")
}

// imapStatus splits "OK [CODE args] text".
func imapStatus(s string) (kind, code, text string) {
	kind, rest, _ := strings.Cut(s, " ")
	kind = strings.ToUpper(kind)
	if strings.HasPrefix(rest, "[") {
		if end := strings.IndexByte(rest, ']'); end > 0 {
			code, rest = rest[1:end], strings.TrimSpace(rest[end+1:])
		}
	}
	return kind, code, rest
}

// imapCaps reads "CAPABILITY a b c", upper-cased; nil if it is not one.
func imapCaps(s string) []string {
	f := strings.Fields(s)
	if len(f) == 0 || !strings.EqualFold(f[0], "CAPABILITY") {
		return nil
	}
	out := make([]string, 0, len(f)-1)
	for _, c := range f[1:] {
		out = append(out, strings.ToUpper(c))
	}
	return out
}
