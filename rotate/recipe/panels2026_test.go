package recipe

import (
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/imapvault/imapvault/internal/testpanel"
)

// setRecorder is the fakes' Set: what password each user now has.
type setRecorder struct {
	mu  sync.Mutex
	got map[string]string
}

func (s *setRecorder) set(user, pw string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.got == nil {
		s.got = map[string]string{}
	}
	s.got[user] = pw
	return nil
}

func (s *setRecorder) of(user string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.got[user]
}

func credFile(t *testing.T, content string) string {
	t.Helper()
	f := filepath.Join(t.TempDir(), "cred")
	if err := os.WriteFile(f, []byte(content+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	return f
}

// runRecipe runs name as the hook's child and returns its exit code and
// its output (stdout+stderr), checking no secret leaked into it.
func runRecipe(t *testing.T, name string, env map[string]string, secrets ...string) (int, string) {
	t.Helper()
	c := startChild(t, name, oldPw, newPw, env, "")
	err := <-c.done
	code := 0
	var ee interface{ ExitCode() int }
	if errors.As(err, &ee) {
		code = ee.ExitCode()
	}
	out := c.stdout.String() + c.stderr.String()
	for _, s := range append(secrets, newPw, oldPw) {
		if strings.Contains(out, s) {
			t.Errorf("the recipe's output holds a secret: %q", out)
		}
	}
	if strings.Contains(out, "\x1b") {
		t.Errorf("raw escape in the recipe's output: %q", out)
	}
	return code, out
}

func noProblems(t *testing.T, p interface{ Problems() []string }) {
	t.Helper()
	for _, pr := range p.Problems() {
		t.Errorf("request shape: %s", pr)
	}
}

// TestStalwartJMAP: against the 0.16+ management API the recipe finds the
// account by name@domain, reads which credential is the password, and
// patches only that secret; a server before 0.16 gets the REST call.
func TestStalwartJMAP(t *testing.T) {
	for _, tc := range []struct {
		name, login, key string
		legacy           bool
		admin            bool
		want             []string
	}{
		{"by address", "alice@mail.test", "0", false, false,
			[]string{"GET /jmap/session", "POST /jmap/", "x:Domain/query", "POST /jmap/", "x:Account/query", "POST /jmap/", "x:Account/get", "POST /jmap/", "x:Account/set"}},
		{"password beside an app password", "alice@mail.test", "3", false, true, nil},
		{"bare name", "alice", "0", false, false,
			[]string{"GET /jmap/session", "POST /jmap/", "x:Account/query", "POST /jmap/", "x:Account/get", "POST /jmap/", "x:Account/set"}},
		{"before 0.16", "alice@mail.test", "0", true, false, []string{"GET /jmap/session", "PATCH /api/principal/alice@mail.test"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var rec setRecorder
			login := tc.login
			s := testpanel.NewStalwart([]string{login, "bob@mail.test", "carol@other.test"}, tc.key)
			defer s.Close()
			s.Set, s.Token, s.Admin, s.Legacy = rec.set, apiKey, adminCred, tc.legacy
			env := map[string]string{"IMAPVAULT_RECIPE_STALWART_URL": s.URL, "IMAPVAULT_USERNAME": login}
			if tc.admin {
				env["IMAPVAULT_RECIPE_STALWART_ADMIN_FILE"] = credFile(t, adminCred)
			} else {
				env["IMAPVAULT_RECIPE_STALWART_TOKEN_FILE"] = credFile(t, apiKey)
			}
			code, out := runRecipe(t, "stalwart", env, apiKey, "Admin-Sentinel-5Tz")
			if code != 0 {
				t.Fatalf("exit %d: %s", code, out)
			}
			noProblems(t, s)
			if rec.of(login) != newPw {
				t.Fatalf("the new password was not set for %s (set: %v)", login, rec.got)
			}
			if len(rec.got) != 1 {
				t.Errorf("other accounts changed: %v", rec.got)
			}
			if tc.want != nil && !slices.Equal(s.Seen(), tc.want) {
				t.Errorf("calls %v\nwant  %v", s.Seen(), tc.want)
			}
			if tc.legacy != strings.Contains(out, "before 0.16") {
				t.Errorf("output does not say which API it used: %q", out)
			}
		})
	}
}

// TestStalwartRefusals: each JMAP refusal is a sentence with the server's
// words and exit 1; nothing is set.
func TestStalwartRefusals(t *testing.T) {
	for _, tc := range []struct {
		name, login string
		setup       func(s *testpanel.Stalwart)
		token       string
		want        string
	}{
		{"weak", "alice@mail.test", func(s *testpanel.Stalwart) { s.Weak = func(string) bool { return true } }, apiKey,
			"did not set the password of alice@mail.test: invalidProperties (secret): Password is too weak"},
		{"no such account", "carol@mail.test", nil, apiKey, `no account "carol@mail.test"`},
		{"no such domain", "alice@nowhere.test", nil, apiKey, `no domain "nowhere.test"`},
		{"ambiguous bare name", "alice", nil, apiKey, `2 accounts named "alice"`},
		{"bad key", "alice@mail.test", nil, "Wrong-Key-1234", "refused the admin credentials (HTTP 401)"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var rec setRecorder
			s := testpanel.NewStalwart([]string{"alice@mail.test", "alice@other.test"}, "0")
			defer s.Close()
			s.Set, s.Token = rec.set, apiKey
			if tc.setup != nil {
				tc.setup(s)
			}
			code, out := runRecipe(t, "stalwart", map[string]string{"IMAPVAULT_RECIPE_STALWART_URL": s.URL,
				"IMAPVAULT_RECIPE_STALWART_TOKEN_FILE": credFile(t, tc.token), "IMAPVAULT_USERNAME": tc.login}, apiKey)
			if code != 1 || !strings.Contains(out, tc.want) {
				t.Fatalf("exit %d, output %q; want 1 and %q", code, out, tc.want)
			}
			if len(rec.got) != 0 {
				t.Errorf("a password was set: %v", rec.got)
			}
		})
	}
}

// TestStalwartAPIElsewhere: a session whose apiUrl names another server
// gets no password.
func TestStalwartAPIElsewhere(t *testing.T) {
	var rec setRecorder
	real := testpanel.NewStalwart([]string{"alice@mail.test"}, "0")
	defer real.Close()
	real.Set, real.Token = rec.set, apiKey
	// Reached as localhost, the session's apiUrl (127.0.0.1) is another origin.
	code, out := runRecipe(t, "stalwart", map[string]string{"IMAPVAULT_RECIPE_STALWART_URL": strings.Replace(real.URL, "127.0.0.1", "localhost", 1),
		"IMAPVAULT_RECIPE_STALWART_TOKEN_FILE": credFile(t, apiKey), "IMAPVAULT_USERNAME": "alice@mail.test"}, apiKey)
	if code != 1 || !strings.Contains(out, "another server") {
		t.Fatalf("exit %d, output %q", code, out)
	}
	if len(rec.got) != 0 || slices.Contains(real.Seen(), "x:Account/set") {
		t.Errorf("the password went to the other server: %v %v", rec.got, real.Seen())
	}
}

// TestZimbraSOAP: AuthRequest, GetAccountRequest, SetPasswordRequest in
// that order with the token in the context header; a policy message is a
// warning, not a failure; faults are sentences.
func TestZimbraSOAP(t *testing.T) {
	for _, tc := range []struct {
		name, login, admin, policy string
		code                       int
		want                       string
	}{
		{"set", "alice@mail.test", adminCred, "", 0, "password of alice@mail.test set"},
		{"policy warning", "alice@mail.test", adminCred, "password is too short <min 30>", 0, "warning: password is too short <min 30>"},
		{"no such account", "carol@mail.test", adminCred, "", 1, "no such account: carol@mail.test (account.NO_SUCH_ACCOUNT)"},
		{"bad admin", "alice@mail.test", "admin@box.test:nope", "", 1, "Zimbra refused AuthRequest: authentication failed"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var rec setRecorder
			z := testpanel.NewZimbra([]string{"alice@mail.test", "bob@mail.test"})
			defer z.Close()
			z.Set, z.Admin, z.PolicyMessage = rec.set, adminCred, tc.policy
			code, out := runRecipe(t, "zimbra", map[string]string{"IMAPVAULT_RECIPE_ZIMBRA_URL": z.URL,
				"IMAPVAULT_RECIPE_ZIMBRA_ADMIN_FILE": credFile(t, tc.admin), "IMAPVAULT_USERNAME": tc.login}, "Admin-Sentinel-5Tz")
			if code != tc.code || !strings.Contains(out, tc.want) {
				t.Fatalf("exit %d, output %q; want %d and %q", code, out, tc.code, tc.want)
			}
			noProblems(t, z)
			if tc.code == 0 {
				if rec.of(tc.login) != newPw {
					t.Fatalf("not set: %v", rec.got)
				}
				want := []string{"POST /service/admin/soap", "AuthRequest", "POST /service/admin/soap", "GetAccountRequest",
					"POST /service/admin/soap", "SetPasswordRequest"}
				if !slices.Equal(z.Seen(), want) {
					t.Errorf("calls %v", z.Seen())
				}
			} else if len(rec.got) != 0 {
				t.Errorf("set after a fault: %v", rec.got)
			}
		})
	}
}

