package oauth

import (
	"context"
	"errors"
	"fmt"

	"golang.org/x/oauth2"

	"github.com/imapvault/imapvault/vault"
)

// Authorised is the outcome of a login that Authorise accepted.
type Authorised struct {
	Token *oauth2.Token
	// Consent is who authorised; nil when the provider did not say
	// (ErrIdentityUnknown: the caller should say so).
	Consent *Consent
	// Registered: imapvault registered the client id in o for this login.
	Registered bool
}

// Authorise is the whole login of an account: its endpoints completed from
// its issuer's metadata, a client id registered there when it has none
// (RFC 7591), the chosen flow (Login), then who consented, checked against
// users (the account's username and address, or o.Identity when it names
// one). A consent by anyone else is an *IdentityError and returns no
// token. o is updated with what it learned (endpoints, a registered
// client id) and nothing is stored: the caller saves o and the token
// together, or drops both.
func Authorise(ctx context.Context, o *vault.OAuth, users []string, opt LoginOptions) (*Authorised, error) {
	if err := Resolve(ctx, o); err != nil {
		return nil, err
	}
	registered, err := EnsureClient(ctx, o)
	if err != nil {
		return nil, err
	}
	var want []string
	for _, u := range users {
		if u != "" {
			want = append(want, u)
		}
	}
	if o.Identity != "" {
		want = []string{o.Identity}
	}
	if opt.LoginHint == "" && len(want) > 0 {
		opt.LoginHint = want[0]
	}
	if opt.Nonce == "" && hasScope(o.Scopes, "openid") {
		opt.Nonce = randomString()
	}
	if opt.Device {
		opt.Nonce = "" // the device flow has no place to send one
	}
	tok, err := Login(ctx, o, opt)
	if err != nil {
		return nil, err
	}
	res := &Authorised{Token: tok, Registered: registered}
	c, err := WhoConsented(ctx, o, tok, opt.Nonce)
	switch {
	case errors.Is(err, ErrIdentityUnknown):
		return res, nil
	case err != nil:
		return nil, fmt.Errorf("read who authorised: %w", scrubErr(err, tok))
	}
	res.Consent = c
	if !c.Matches(want...) {
		return nil, &IdentityError{Consented: c.String(), Want: want}
	}
	return res, nil
}

func hasScope(scopes []string, s string) bool {
	for _, x := range scopes {
		if x == s {
			return true
		}
	}
	return false
}

// scrubErr keeps the new tokens out of an error's words.
func scrubErr(err error, tok *oauth2.Token) error {
	idt, _ := tok.Extra("id_token").(string)
	return errors.New(scrub(err.Error(), tok.AccessToken, tok.RefreshToken, idt))
}
