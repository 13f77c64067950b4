package imapcheck

import (
	"errors"
	"fmt"

	"github.com/emersion/go-imap/v2"
)

// loginFailure classifies the answer to LOGIN or AUTHENTICATE.
func loginFailure(err error) error {
	var ie *imap.Error
	if !errors.As(err, &ie) {
		return fmt.Errorf("login: %w", err)
	}
	f := &failure{code: string(ie.Code), msg: ie.Text}
	if f.msg == "" {
		f.msg = "login refused"
	}
	switch ie.Type {
	case imap.StatusResponseTypeBad:
		f.status = StatusProtocolError
		f.msg = "server rejected the login command: " + f.msg
	case imap.StatusResponseTypeBye:
		f.status = StatusUnreachable
		f.msg = "server closed the session: " + f.msg
	default:
		f.status = statusForCode(ie.Code)
	}
	return f
}

// statusForCode maps an RFC 5530 code on a refused login to a status. A
// NO without a code (Cyrus sends those) is a failed login as well.
func statusForCode(code imap.ResponseCode) Status {
	switch code {
	case imap.ResponseCodePrivacyRequired:
		return StatusInsecureRefused
	case imap.ResponseCodeUnavailable, imap.ResponseCodeServerBug,
		imap.ResponseCodeInUse, imap.ResponseCodeLimit:
		// The server could not check the password right now: we learn
		// nothing about the credential, so do not call it failed.
		return StatusUnreachable
	}
	// AUTHENTICATIONFAILED, AUTHORIZATIONFAILED, EXPIRED, CONTACTADMIN,
	// ALERT, none: the credential did not get us in.
	return StatusAuthFailed
}

// greetingFailure classifies an error from waiting for the greeting.
func greetingFailure(err error) error {
	var ie *imap.Error
	if errors.As(err, &ie) {
		if ie.Type == imap.StatusResponseTypeBye {
			return &failure{status: StatusUnreachable, code: string(ie.Code),
				msg: "server refused the connection: " + ie.Text}
		}
		return &failure{status: StatusProtocolError, code: string(ie.Code),
			msg: fmt.Sprintf("unexpected greeting %s: %s", ie.Type, ie.Text)}
	}
	return fail(StatusProtocolError, "no valid greeting: %v", err)
}
