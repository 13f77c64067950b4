package recipe

import (
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

const (
	apiKey    = "Api-Key-Sentinel-77Hq"
	adminCred = "admin@box.test:Admin-Sentinel-5Tz"
)

// recorded is what the test server saw of the one request.
type recorded struct {
	method, path, rawQuery string
	header                 http.Header
	body                   []byte
	procHits               []string // processes holding a secret while the request was being served
}

// TestHTTPRecipes runs each web-panel recipe as a child against a server
// that records the request and, while serving it, reads every process's
// argv and environment: the password is only in the body, the credential
// only in its header, and no process holds either in argv or environment.
func TestHTTPRecipes(t *testing.T) {
	if procSeen() == 0 {
		t.Fatal("cannot read /proc: the argv check would prove nothing")
	}
	tests := []struct {
		recipe   string
		method   string
		path     string
		settings func(base, credFile string) map[string]string
		cred     string // the file's content
		credIn   func(h http.Header) bool
		pwIn     func(t *testing.T, body []byte) string
		answer   string
	}{
		{recipe: "mailcow", method: "POST", path: "/api/v1/edit/mailbox", cred: apiKey,
			settings: func(base, f string) map[string]string {
				return map[string]string{"IMAPVAULT_RECIPE_MAILCOW_URL": base, "IMAPVAULT_RECIPE_MAILCOW_API_KEY_FILE": f}
			},
			credIn: func(h http.Header) bool { return h.Get("X-API-Key") == apiKey },
			pwIn: func(t *testing.T, b []byte) string {
				var req struct {
					Items []string          `json:"items"`
					Attr  map[string]string `json:"attr"`
				}
				if err := json.Unmarshal(b, &req); err != nil || len(req.Items) != 1 || req.Items[0] != "alice@mail.test" || req.Attr["password2"] != req.Attr["password"] {
					t.Errorf("mailcow body shape: %v", err)
				}
				return req.Attr["password"]
			},
			answer: `[{"type":"success","log":["mailbox","edit"],"msg":["mailbox_modified","alice@mail.test"]}]`},
		{recipe: "mail-in-a-box", method: "POST", path: "/admin/mail/users/password", cred: adminCred,
			settings: func(base, f string) map[string]string {
				return map[string]string{"IMAPVAULT_RECIPE_MIAB_URL": base, "IMAPVAULT_RECIPE_MIAB_ADMIN_FILE": f}
			},
			credIn: func(h http.Header) bool {
				return h.Get("Authorization") == "Basic "+base64.StdEncoding.EncodeToString([]byte(adminCred))
			},
			pwIn: func(t *testing.T, b []byte) string {
				v, err := url.ParseQuery(string(b))
				if err != nil || v.Get("email") != "alice@mail.test" {
					t.Errorf("Mail-in-a-Box form: %v %v", v, err)
				}
				return v.Get("password")
			},
			answer: "OK"},
		{recipe: "stalwart", method: "PATCH", path: "/api/principal/alice@mail.test", cred: apiKey,
			settings: func(base, f string) map[string]string {
				return map[string]string{"IMAPVAULT_RECIPE_STALWART_URL": base, "IMAPVAULT_RECIPE_STALWART_TOKEN_FILE": f}
			},
			credIn: func(h http.Header) bool { return h.Get("Authorization") == "Bearer "+apiKey },
			pwIn: func(t *testing.T, b []byte) string {
				var ops []struct {
					Action, Field string
					Value         []string
				}
				if err := json.Unmarshal(b, &ops); err != nil || len(ops) != 1 || ops[0].Action != "set" || ops[0].Field != "secrets" || len(ops[0].Value) != 1 {
					t.Errorf("Stalwart body shape: %s %v", b, err)
					return ""
				}
				return ops[0].Value[0]
			},
			answer: `{"data":null}`},
	}
	for _, tt := range tests {
		t.Run(tt.recipe, func(t *testing.T) {
			var mu sync.Mutex
			var got *recorded
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				body, _ := io.ReadAll(r.Body)
				rec := &recorded{method: r.Method, path: r.URL.Path, rawQuery: r.URL.RawQuery, header: r.Header.Clone(), body: body,
					procHits: procHolding(newPw, oldPw, apiKey, "Admin-Sentinel-5Tz")}
				mu.Lock()
				got = rec
				mu.Unlock()
				io.WriteString(w, tt.answer)
			}))
			defer srv.Close()
			credFile := filepath.Join(t.TempDir(), "cred")
			if err := os.WriteFile(credFile, []byte(tt.cred+"\n"), 0o600); err != nil {
				t.Fatal(err)
			}
			env := tt.settings(srv.URL, credFile)
			env["IMAPVAULT_USERNAME"] = "alice@mail.test"
			c := startChild(t, tt.recipe, oldPw, newPw, env, "")
			c.wait(t)
			mu.Lock()
			defer mu.Unlock()
			if got == nil {
				t.Fatal("the server saw no request")
			}
			if got.method != tt.method || got.path != tt.path || got.rawQuery != "" {
				t.Fatalf("request %s %s?%s; want %s %s", got.method, got.path, got.rawQuery, tt.method, tt.path)
			}
			if pw := tt.pwIn(t, got.body); pw != newPw {
				t.Errorf("the body does not carry the new password")
			}
			if !tt.credIn(got.header) {
				t.Errorf("the credential is not in its header: %v", got.header)
			}
			hdr, _ := json.Marshal(got.header)
			for _, leak := range []struct{ where, s string }{
				{"headers", string(hdr)}, {"URL", got.path + got.rawQuery},
			} {
				if strings.Contains(leak.s, newPw) || strings.Contains(leak.s, oldPw) {
					t.Errorf("a password is in the %s", leak.where)
				}
			}
			if strings.Contains(string(got.body), tt.cred) || strings.Contains(string(got.body), oldPw) {
				t.Error("the body holds the credential or the old password")
			}
			if len(got.procHits) > 0 {
				t.Errorf("processes hold a secret in argv or environment while the request runs: %v", got.procHits)
			}
			if s := c.stdout.String() + c.stderr.String(); strings.Contains(s, newPw) || strings.Contains(s, tt.cred) {
				t.Error("a secret in the recipe's output")
			}
		})
	}
}

