package oauth

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	jose "github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"
	"golang.org/x/oauth2"

	"github.com/imapvault/imapvault/vault"
)

// Consent is who authorised a login: the names the provider vouched for,
// from a verified id_token or from the userinfo endpoint.
type Consent struct {
	Subject           string
	Email             string
	EmailUnverified   bool // the provider said email_verified: false
	PreferredUsername string
	UPN               string
	Source            string // "id_token" or "userinfo"
}

// Names are the names the consent can match an account by (an email the
// provider says it did not verify is not one: anyone can type one in).
func (c *Consent) Names() []string {
	var n []string
	if c.Email != "" && !c.EmailUnverified {
		n = append(n, c.Email)
	}
	for _, s := range []string{c.PreferredUsername, c.UPN} {
		if s != "" {
			n = append(n, s)
		}
	}
	return n
}

// String names the identity for a person: the best name the provider gave.
func (c *Consent) String() string {
	for _, s := range []string{c.Email, c.PreferredUsername, c.UPN} {
		if s != "" {
			return scrub(s)
		}
	}
	return "subject " + scrub(c.Subject)
}

// Matches reports whether the consent is one of want (the account's
// username and address, or the identity it names). Names compare without
// case; a want without '@' (a server's bare login name) also matches the
// local part of a consented address.
func (c *Consent) Matches(want ...string) bool {
	for _, w := range want {
		w = strings.TrimSpace(w)
		if w == "" {
			continue
		}
		for _, n := range c.Names() {
			if strings.EqualFold(n, w) {
				return true
			}
			if !strings.Contains(w, "@") {
				if local, _, ok := strings.Cut(n, "@"); ok && strings.EqualFold(local, w) {
					return true
				}
			}
		}
	}
	return false
}

// IdentityError refuses a login whose consent came from someone else (the
// wrong browser profile, another account signed in).
type IdentityError struct {
	Consented string   // who did
	Want      []string // who should have
}

func (e *IdentityError) Error() string {
	return fmt.Sprintf("the authorisation was given by %s, not by %s: nothing was stored", e.Consented, strings.Join(e.Want, " or "))
}

// ErrIdentityUnknown is returned when the provider offered no way to tell
// who consented (no id_token it signs with known keys, no userinfo).
var ErrIdentityUnknown = errors.New("the provider did not say who authorised")

// identityLimit is the byte budget of a key set or userinfo answer.
const identityLimit = 256 << 10

// idTokenAlgs are the signatures an id_token may carry: asymmetric only
// (HS256 would be keyed with a client secret a public client lacks).
var idTokenAlgs = []jose.SignatureAlgorithm{jose.RS256, jose.RS384, jose.RS512, jose.PS256, jose.PS384, jose.PS512, jose.ES256, jose.ES384, jose.ES512, jose.EdDSA}

type identitySource struct {
	jwks, userinfo string
	issuer         func(iss, tid string) bool
}

// sourceFor says where o's provider publishes its keys and userinfo, and
// which id_token issuers it stands for.
func sourceFor(ctx context.Context, o *vault.OAuth) identitySource {
	if p, ok := Presets[o.Provider]; ok && p.JWKSURL != "" {
		s := identitySource{jwks: p.JWKSURL, userinfo: p.UserinfoURL, issuer: p.issuerMatch}
		if o.UserinfoURL != "" {
			s.userinfo = o.UserinfoURL
		}
		return s
	}
	s := identitySource{userinfo: o.UserinfoURL}
	if o.Issuer != "" {
		// The keys rotate: ask the issuer's metadata now, not at add.
		if m, err := Discover(ctx, o.Issuer); err == nil {
			s.jwks = m.JWKSURI
			if s.userinfo == "" {
				s.userinfo = m.UserinfoEndpoint
			}
		}
		want := o.Issuer
		s.issuer = func(iss, _ string) bool { return strings.TrimSuffix(iss, "/") == want }
	}
	return s
}

