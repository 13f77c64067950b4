package oauth

import (
	"errors"
	"fmt"
	"net/http"
	"strings"

	"golang.org/x/oauth2"
)

// ErrRevoked is wrapped by a TokenError when the provider answered
// invalid_grant: the refresh token expired, was revoked, or the consent
// was withdrawn. Only a new login helps.
var ErrRevoked = errors.New("refresh token no longer valid")

// TokenError is a failed call to the token endpoint. It carries the
// provider's error code and words (Microsoft's AADSTS codes live in the
// description), never a token.
type TokenError struct {
	Revoked     bool   // invalid_grant
	Code        string // RFC 6749 error code, e.g. invalid_grant, invalid_client
	Description string // the provider's error_description
	Status      int    // HTTP status, 0 when the endpoint was not reached
	Err         error  // the transport error when the endpoint was not reached
	// Endpoint names the endpoint that answered when it is not the token
	// endpoint ("authorization endpoint", "device authorization endpoint").
	Endpoint string
}

func (e *TokenError) Error() string {
	where := e.Endpoint
	if where == "" {
		where = "token endpoint"
	}
	switch {
	case e.Code != "" && e.Description != "":
		return fmt.Sprintf("%s refused: %s: %s", where, e.Code, e.Description)
	case e.Code != "":
		return where + " refused: " + e.Code
	case e.Status != 0:
		return fmt.Sprintf("%s answered %d %s", where, e.Status, http.StatusText(e.Status))
	case e.Err != nil:
		return where + " unreachable: " + e.Err.Error()
	}
	return where + " failed"
}

func (e *TokenError) Unwrap() error {
	if e.Revoked {
		return ErrRevoked
	}
	return e.Err
}

// tokenError turns what golang.org/x/oauth2 returned into a TokenError,
// leaving out the response body (it may echo what we sent) and scrubbing
// the secrets we hold from the provider's words.
func tokenError(err error, secrets ...string) *TokenError {
	var te *TokenError
	if errors.As(err, &te) {
		return te
	}
	var re *oauth2.RetrieveError
	if errors.As(err, &re) {
		te = &TokenError{Code: re.ErrorCode, Description: scrub(re.ErrorDescription, secrets...)}
		if re.Response != nil {
			te.Status = re.Response.StatusCode
		}
		te.Revoked = re.ErrorCode == "invalid_grant"
		return te
	}
	return &TokenError{Err: errors.New(scrub(err.Error(), secrets...))}
}

func scrub(s string, secrets ...string) string {
	for _, sec := range secrets {
		if len(sec) >= 4 {
			s = strings.ReplaceAll(s, sec, "[redacted]")
		}
	}
	if len(s) > 500 {
		s = s[:500] + "..."
	}
	return s
}
