package doctor

import (
	"fmt"
	"path/filepath"
	"strings"
	"time"
)

// DefaultSASLDirs are where Cyrus SASL looks for plugins when SASL_PATH
// does not say (Debian's multiarch folders, other distributions', Homebrew).
var DefaultSASLDirs = []string{"/usr/lib/x86_64-linux-gnu/sasl2", "/usr/lib/aarch64-linux-gnu/sasl2", "/usr/lib/sasl2",
	"/usr/lib64/sasl2", "/usr/local/lib/sasl2", "/opt/homebrew/lib/sasl2"}

// checkSASL: mbsync logs in with XOAUTH2 or OAUTHBEARER through Cyrus
// SASL, and no plugin for that mechanism is installed: the famous
// "Unable to find a callback: 18948".
func checkSASL(in *Input, s *setup) []Finding {
	var out []Finding
	for _, e := range s.entries {
		if e.client != "mbsync" || !e.oauth {
			continue
		}
		mech := strings.ToLower(e.mech)
		if pluginFor(in.SASLDirs, mech) {
			continue
		}
		out = append(out, Finding{Kind: KindSASLPlugin, Severity: High, File: e.file, Line: e.line, Account: acctName(in, e),
			Message: fmt.Sprintf("mbsync logs in with %s through Cyrus SASL, and no %s plugin is in %s: it fails with \"Unable to find a callback: 18948\"; "+
				"install one (Debian: libsasl2-modules-kdexoauth2, or sasl-xoauth2)", e.mech, e.mech, strings.Join(in.SASLDirs, ", "))})
	}
	return out
}

func pluginFor(dirs []string, mech string) bool {
	for _, d := range dirs {
		m, _ := filepath.Glob(filepath.Join(d, "*"+mech+"*.so*"))
		if len(m) > 0 {
			return true
		}
	}
	return false
}

// checkTokenWired: a client logs in with OAuth2 but does not get its
// token from imapvault.
func checkTokenWired(in *Input, s *setup) []Finding {
	var out []Finding
	for _, e := range s.entries {
		if !e.oauth {
			continue
		}
		_, _, isOurs := imapvaultCall(e.tokenCmd)
		name := acctName(in, e)
		fix := "imapvault-get NAME --field token"
		if name != "" {
			fix = "imapvault-get " + name + " --field token"
		}
		var msg string
		switch {
		case isOurs && wantsToken(e.tokenCmd):
			continue
		case isOurs:
			msg = fmt.Sprintf("%s logs in to %s with %s, and asks imapvault for a password, not a token: add --field token ('%s')", e.client, e.host, e.mech, fix)
		case e.tokenCmd == "":
			msg = fmt.Sprintf("%s logs in to %s with %s but names no token command: use '%s'", e.client, e.host, e.mech, fix)
		default:
			msg = fmt.Sprintf("%s logs in to %s with %s and gets its token from its own command, not from imapvault: use '%s'", e.client, e.host, e.mech, fix)
		}
		out = append(out, Finding{Kind: KindTokenNotWired, Severity: Medium, File: e.file, Line: e.line, Account: name, Message: msg})
	}
	return out
}

// Providers' idle expiry of an unused refresh token: Microsoft's is 90
// days of inactivity, Google's six months.
var refreshIdleLimit = map[string]time.Duration{"microsoft": 90 * 24 * time.Hour, "google": 183 * 24 * time.Hour}

const refreshWarn = 14 * 24 * time.Hour

// checkRefreshIdle: a refresh token unused for nearly as long as its
// provider keeps one.
func checkRefreshIdle(in *Input, _ *setup) []Finding {
	if in.Vault == nil {
		return nil
	}
	var out []Finding
	for _, a := range in.Vault.Accounts {
		o := a.OAuth
		if !a.IsOAuth2() || o == nil || o.Refreshed.IsZero() {
			continue
		}
		limit, ok := refreshIdleLimit[o.Provider]
		if !ok {
			continue
		}
		idle := in.Now.Sub(o.Refreshed)
		days, max := int(idle/(24*time.Hour)), int(limit/(24*time.Hour))
		switch {
		case idle >= limit:
			out = append(out, Finding{Kind: KindRefreshIdle, Severity: High, Account: a.Name,
				Message: fmt.Sprintf("the refresh token of %s was last used %d days ago; %s drops one unused for %d days, so it has probably expired: run 'imapvault oauth login %s'", a.Name, days, o.Provider, max, a.Name)})
		case idle >= limit-refreshWarn:
			out = append(out, Finding{Kind: KindRefreshIdle, Severity: Medium, Account: a.Name,
				Message: fmt.Sprintf("the refresh token of %s was last used %d days ago; %s drops one unused for %d days: run 'imapvault check %s' (it refreshes the token) soon", a.Name, days, o.Provider, max, a.Name)})
		}
	}
	return out
}
