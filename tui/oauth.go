package tui

import (
	"context"
	"crypto/tls"
	"fmt"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/imapvault/imapvault/internal/termtext"
	"github.com/imapvault/imapvault/lastcheck"
	"github.com/imapvault/imapvault/oauth"
	"github.com/imapvault/imapvault/vault"
)

// oauthFlowMsg: the login flow of `r` on an oauth2 account is ready: the
// person must open URL (and type the code). done brings the outcome.
type oauthFlowMsg struct {
	name string
	flow oauth.Flow
	done <-chan oauthDoneMsg
}

// oauthDoneMsg ends the re-authorisation of an oauth2 account.
type oauthDoneMsg struct {
	name    string
	err     error
	revoked bool // the old refresh token was revoked at the provider
}

// oauthReauth rotates an oauth2 account the only way there is: authorise
// again (the device flow when the provider has one, else the browser),
// log in with the new token, keep it in the vault, revoke the old one.
func (m Model) oauthReauth(a *vault.Account) (tea.Model, tea.Cmd) {
	if m.oauthBusy {
		m.setStatus("an OAuth2 login is already waiting", true)
		return m, nil
	}
	m.oauthBusy = true
	m.setStatus(fmt.Sprintf("starting the OAuth2 login of %s…", termtext.Line(a.Name)), false)
	o := *a.OAuth
	acct := a.Clone() // the proof reads it in the background; the model may change a
	tlsConf, path, id, accountID, name := m.opts.TLSConfig, m.opts.VaultPath, m.id, a.ID, a.Name
	users := []string{a.Username, a.Address}
	return m, func() tea.Msg {
		flows := make(chan oauth.Flow, 1)
		done := make(chan oauthDoneMsg, 1)
		go func() { done <- reauthorise(o, users, acct, tlsConf, path, id, accountID, name, flows) }()
		select {
		case f := <-flows:
			return oauthFlowMsg{name: name, flow: f, done: done}
		case d := <-done:
			return d
		}
	}
}

func reauthorise(o vault.OAuth, users []string, acct *vault.Account, tlsConf *tls.Config, path string, id *vault.Identity, accountID, name string, flows chan<- oauth.Flow) oauthDoneMsg {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	res := oauthDoneMsg{name: name}
	// The device flow where the provider has one (a TUI may well run
	// over ssh), but never for Google (its device flow cannot grant
	// Gmail's scope).
	device := o.DeviceURL != "" && o.Provider != oauth.Google
	opts := oauth.LoginOptions{Device: device, Show: func(f oauth.Flow) { flows <- f }}
	if !device {
		opts.Open = oauth.OpenBrowser
	}
	old := o.RefreshToken
	// Authorise also refuses a consent by anyone but the account's user.
	a, err := oauth.Authorise(ctx, &o, users, opts)
	if err != nil {
		res.err = err
		return res
	}
	oauth.Absorb(&o, a.Token, time.Now())
	// The new token must serve both sides, as the command line's rotate
	// proves it (lastcheck.Prove): IMAP, and SMTP when the account sends.
	b := lastcheck.Prove(ctx, acct, o.AccessToken, 30*time.Second, tlsConf)
	if r := b.IMAP; !r.OK() {
		res.err = fmt.Errorf("the new token did not log in (%s: %s); the old one stays", r.Status, r.Message)
		return res
	}
	if r := b.SMTP; r != nil && !r.OK() {
		// The words that matter first: the status line is one line.
		res.err = fmt.Errorf("SMTP refused the new token (%s at %s: %s), though IMAP took it; the old one stays", r.Status, acct.SMTP.Addr(), r.Message)
		return res
	}
	if err := oauth.SaveTokens(ctx, path, id, accountID, &o, 10*time.Second); err != nil {
		res.err = err
		return res
	}
	res.revoked, _ = oauth.Revoke(ctx, &o, old)
	return res
}

func (m Model) onOAuthFlow(msg oauthFlowMsg) (tea.Model, tea.Cmd) {
	if msg.flow.Device {
		m.setStatus(fmt.Sprintf("authorise %s: open %s and enter %s — waiting…", termtext.Line(msg.name),
			termtext.LineN(msg.flow.URL, 200), termtext.Line(msg.flow.UserCode)), false)
	} else {
		m.setStatus(fmt.Sprintf("authorise %s in the browser: %s — waiting…", termtext.Line(msg.name), termtext.LineN(msg.flow.URL, 2048)), false)
	}
	return m, func() tea.Msg { return <-msg.done }
}

func (m Model) onOAuthDone(msg oauthDoneMsg) (tea.Model, tea.Cmd) {
	m.oauthBusy = false
	if msg.err != nil {
		m.setStatus(fmt.Sprintf("OAuth2 login of %s failed: %s", termtext.Line(msg.name), termtext.Line(msg.err.Error())), true)
		return m, nil
	}
	text := fmt.Sprintf("%s authorised again: the new token logs in and is kept", termtext.Line(msg.name))
	if msg.revoked {
		text += "; the old one is revoked"
	}
	m.setStatus(text, false)
	return m, nil
}
