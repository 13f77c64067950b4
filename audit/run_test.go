package audit

import (
	"strings"
	"testing"
	"time"

	"github.com/imapvault/imapvault/vault"
)

func TestCleanVaultHasNoFindings(t *testing.T) {
	v := cleanVault()
	bf := smallBreachFile(t, map[string]int{"hunter2": 17})
	fs, err := Run(v, Options{Now: now, Breached: bf})
	if err != nil {
		t.Fatal(err)
	}
	if len(fs) != 0 {
		t.Fatalf("clean vault: want no findings, got %+v", fs)
	}
}

// TestKinds crafts one problem at a time on the clean vault and checks
// that exactly the expected kind shows up (or, for "absent" cases, that
// it does not).
func TestKinds(t *testing.T) {
	work := func(v *vault.Vault) *vault.Account { return v.Find("work") }
	removed := func(d int) *time.Time { r := daysAgo(d); return &r }
	tests := []struct {
		name    string
		mutate  func(v *vault.Vault)
		opts    Options
		breach  map[string]int // passwords in the breach file
		account string
		kind    Kind
		want    bool
		sev     Severity
		msg     []string // substrings of the message
	}{
		{name: "stale", mutate: func(v *vault.Vault) { work(v).Changed = daysAgo(412) },
			account: "work", kind: Stale, want: true, sev: Medium,
			msg: []string{"412 days old (max 365)", "`imapvault rotate work`"}},
		{name: "stale twice the max is high", mutate: func(v *vault.Vault) { work(v).Changed = daysAgo(800) },
			account: "work", kind: Stale, want: true, sev: High},
		{name: "stale counts from changed, not modified", mutate: func(v *vault.Vault) {
			work(v).Changed, work(v).Modified = daysAgo(400), daysAgo(1)
		}, account: "work", kind: Stale, want: true, sev: Medium},
		{name: "an old edit is not stale", mutate: func(v *vault.Vault) {
			work(v).Changed, work(v).Modified, work(v).Created = daysAgo(10), daysAgo(900), daysAgo(900)
		}, account: "work", kind: Stale, want: false},
		{name: "vault max age", mutate: func(v *vault.Vault) { v.Settings.MaxAgeDays = 20 },
			account: "work", kind: Stale, want: true, msg: []string{"30 days old (max 20)"}},
		{name: "--max-age overrides the vault", mutate: func(v *vault.Vault) {},
			opts: Options{MaxAge: 25 * 24 * time.Hour}, account: "work", kind: Stale, want: true, msg: []string{"(max 25)"}},
		{name: "account max age wins over --max-age", mutate: func(v *vault.Vault) { work(v).MaxAgeDays = 60 },
			opts: Options{MaxAge: 25 * 24 * time.Hour}, account: "work", kind: Stale, want: false},
		{name: "account max age", mutate: func(v *vault.Vault) { work(v).MaxAgeDays = 14 },
			account: "work", kind: Stale, want: true, msg: []string{"(max 14)"}},
		{name: "stale mentions a pending rotation", mutate: func(v *vault.Vault) {
			work(v).Changed = daysAgo(400)
			work(v).Pending = &vault.Pending{Password: strongPw(9), State: vault.PendingApplied, Started: daysAgo(3)}
		}, account: "work", kind: Stale, want: true, msg: []string{"pending", "`imapvault rotate work --resume`"}},

		{name: "reused across accounts", mutate: func(v *vault.Vault) { v.Find("home").Password = work(v).Password },
			account: "work", kind: Reused, want: true, sev: High, msg: []string{"used by home"}},
		{name: "reused names the other side too", mutate: func(v *vault.Vault) { v.Find("home").Password = work(v).Password },
			account: "home", kind: Reused, want: true, sev: High, msg: []string{"used by work"}},
		{name: "reused own history", mutate: func(v *vault.Vault) {
			a := work(v)
			a.History = []vault.RetiredPassword{{Password: a.Password, Retired: daysAgo(200)}, {Password: strongPw(7), Retired: daysAgo(30)}}
		}, account: "work", kind: Reused, want: true, sev: Medium, msg: []string{"used this password before (retired " + daysAgo(200).Format("2006-01-02") + ")"}},
		{name: "another account's retired password", mutate: func(v *vault.Vault) {
			// team-a was rotated; team-b still has team-a's old password.
			home := v.Find("home")
			work(v).History = []vault.RetiredPassword{{Password: home.Password, Retired: daysAgo(30)}}
		}, account: "home", kind: Reused, want: true, sev: Low, msg: []string{"retired password of work"}},
		{name: "another's retired password adds to a worse reuse", mutate: func(v *vault.Vault) {
			home := v.Find("home")
			home.History = []vault.RetiredPassword{{Password: home.Password, Retired: daysAgo(90)}}
			work(v).History = []vault.RetiredPassword{{Password: home.Password, Retired: daysAgo(30)}}
		}, account: "home", kind: Reused, want: true, sev: Medium, msg: []string{"used this password before", "retired password of work"}},
		{name: "a different history is no reuse", mutate: func(v *vault.Vault) {
			work(v).History = []vault.RetiredPassword{{Password: strongPw(7), Retired: daysAgo(30)}}
		}, account: "work", kind: Reused, want: false},

		{name: "weak by zxcvbn", mutate: func(v *vault.Vault) { work(v).Password = "password1234" },
			account: "work", kind: Weak, want: true, sev: High, msg: []string{"(strength 1 of 4, under 3; 12 characters)"}},
		{name: "weak by length", mutate: func(v *vault.Vault) { work(v).Password = "Xk9#mQ2!vR" },
			account: "work", kind: Weak, want: true, msg: []string{"10 characters"}},
		// Strong by zxcvbn, weak by length alone: the message must say the
		// length decided, not only "strength 4 of 4" (#29).
		{name: "weak by length names the length rule", mutate: func(v *vault.Vault) { work(v).Password = "Vq8#Lm2!zRt" },
			account: "work", kind: Weak, want: true, msg: []string{"(11 characters, under 12; strength 4 of 4)"}},
		{name: "weak by both names both rules", mutate: func(v *vault.Vault) { work(v).Password = "password12" },
			account: "work", kind: Weak, want: true, sev: High, msg: []string{"(strength 1 of 4, under 3; 10 characters, under 12)"}},

		{name: "breached", breach: map[string]int{strongPw(1): 3861},
			account: "work", kind: Breached, want: true, sev: Critical, msg: []string{"3861 times", "rotate it now"}},
		{name: "not in the breach file", breach: map[string]int{strongPw(5): 2},
			account: "work", kind: Breached, want: false},

		{name: "login failed: auth", mutate: func(v *vault.Vault) {
			work(v).LastCheck = &vault.Check{At: daysAgo(1), Status: "auth_failed", Code: "AUTHENTICATIONFAILED", Error: "Invalid credentials (Failure)"}
		}, account: "work", kind: LoginFailed, want: true, sev: High,
			msg: []string{"refused the stored password", `server said "[AUTHENTICATIONFAILED] Invalid credentials (Failure)"`}},
		{name: "login failed: timeout", mutate: func(v *vault.Vault) {
			work(v).LastCheck = &vault.Check{At: daysAgo(1), Status: "timeout", Error: "i/o timeout"}
		}, account: "work", kind: LoginFailed, want: true, sev: Medium, msg: []string{"did not answer in time", "`imapvault check work`"}},
		{name: "login failed: server words lose control characters", mutate: func(v *vault.Vault) {
			work(v).LastCheck = &vault.Check{At: daysAgo(1), Status: "unreachable", Error: "refused\x1b[2J\r\nnow"}
		}, account: "work", kind: LoginFailed, want: true, msg: []string{`"refused [2J now"`}},
		{name: "never checked is no login failure", mutate: func(v *vault.Vault) { work(v).LastCheck = nil },
			account: "work", kind: LoginFailed, want: false},

		{name: "tls: cleartext", mutate: func(v *vault.Vault) { work(v).Security, work(v).Port = vault.Insecure, 143 },
			account: "work", kind: TLS, want: true, sev: High, msg: []string{"cleartext"}},
		{name: "tls: verify error", mutate: func(v *vault.Vault) {
			work(v).LastCheck.TLS.VerifyError = "x509: certificate signed by unknown authority"
		}, account: "work", kind: TLS, want: true, sev: High, msg: []string{"unknown authority"}},
		{name: "tls: expires in 10 days", mutate: func(v *vault.Vault) {
			work(v).LastCheck.TLS.NotAfter = now.Add(10*24*time.Hour + time.Hour)
		}, account: "work", kind: TLS, want: true, sev: Medium, msg: []string{"expires in 10 days"}},
		{name: "tls: expires in 21 days", mutate: func(v *vault.Vault) {
			work(v).LastCheck.TLS.NotAfter = now.Add(21*24*time.Hour + time.Hour)
		}, account: "work", kind: TLS, want: true, msg: []string{"expires in 21 days"}},
		{name: "tls: 22 days is fine", mutate: func(v *vault.Vault) {
			work(v).LastCheck.TLS.NotAfter = now.Add(22*24*time.Hour + time.Hour)
		}, account: "work", kind: TLS, want: false},
		{name: "tls: expired", mutate: func(v *vault.Vault) {
			work(v).LastCheck.TLS.NotAfter = daysAgo(2)
		}, account: "work", kind: TLS, want: true, sev: Critical, msg: []string{"has expired"}},

		{name: "exposed", mutate: func(v *vault.Vault) {
			v.Recipients = append(v.Recipients, vault.Recipient{Key: "age1carol", Label: "carol", Added: daysAgo(300), Removed: removed(10)})
		}, account: "work", kind: Exposed, want: true, sev: High, msg: []string{"carol lost access on " + daysAgo(10).Format("2006-01-02")}},
		{name: "removed before the change is not exposed", mutate: func(v *vault.Vault) {
			v.Recipients = append(v.Recipients, vault.Recipient{Key: "age1carol", Label: "carol", Added: daysAgo(300), Removed: removed(40)})
		}, account: "work", kind: Exposed, want: false},
		{name: "removed before the change, other account exposed", mutate: func(v *vault.Vault) {
			v.Recipients = append(v.Recipients, vault.Recipient{Key: "age1carol", Label: "carol", Added: daysAgo(300), Removed: removed(40)})
		}, account: "home", kind: Exposed, want: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v := cleanVault()
			if tt.mutate != nil {
				tt.mutate(v)
			}
			opts := tt.opts
			opts.Now = now
			if tt.breach != nil {
				opts.Breached = smallBreachFile(t, tt.breach)
			}
			fs, err := Run(v, opts)
			if err != nil {
				t.Fatal(err)
			}
			f := findingOf(fs, tt.account, tt.kind)
			if !tt.want {
				if f != nil {
					t.Fatalf("want no %s finding on %s, got %+v", tt.kind, tt.account, *f)
				}
				return
			}
			if f == nil {
				t.Fatalf("want a %s finding on %s, got %+v", tt.kind, tt.account, fs)
			}
			if tt.sev != "" && f.Severity != tt.sev {
				t.Errorf("severity = %s, want %s", f.Severity, tt.sev)
			}
			for _, m := range tt.msg {
				if !strings.Contains(f.Message, m) {
					t.Errorf("message %q lacks %q", f.Message, m)
				}
			}
			if strings.Count(f.Message, ": ") < 1 || strings.Contains(f.Message, "\n") {
				t.Errorf("message %q is not one sentence saying what to do", f.Message)
			}
			if f.AccountID != v.Find(tt.account).ID {
				t.Errorf("AccountID = %q", f.AccountID)
			}
			if got := ForAccount(fs, f.AccountID); len(got) == 0 || got[0].AccountID != f.AccountID {
				t.Errorf("ForAccount(%s) = %+v", f.AccountID, got)
			}
		})
	}
}

func TestSortedWorstFirst(t *testing.T) {
	v := cleanVault()
	v.Accounts = append(v.Accounts, &vault.Account{ID: "id-a", Name: "archive", Host: "h.example", Security: vault.Insecure,
		Username: "zed", Password: "short", Changed: daysAgo(1000)})
	v.Find("home").LastCheck.Status = "timeout"
	fs, err := Run(v, Options{Now: now})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, f := range fs {
		got = append(got, string(f.Severity)+" "+f.Account+" "+string(f.Kind))
	}
	want := []string{
		"high archive stale", "high archive tls", "high archive weak",
		"medium home login_failed",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Fatalf("order:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

func TestSeverityRank(t *testing.T) {
	prev := 100
	for _, s := range Severities {
		if s.Rank() >= prev || s.Rank() <= 0 {
			t.Fatalf("%s rank %d not below %d", s, s.Rank(), prev)
		}
		prev = s.Rank()
	}
	if Severity("bogus").Rank() != 0 {
		t.Fatal("unknown severity must rank 0")
	}
}
