//go:build unix

package rotate

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/imapvault/imapvault/internal/testwait"
	"github.com/imapvault/imapvault/vault"
)

// A password the provider made: saved as pending, verified by logging in,
// committed. One the server does not take stays pending with the old
// password current — and still logging in. The after command runs only
// after the commit, and receives no secret.
func TestProviderPassword(t *testing.T) {
	for _, kind := range serverKinds {
		for _, takes := range []bool{true, false} {
			name := kind + "/refused"
			if takes {
				name = kind + "/taken"
			}
			t.Run(name, func(t *testing.T) {
				srv := startServer(t, kind)
				f, path, id := testVault(t, srv)
				out := filepath.Join(t.TempDir(), "after")
				if takes {
					// The person made an app password at the provider.
					if err := srv.setPw(newSentinel); err != nil {
						t.Fatal(err)
					}
				}
				var ev events
				verify := testwait.Patience
				if !takes {
					verify = 3 * time.Second // it fails whatever the wait
				}
				rep, err := Run(context.Background(), f, accountName, Options{
					NewPassword: newSentinel, TLSConfig: srv.tls, VerifyTimeout: verify, Progress: ev.add,
					After: afterRecorder(out),
				})
				a := reopen(t, path, id)
				assertNoSecret(t, "events", ev.text())
				if !takes {
					if !errors.Is(err, ErrVerifyFailed) || rep.State != StateApplied {
						t.Fatalf("err %v, state %s; want a failed verification", err, rep.State)
					}
					if a.Password != oldSentinel || a.Pending == nil || a.Pending.Password != newSentinel || a.Pending.State != vault.PendingApplied {
						t.Fatalf("want the old password current and the provider's pending as applied; pending %+v", a.Pending)
					}
					if r := srv.login(t, oldSentinel); !r.OK() {
						t.Fatalf("the old password no longer logs in: %s %s", r.Status, r.Message)
					}
					if _, err := os.Stat(out + ".env"); !os.IsNotExist(err) {
						t.Fatal("the after command ran although nothing was committed")
					}
					return
				}
				if err != nil || rep.State != StateCommitted || rep.AfterErr != nil {
					t.Fatalf("err %v, state %s, after %v", err, rep.State, rep.AfterErr)
				}
				if a.Password != newSentinel || a.Pending != nil || a.History[len(a.History)-1].Password != oldSentinel {
					t.Fatal("the provider's password was not committed with the old one in history")
				}
				env, stdin, argv := readFile(t, out+".env"), readFile(t, out+".stdin"), readFile(t, out+".argv")
				if stdin != "" {
					t.Errorf("the after command got %d bytes on stdin; want none", len(stdin))
				}
				assertNoSecret(t, "the after command's environment", env)
				assertNoSecret(t, "the after command's argv", argv)
				if !strings.Contains(env, "IMAPVAULT_ACCOUNT="+accountName) {
					t.Errorf("the after command's environment lacks IMAPVAULT_ACCOUNT:\n%s", env)
				}
			})
		}
	}
}

// afterRecorder is an after command that writes its environment, stdin
// and its parent's argv (the sh -c line) beside out.
func afterRecorder(out string) string {
	q := shellQuote(out)
	return `env > ` + q + `.env; cat > ` + q + `.stdin; tr '\0' ' ' < /proc/$$/cmdline > ` + q + `.argv`
}

func TestProviderPasswordRefused(t *testing.T) {
	srv := startServer(t, "inproc")
	for _, tc := range []struct{ name, pw string }{
		{"empty", ""}, {"two lines", "abc\ndef"}, {"carriage return", "abc\r"}, {"NUL", "a\x00b"}, {"the current one", oldSentinel},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f, path, id := testVault(t, srv)
			_, err := Start(f, accountName, Options{NewPassword: tc.pw})
			if tc.pw == "" {
				// Empty means "generate one", so Start goes on; only
				// CheckProviderPassword itself refuses it.
				err = CheckProviderPassword(tc.pw, oldSentinel)
			}
			if !errors.Is(err, ErrProviderPassword) {
				t.Fatalf("err %v; want ErrProviderPassword", err)
			}
			if tc.pw != "" {
				if a := reopen(t, path, id); a.Pending != nil {
					t.Fatal("a refused password was saved as pending")
				}
			}
		})
	}
}

// A failing after command leaves the rotation committed and says so.
func TestAfterFailsAfterCommit(t *testing.T) {
	srv := startServer(t, "inproc")
	f, path, id := testVault(t, srv)
	if err := srv.setPw(newSentinel); err != nil {
		t.Fatal(err)
	}
	rep, err := Run(context.Background(), f, accountName, Options{NewPassword: newSentinel, TLSConfig: srv.tls,
		After: "echo reload failed; exit 3"})
	if err != nil || rep.State != StateCommitted {
		t.Fatalf("err %v, state %s", err, rep.State)
	}
	if !errors.Is(rep.AfterErr, ErrAfterFailed) || !strings.Contains(rep.AfterOutput, "reload failed") {
		t.Fatalf("after err %v, output %q", rep.AfterErr, rep.AfterOutput)
	}
	if a := reopen(t, path, id); a.Password != newSentinel {
		t.Fatal("a failed after command undid the commit")
	}
}