// A refusal exits 1 with the server's words (cleaned, password redacted);
// a plain-http URL to another host, or a credentials file others can read,
// is refused before anything is sent.
func TestHTTPRecipeRefusals(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusForbidden)
		io.WriteString(w, `[{"type":"danger","msg":"bad \x1b[31m key `+newPw+`"}]`)
	}))
	defer srv.Close()
	dir := t.TempDir()
	good, loose := filepath.Join(dir, "key"), filepath.Join(dir, "loose")
	os.WriteFile(good, []byte(apiKey), 0o600)
	os.WriteFile(loose, []byte(apiKey), 0o644)
	for _, tc := range []struct {
		name, url, file string
		code            int
		want            string
	}{
		{"refused", srv.URL, good, 1, "mailcow refused (HTTP 403)"},
		{"cleartext", "http://mail.example.org", good, 2, "use https"},
		{"loose file", srv.URL, loose, 2, "readable by others"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := startChild(t, "mailcow", oldPw, newPw, map[string]string{"IMAPVAULT_RECIPE_MAILCOW_URL": tc.url,
				"IMAPVAULT_RECIPE_MAILCOW_API_KEY_FILE": tc.file, "IMAPVAULT_USERNAME": "alice@mail.test"}, "")
			err := <-c.done
			code := 0
			if ee, ok := err.(interface{ ExitCode() int }); ok {
				code = ee.ExitCode()
			}
			out := c.stderr.String()
			if code != tc.code || !strings.Contains(out, tc.want) {
				t.Fatalf("exit %d (%v), stderr %q; want %d and %q", code, err, out, tc.code, tc.want)
			}
			if strings.Contains(out, newPw) || strings.Contains(out, "\x1b") {
				t.Errorf("stderr holds the password or a raw escape: %q", out)
			}
		})
	}
}
