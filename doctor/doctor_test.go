package doctor

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/imapvault/imapvault/vault"
)

var update = flag.Bool("update", false, "rewrite the goldens in testdata")

var now = time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC)

// testVault is the vault the fixtures in testdata/home were written against.
func testVault() *vault.Vault {
	v := vault.New()
	v.Accounts = []*vault.Account{
		{Name: "work", Host: "imap.work.example", Username: "jo@work.example", Password: "Doctor-Work-pw-41",
			SMTP: &vault.Endpoint{Host: "smtp.work.example"}},
		{Name: "home", Host: "imap.home.example", Username: "jo", Password: "Doctor-Home-pw-9",
			SMTP:    &vault.Endpoint{Host: "smtp.home.example"},
			History: []vault.RetiredPassword{{Password: "Doctor-Home-old-7", Retired: now.AddDate(0, -2, 0)}}},
		{Name: "old", Host: "imap.old.example", Username: "jo", Password: "Doctor-Old-pw-3"},
		{Name: "gmail", Host: "imap.gmail.com", Username: "jo@gmail.com", Auth: vault.AuthOAuth2,
			OAuth: &vault.OAuth{Provider: "google", RefreshToken: "Doctor-Refresh-tok-1", Refreshed: now.AddDate(0, 0, -3)}},
		{Name: "ms", Host: "outlook.office365.com", Username: "jo@contoso.example", Auth: vault.AuthOAuth2,
			SMTP:  &vault.Endpoint{Host: "smtp.office365.com"},
			OAuth: &vault.OAuth{Provider: "microsoft", RefreshToken: "Doctor-Refresh-tok-2", Refreshed: now.AddDate(0, 0, -80)}},
	}
	return v
}

func testInput(t *testing.T) *Input {
	t.Helper()
	home, _ := filepath.Abs(filepath.Join("testdata", "home"))
	bin, _ := filepath.Abs(filepath.Join("testdata", "bin"))
	crontab, _ := filepath.Abs(filepath.Join("testdata", "crontab"))
	cron, err := os.ReadFile(crontab)
	if err != nil {
		t.Fatal(err)
	}
	t.Setenv("HOME", home) // mutt's ~/ in a source line
	env := map[string]string{"PATH": bin, "XDG_RUNTIME_DIR": "/run/user/1000"}
	return &Input{Home: home, Getenv: func(k string) string { return env[k] }, Vault: testVault(),
		Agent:   Agent{Socket: "/run/user/1000/imapvault/agent.sock"},
		Crontab: string(cron), CrontabFile: crontab, SASLDirs: []string{filepath.Join(filepath.Dir(home), "sasl-none")},
		CronSocket: "/tmp/imapvault-1000/agent.sock", DefaultTTL: 15 * time.Minute, Now: now}
}

// golden compares out with testdata/NAME, the fixture folder written $DIR.
func golden(t *testing.T, name, out string) {
	t.Helper()
	dir, _ := filepath.Abs("testdata")
	out = strings.ReplaceAll(out, dir, "$DIR")
	p := filepath.Join("testdata", name)
	if *update {
		os.WriteFile(p, []byte(out), 0o644)
	}
	want, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	if out != string(want) {
		t.Errorf("%s differs (go test ./doctor -update rewrites it):\n%s", name, out)
	}
}

func TestDoctorGolden(t *testing.T) {
	in := testInput(t)
	fs := Run(in)
	var text, js bytes.Buffer
	if err := WriteText(&text, fs, in.Home); err != nil {
		t.Fatal(err)
	}
	if err := WriteJSON(&js, fs); err != nil {
		t.Fatal(err)
	}
	golden(t, "findings.txt", text.String())
	golden(t, "findings.json", js.String())
	for _, secret := range []string{"Doctor-Work-pw", "Doctor-Home-pw", "Doctor-Home-old", "Doctor-Refresh"} {
		if strings.Contains(text.String()+js.String(), secret) {
			t.Errorf("a finding holds the secret %s", secret)
		}
	}
}

// Each kind, where it is expected and nowhere else: the golden shows the
// words, this says what must be there.
func TestDoctorKinds(t *testing.T) {
	in := testInput(t)
	got := map[string]bool{}
	for _, f := range Run(in) {
		base := ""
		if f.File != "" {
			base = filepath.Base(f.File)
		}
		got[f.Kind+" "+base+" "+f.Account] = true
	}
	for _, want := range []string{
		"plaintext_copy .mbsyncrc work",   // the current password
		"plaintext_copy .msmtprc home",    // a retired one
		"plaintext_copy secrets home",     // in a file .muttrc sources
		"plaintext_copy .netrc work",      // ~/.netrc
		"not_wired .mbsyncrc old",         // its own command
		"token_not_wired .mbsyncrc gmail", // OAuth2, token from elsewhere
		"token_not_wired .msmtprc ms",     // imapvault, but the password
		"sasl_xoauth2_missing .mbsyncrc gmail",
		"agent_unreachable  ",
		"cron_agent_socket crontab ",
		"imapvault_get_missing crontab ",
		"idle_timeout_short crontab ",
		"idle_timeout_short mbsync.timer ",
		"refresh_token_idle  ms",
	} {
		if !got[want] {
			t.Errorf("missing finding %q; got %v", want, got)
		}
	}
	for k := range got {
		if strings.HasPrefix(k, "not_wired .mbsyncrc home") || strings.HasPrefix(k, "refresh_token_idle  gmail") || strings.Contains(k, "example.org") {
			t.Errorf("unexpected finding %q", k)
		}
	}
}

