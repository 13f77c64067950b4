//go:build unix

package cli

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/imapvault/imapvault/doctor"
	"github.com/imapvault/imapvault/internal/testimap"
	"github.com/imapvault/imapvault/internal/testoauth"
	"github.com/imapvault/imapvault/internal/testsmtp"
	"github.com/imapvault/imapvault/internal/testwait"
)

// oauthClientWorld is an OAuth2 account "mail" (IMAP on the oauth2
// Dovecot, SMTP on a real Postfix handing AUTH to it, the test CA as its
// --ca-file) and the environment a mail client runs imapvault in.
func oauthClientWorld(t *testing.T) (*oauthWorld, *testsmtp.Postfix, []string) {
	t.Helper()
	w := newOAuthWorldTuned(t, testoauth.Options{}, func(o *testimap.DovecotOptions) { o.AuthInet = true })
	pf := testsmtp.StartPostfix(t, testsmtp.PostfixOptions{AuthAddr: w.d.AuthAddr()})
	args := append([]string{"add", "--name", "mail", "--address", testoauth.Email, "--ca-file", filepath.Join(w.s.dir, "ca.pem"),
		"--smtp-host", pf.Host(), "--smtp-port", strconv.Itoa(pf.SubmissionPort()), "--smtp-security", "starttls"}, w.args...)
	if r := w.interactive(t, args...); r.code != 0 {
		t.Fatalf("add: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	bin := filepath.Join(w.s.dir, "bin")
	os.MkdirAll(bin, 0o700)
	os.WriteFile(filepath.Join(bin, "imapvault"), []byte("#!/bin/sh\nexec \"$IMAPVAULT_TEST_BIN\" \"$@\"\n"), 0o700)
	env := append(os.Environ(), "PATH="+bin+":"+os.Getenv("PATH"), "HOME="+w.s.dir,
		"IMAPVAULT_BE_MAIN=1", "IMAPVAULT_TEST_BIN="+os.Args[0], "XDG_RUNTIME_DIR="+filepath.Join(w.s.dir, "run"))
	return w, pf, env
}

// An OAuth2 account's blocks log in with XOAUTH2 and take a fresh access
// token from 'imapvault get NAME --field token': no client is handed a
// password command that prints nothing, nor any token or secret; and
// doctor, reading the blocks where each client keeps its config, finds
// every one wired to the token (and, with --field token taken out, finds
// each one not wired: it did read them as OAuth2 logins).
func TestClientConfigOAuth2(t *testing.T) {
	w, _, _ := oauthClientWorld(t)
	s := w.s
	a := w.account(t, "mail")
	tok := "--field token"
	want := map[string][]string{
		"mbsync":      {"AuthMechs XOAUTH2", "get mail " + tok, "libsasl2-modules-kdexoauth2"},
		"msmtp":       {"auth xoauth2", "get mail " + tok, "fresh OAuth2 access token"},
		"aerc":        {"source = imaps+xoauth2://", "outgoing = smtp+xoauth2://", "get mail " + tok, "about an hour"},
		"neomutt":     {`imap_authenticators = \"xoauth2\"`, `imap_oauth_refresh_command = \"`, `smtp_authenticators = \"xoauth2\"`, "get mail " + tok},
		"offlineimap": {"auth_mechanisms = XOAUTH2", "oauth2_access_token_eval = ", `"get", "mail", "--field", "token"`},
		"himalaya": {`backend.auth.type = "oauth2"`, `backend.auth.method = "xoauth2"`, `backend.auth.access-token.cmd = "`,
			`message.send.backend.auth.type = "oauth2"`, `backend.auth.client-id = "` + testoauth.ClientID + `"`, "get mail " + tok},
	}
	home := filepath.Join(s.dir, "home")
	where := map[string]string{"mbsync": ".mbsyncrc", "msmtp": ".msmtprc", "aerc": ".config/aerc/accounts.conf",
		"neomutt": ".neomuttrc", "offlineimap": ".offlineimaprc", "himalaya": ".config/himalaya/config.toml"}
	blocks := map[string]string{}
	for client, wants := range want {
		r := s.run("", "client-config", client, "mail")
		if r.code != 0 {
			t.Fatalf("client-config %s: exit %d %s", client, r.code, r.stderr)
		}
		for _, w := range wants {
			if !strings.Contains(r.stdout, w) {
				t.Errorf("%s: missing %s in:\n%s", client, w, r.stdout)
			}
		}
		for _, secret := range []string{a.OAuth.RefreshToken, a.OAuth.AccessToken, testoauth.ClientSecret} {
			if secret != "" && strings.Contains(r.stdout+r.stderr, secret) {
				t.Fatalf("%s: a token or the client secret in its block", client)
			}
		}
		if strings.Contains(r.stdout, "imap_pass") || strings.Contains(r.stdout, "remotepasseval") || strings.Contains(r.stdout, `auth.type = "password"`) {
			t.Errorf("%s: a password login for an OAuth2 account:\n%s", client, r.stdout)
		}
		blocks[client] = r.stdout
	}
	if r := s.run("", "client-config", "vdirsyncer", "mail"); r.code == 0 || !strings.Contains(r.stderr, "OAuth2") {
		t.Errorf("vdirsyncer for an OAuth2 account: exit %d %s", r.code, r.stderr)
	}

	doctor := func(unwire bool) map[string]bool {
		t.Helper()
		for client, b := range blocks {
			if unwire {
				b = strings.NewReplacer(" --field token", "", `, "--field", "token"`, "").Replace(b)
			}
			if client == "offlineimap" { // the block goes into a file that has this
				b = "[general]\naccounts = mail\n\n" + b
			}
			p := filepath.Join(home, where[client])
			os.MkdirAll(filepath.Dir(p), 0o700)
			if err := os.WriteFile(p, []byte(b), 0o600); err != nil {
				t.Fatal(err)
			}
		}
		saved := s.env
		s.env = append(slices.Clone(saved), "HOME="+home, "XDG_CONFIG_HOME="+filepath.Join(home, ".config"))
		r := s.run("", "doctor", "--json", "--crontab", filepath.Join(s.dir, "none"))
		s.env = saved
		var got struct {
			Findings []struct{ Kind, File, Message string }
		}
		if err := json.Unmarshal([]byte(r.stdout), &got); err != nil {
			t.Fatalf("doctor: exit %d %v\n%s%s", r.code, err, r.stdout, r.stderr)
		}
		unwired := map[string]bool{}
		for _, f := range got.Findings {
			switch f.Kind {
			case "token_not_wired", "not_wired", "plaintext_copy":
				unwired[strings.TrimPrefix(f.File, home+"/")] = true
			}
		}
		return unwired
	}
	if got := doctor(false); len(got) > 0 {
		t.Errorf("doctor finds our own OAuth2 blocks not wired: %v", got)
	}
	got := doctor(true)
	for client, p := range where {
		if !got[p] {
			t.Errorf("doctor did not see %s's block (%s) as an OAuth2 login without the token: %v", client, p, got)
		}
	}
}

// block writes client-config's block for "mail", edited by edit (nil:
// as printed), to a file of the sandbox, and returns its path and text.
func (w *oauthWorld) block(t *testing.T, client string, edit func(string) string) (path, text string) {
	t.Helper()
	text = w.s.must("", "client-config", client, "mail").stdout
	if edit != nil {
		text = edit(text)
	}
	path = filepath.Join(w.s.dir, client+"rc")
	if err := os.WriteFile(path, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	return path, text
}

// xoauth2Logins counts Dovecot's XOAUTH2 logins of the account's user.
func (w *oauthWorld) xoauth2Logins() int {
	return strings.Count(w.d.Log(), "Login: user=<"+testoauth.Email+">, method=XOAUTH2")
}

// noTokens fails when the account's tokens show in what a client printed
// or was configured with.
func (w *oauthWorld) noTokens(t *testing.T, client string, seen ...string) {
	t.Helper()
	a := w.account(t, "mail")
	all := strings.Join(seen, "\n")
	for _, secret := range []string{a.OAuth.AccessToken, a.OAuth.RefreshToken} {
		if secret != "" && strings.Contains(all, secret) {
			t.Fatalf("a token in %s's output or its config", client)
		}
	}
}

// runClient runs a mail client to its end, as a timer or a one-shot
// sync does, with no terminal.
func runClient(t *testing.T, env []string, stdin string, prog string, args ...string) (string, error) {
	t.Helper()
	cmd := exec.Command(prog, args...)
	cmd.Env = env
	cmd.Stdin = strings.NewReader(stdin)
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true}
	out, err := cmd.CombinedOutput()
	return string(out), err
}

// Real msmtp sends with the OAuth2 block client-config prints: XOAUTH2
// to a real Postfix, whose Dovecot SASL introspects the token that
// passwordeval got from imapvault; after the access token has expired the
// next message's passwordeval refreshes it, and the block never holds one.
func TestMsmtpSendsWithOAuth2(t *testing.T) {
	msmtp := testimap.LookBin(t, "msmtp", "msmtp")
	w, pf, env := oauthClientWorld(t)
	cfg, text := w.block(t, "msmtp", nil)
	send := func() string {
		t.Helper()
		out, err := runClient(t, env, "From: "+testoauth.Email+"\r\nSubject: hi\r\n\r\nbody\r\n",
			msmtp, "-C", cfg, "-a", "mail", "--read-envelope-from", "you@example.org")
		if err != nil {
			t.Fatalf("msmtp: %v\n%s\nconfig:\n%s\npostfix:\n%s", err, out, text, pf.Log())
		}
		return out
	}
	out := send()
	first := w.account(t, "mail").OAuth.AccessToken
	w.expire(t, "mail")
	out += send()
	if w.account(t, "mail").OAuth.AccessToken == first {
		t.Error("the second message's passwordeval did not refresh the expired token")
	}
	if n := strings.Count(pf.Log(), "sasl_method=XOAUTH2, sasl_username="+testoauth.Email); n != 2 {
		t.Fatalf("Postfix logged %d XOAUTH2 logins, want 2:\n%s", n, pf.Log())
	}
	if strings.Contains(out+text, first) {
		t.Fatal("the first token in msmtp's output or its config")
	}
	w.noTokens(t, "msmtp", out, text)
}

// Real neomutt logs in with the OAuth2 block client-config prints: the
// account-hook sets imap_authenticators and imap_oauth_refresh_command,
// neomutt runs the command at login and sends the token with XOAUTH2 to
// the Dovecot whose oauth2 passdb introspects it.
func TestNeomuttLogsInWithOAuth2(t *testing.T) {
	neomutt := testimap.LookBin(t, "neomutt", "neomutt")
	w, _, env := oauthClientWorld(t)
	cfg, text := w.block(t, "neomutt", nil)
	before := w.xoauth2Logins()
	ptm, pts := openPTY(t)
	cmd := exec.Command(neomutt, "-n", "-F", cfg)
	cmd.Env = append(env, "TERM=xterm", "LANG=C.UTF-8")
	cmd.Stdin, cmd.Stdout, cmd.Stderr = pts, pts, pts
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true, Setctty: true}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	pts.Close()
	screen := &screenLog{}
	go func() { _, _ = copyAll(screen, ptm) }()
	t.Cleanup(func() { syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL); cmd.Wait(); ptm.Close() })
	if !testwait.Until(time.Now().Add(testwait.Patience), func() bool { return w.xoauth2Logins() > before }) {
		t.Fatalf("neomutt made no XOAUTH2 login\nscreen: %q\ndovecot:\n%s\nconfig:\n%s", tail(screen.String()), w.d.Log(), text)
	}
	w.noTokens(t, "neomutt", screen.String(), text)
}