// TestMailuREST: PATCH /api/v1/user/EMAIL with raw_password and the token
// as a Bearer token; refusals keep Mailu's message.
func TestMailuREST(t *testing.T) {
	for _, tc := range []struct {
		name, login, token string
		code               int
		want               string
	}{
		{"set", "alice@mail.test", apiKey, 0, "password of alice@mail.test set"},
		{"unknown user", "carol@mail.test", apiKey, 1, "Mailu refused (HTTP 404): User carol@mail.test cannot be found"},
		{"bad token", "alice@mail.test", "Wrong-Token-99", 1, "Mailu refused (HTTP 403): Invalid API token"},
		{"login without @", "alice", apiKey, 2, "set IMAPVAULT_RECIPE_USER"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var rec setRecorder
			m := testpanel.NewMailu([]string{"alice@mail.test"})
			defer m.Close()
			m.Set, m.Token = rec.set, apiKey
			code, out := runRecipe(t, "mailu", map[string]string{"IMAPVAULT_RECIPE_MAILU_URL": m.URL + "/api",
				"IMAPVAULT_RECIPE_MAILU_TOKEN_FILE": credFile(t, tc.token), "IMAPVAULT_USERNAME": tc.login}, apiKey)
			if code != tc.code || !strings.Contains(out, tc.want) {
				t.Fatalf("exit %d, output %q; want %d and %q", code, out, tc.code, tc.want)
			}
			noProblems(t, m)
			if (tc.code == 0) != (rec.of(tc.login) == newPw) {
				t.Errorf("set %v after exit %d", rec.got, code)
			}
		})
	}
}