// WhoConsented reads who authorised tok: the id_token's claims once its
// signature, issuer, audience (o's client id), expiry and nonce (when one
// was sent) check out against the provider's published keys; and where the
// id_token names no one, the userinfo endpoint asked with the new access
// token (its subject must be the id_token's). ErrIdentityUnknown when the
// provider offers neither.
func WhoConsented(ctx context.Context, o *vault.OAuth, tok *oauth2.Token, nonce string) (*Consent, error) {
	ctx = withClient(ctx)
	src := sourceFor(ctx, o)
	var c *Consent
	if raw, _ := tok.Extra("id_token").(string); raw != "" && src.jwks != "" && src.issuer != nil {
		var err error
		if c, err = verifyIDToken(ctx, raw, o.ClientID, nonce, src); err != nil {
			return nil, fmt.Errorf("the id_token did not verify: %w", err)
		}
		if len(c.Names()) > 0 || src.userinfo == "" {
			return c, nil
		}
	}
	if src.userinfo != "" {
		u, err := userinfo(ctx, src.userinfo, tok.AccessToken)
		if err != nil {
			return nil, err
		}
		if c != nil && u.Subject != c.Subject {
			return nil, fmt.Errorf("userinfo speaks of subject %q, the id_token of %q", scrub(u.Subject), scrub(c.Subject))
		}
		return u, nil
	}
	if c != nil {
		return c, nil
	}
	return nil, ErrIdentityUnknown
}

type idClaims struct {
	jwt.Claims
	Nonce             string `json:"nonce"`
	Email             string `json:"email"`
	EmailVerified     any    `json:"email_verified"` // bool, or "true"/"false" (some providers)
	PreferredUsername string `json:"preferred_username"`
	UPN               string `json:"upn"`
	TenantID          string `json:"tid"`
}

func (c *idClaims) consent(source string) *Consent {
	unverified := c.EmailVerified == false || c.EmailVerified == "false"
	return &Consent{Subject: c.Subject, Email: c.Email, EmailUnverified: unverified,
		PreferredUsername: c.PreferredUsername, UPN: c.UPN, Source: source}
}

func verifyIDToken(ctx context.Context, raw, clientID, nonce string, src identitySource) (*Consent, error) {
	t, err := jwt.ParseSigned(raw, idTokenAlgs)
	if err != nil {
		return nil, fmt.Errorf("parse: %w", err)
	}
	keys, err := keySet(ctx, src.jwks)
	if err != nil {
		return nil, err
	}
	var cl idClaims
	if err := t.Claims(keys, &cl); err != nil {
		return nil, fmt.Errorf("signature: %w", err)
	}
	if !src.issuer(cl.Issuer, cl.TenantID) {
		return nil, fmt.Errorf("issued by %q, not by this provider", scrub(cl.Issuer))
	}
	if err := cl.Claims.ValidateWithLeeway(jwt.Expected{AnyAudience: jwt.Audience{clientID}, Time: time.Now()}, 2*time.Minute); err != nil {
		return nil, err
	}
	if nonce != "" && cl.Nonce != nonce {
		return nil, errors.New("its nonce is not the one this login sent")
	}
	return cl.consent("id_token"), nil
}

func keySet(ctx context.Context, u string) (*jose.JSONWebKeySet, error) {
	if err := checkSecureURL("jwks_uri", u); err != nil {
		return nil, err
	}
	body, err := get(ctx, u, "")
	if err != nil {
		return nil, fmt.Errorf("keys: %w", err)
	}
	var ks jose.JSONWebKeySet
	if err := json.Unmarshal(body, &ks); err != nil {
		return nil, fmt.Errorf("keys at %s: %w", u, err)
	}
	return &ks, nil
}

func userinfo(ctx context.Context, u, accessToken string) (*Consent, error) {
	if err := checkSecureURL("userinfo endpoint", u); err != nil {
		return nil, err
	}
	body, err := get(ctx, u, accessToken)
	if err != nil {
		return nil, fmt.Errorf("userinfo: %s", scrub(err.Error(), accessToken))
	}
	var cl idClaims
	if err := json.Unmarshal(body, &cl); err != nil {
		return nil, fmt.Errorf("userinfo at %s is not JSON (a signed answer is not supported): %w", u, err)
	}
	if cl.Subject == "" {
		return nil, fmt.Errorf("userinfo at %s names no subject", u)
	}
	return cl.consent("userinfo"), nil
}

// get reads a small JSON document, with a bearer token when one is given.
func get(ctx context.Context, u, bearer string) ([]byte, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Accept", "application/json")
	if bearer != "" {
		req.Header.Set("Authorization", "Bearer "+bearer)
	}
	resp, err := clientFrom(ctx).Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("%s answered %s", u, resp.Status)
	}
	return readBounded(resp.Body, identityLimit)
}