// A setup that is all wired, with a plugin and an agent that lasts, is clean.
func TestDoctorClean(t *testing.T) {
	home := t.TempDir()
	os.WriteFile(filepath.Join(home, ".mbsyncrc"), []byte("IMAPAccount home\nHost imap.home.example\nUser jo\nPassCmd \"imapvault-get home\"\n"), 0o600)
	bin, _ := filepath.Abs(filepath.Join("testdata", "bin"))
	in := &Input{Home: home, Getenv: func(k string) string { return map[string]string{"PATH": bin}[k] }, Vault: testVault(),
		Agent: Agent{Running: true, Unlocked: true, TTL: time.Hour}, Crontab: "PATH=" + bin + "\n*/30 * * * * mbsync -a\n", Now: now.AddDate(0, 0, -70)}
	if fs := Run(in); len(fs) != 0 {
		t.Fatalf("findings on a clean setup: %+v", fs)
	}
}

func TestCronGap(t *testing.T) {
	tests := []struct {
		spec string
		want time.Duration
	}{
		{"*/30 * * * *", 30 * time.Minute},
		{"*/7 * * * *", 7 * time.Minute}, // 56 -> 0 over the hour is 4
		{"0,50 * * * *", 50 * time.Minute},
		{"0 * * * *", time.Hour},
		{"0,15 * * * *", 45 * time.Minute},
		{"5 */2 * * *", 2 * time.Hour},
		{"0 9-17 * * *", 16 * time.Hour},
		{"0 3 * * *", 24 * time.Hour},
		{"* * * * 1", 24 * time.Hour},
		{"x * * * *", 0},
	}
	for _, tc := range tests {
		f := strings.Fields(tc.spec)
		if got := cronGap(f[0], f[1], f[2], f[3], f[4]); got != tc.want {
			t.Errorf("cronGap(%q) = %v, want %v", tc.spec, got, tc.want)
		}
	}
	for in, want := range map[string]time.Duration{"*:0/15": 15 * time.Minute, "hourly": time.Hour, "*-*-* *:00/10:00": 10 * time.Minute,
		"*:05": time.Hour, "0/2:00": 2 * time.Hour, "Mon *-*-* 09:00": 24 * time.Hour} {
		if got := calendarEvery(in); got != want {
			t.Errorf("calendarEvery(%q) = %v, want %v", in, got, want)
		}
	}
	for in, want := range map[string]time.Duration{"5min": 5 * time.Minute, "1h 30m": 90 * time.Minute, "300": 5 * time.Minute, "2 weeks": 14 * 24 * time.Hour, "5 parsecs": 0} {
		if got := timespan(in); got != want {
			t.Errorf("timespan(%q) = %v, want %v", in, got, want)
		}
	}
}

func TestImapvaultCall(t *testing.T) {
	tests := []struct {
		cmd, prog, acct string
		ok, token       bool
	}{
		{"imapvault-get work", "imapvault-get", "work", true, false},
		{"/usr/local/bin/imapvault get --vault /v.age work --field token", "/usr/local/bin/imapvault", "work", true, true},
		{`sh -c 'imapvault-get --no-prompt "my box"'`, "imapvault-get", "my", true, false},
		{"imapvault list", "", "", false, false},
		{"pass show imapvault-get", "", "", false, false},
		{"imapvault-get ms --field=token", "imapvault-get", "ms", true, true},
		// client-config's form for a vault and identity off the default path
		{"imapvault --vault /v.age --identity=/id.txt get work --field token", "imapvault", "work", true, true},
		{"imapvault --vault /v.age list", "", "", false, false},
		// offlineimap's remotepasseval / oauth2_access_token_eval (Python)
		{`__import__("subprocess").run(["imapvault-get", "work", "--field", "token"], check=True).stdout`, "imapvault-get", "work", true, true},
	}
	for _, tc := range tests {
		prog, acct, ok := imapvaultCall(tc.cmd)
		if prog != tc.prog || acct != tc.acct || ok != tc.ok || wantsToken(tc.cmd) != tc.token {
			t.Errorf("imapvaultCall(%q) = %q %q %v token %v", tc.cmd, prog, acct, ok, wantsToken(tc.cmd))
		}
	}
}

// The idle limit of agent.conf is named as the one runs meet, and the fix
// is a line there (#29).
func TestIdleTimeoutNamesTheSettingsFile(t *testing.T) {
	in := testInput(t)
	in.DefaultTTL, in.AgentConfig, in.DefaultTTLSet = 20*time.Minute, "/home/jo/.config/imapvault/agent.conf", true
	var msg string
	for _, f := range Run(in) {
		if f.Kind == KindIdleTimeout && filepath.Base(f.File) == "crontab" && f.Line == 3 {
			msg = f.Message
		}
	}
	for _, want := range []string{"locks after 20m without use (ttl in /home/jo/.config/imapvault/agent.conf)",
		"set ttl = 35m or more in /home/jo/.config/imapvault/agent.conf"} {
		if !strings.Contains(msg, want) {
			t.Errorf("idle_timeout_short for crontab:3 lacks %q: %q", want, msg)
		}
	}
}