// Real offlineimap, one run as a timer runs it, with the OAuth2 block:
// oauth2_access_token_eval runs imapvault for the token and offlineimap
// logs in with XOAUTH2; an empty INBOX syncs without an error.
func TestOfflineimapSyncsWithOAuth2(t *testing.T) {
	offlineimap := testimap.LookBin(t, "offlineimap", "offlineimap3")
	w, _, env := oauthClientWorld(t)
	mail := filepath.Join(w.s.dir, "Mail")
	cfg, text := w.block(t, "offlineimap", func(b string) string {
		return "[general]\naccounts = mail\nmetadata = " + filepath.Join(w.s.dir, "meta") + "\n\n" +
			strings.ReplaceAll(b, "~/Mail/", mail+"/")
	})
	before := w.xoauth2Logins()
	out, err := runClient(t, append(env, "LANG=C.UTF-8"), "", offlineimap, "-c", cfg, "-o", "-u", "basic")
	if err != nil || strings.Contains(out, "ERROR") || w.xoauth2Logins() == before {
		t.Fatalf("offlineimap: %v\n%s\nconfig:\n%s\ndovecot:\n%s", err, out, text, w.d.Log())
	}
	if _, err := os.Stat(filepath.Join(mail, "mail", "INBOX")); err != nil {
		t.Errorf("no INBOX synced: %v\n%s", err, out)
	}
	w.noTokens(t, "offlineimap", out, text)
}

// Real mbsync syncs with the OAuth2 block: AuthMechs XOAUTH2 through
// Cyrus SASL's XOAUTH2 plugin (libsasl2-modules-kdexoauth2), PassCmd
// printing the token imapvault refreshed.
func TestMbsyncSyncsWithOAuth2(t *testing.T) {
	mbsync := testimap.LookBin(t, "mbsync", "isync")
	if !pluginIn(doctor.DefaultSASLDirs...) {
		testimap.Missing(t, "a Cyrus SASL XOAUTH2 plugin (apt-get install libsasl2-modules-kdexoauth2)", os.ErrNotExist)
	}
	w, _, env := oauthClientWorld(t)
	mail := filepath.Join(w.s.dir, "Mail")
	os.MkdirAll(filepath.Join(mail, "mail"), 0o700) // as the block's comment says
	cfg, text := w.block(t, "mbsync", func(b string) string { return strings.ReplaceAll(b, "~/Mail/", mail+"/") })
	before := w.xoauth2Logins()
	out, err := runClient(t, env, "", mbsync, "-c", cfg, "-a")
	if err != nil || w.xoauth2Logins() == before {
		t.Fatalf("mbsync: %v\n%s\nconfig:\n%s\ndovecot:\n%s", err, out, text, w.d.Log())
	}
	w.noTokens(t, "mbsync", out, text)
}

// pluginIn reports whether a Cyrus SASL XOAUTH2 plugin is in one of dirs.
func pluginIn(dirs ...string) bool {
	for _, d := range dirs {
		if m, _ := filepath.Glob(filepath.Join(d, "*xoauth2*.so*")); len(m) > 0 {
			return true
		}
	}
	return false
}
