//go:build unix

package rotate

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/imapvault/imapvault/internal/testwait"
	"github.com/imapvault/imapvault/vault"
)

var serverKinds = []string{"inproc", "dovecot"}

// TestRun drives whole rotations against real servers: the hook hands the
// new password to the test through a named pipe and the test sets it on
// the server (Dovecot: a rewritten passwd-file, which Dovecot rereads at
// most once a second).
func TestRun(t *testing.T) {
	tests := []struct {
		name string
		// server says what the server does with the password the hook
		// passes on: "set" at once, "never", or "slow": only after the
		// first verify attempt has failed.
		server   string
		hook     string // "" uses the relay hook
		wantErr  error
		wantPend vault.PendingState // "" when committed
	}{
		{name: "success", server: "set"},
		{name: "hook exits non-zero", server: "set",
			hook:    `read -r old; read -r new; printf "cannot change the password of %s to %s\n" "$IMAPVAULT_USERNAME" "$new" >&2; exit 4`,
			wantErr: ErrHookFailed, wantPend: vault.PendingSaved},
		{name: "server never changes", server: "never", wantErr: ErrVerifyFailed, wantPend: vault.PendingApplied},
		{name: "server slow to take it", server: "slow"},
	}
	for _, kind := range serverKinds {
		for _, tt := range tests {
			t.Run(kind+"/"+tt.name, func(t *testing.T) {
				t.Parallel()
				srv := startServer(t, kind)
				f, path, id := testVault(t, srv)
				defer f.Close()

				firstFailed := make(chan struct{})
				var once bool
				ev := &events{}
				start := time.Now()
				progress := func(e Event) {
					t.Logf("%v %s %d %s", time.Since(start), e.Step, e.Attempt, e.Message)
					ev.add(e)
					if e.Step == StepAttempt && !e.Result.OK() && !once {
						once = true
						close(firstFailed)
					}
				}
				rl := newRelay(t, func(pw string) {
					switch tt.server {
					case "never":
						return
					case "slow":
						<-firstFailed
					}
					if err := srv.setPw(pw); err != nil {
						t.Error(err)
					}
				})
				hook := tt.hook
				if hook == "" {
					hook = rl.hook()
				}
				timeout := testwait.Patience
				if tt.server == "never" {
					timeout = 1500 * time.Millisecond // it fails whatever the wait
				}
				rep, err := Run(context.Background(), f, accountName, Options{
					Hook: hook, VerifyTimeout: timeout, TLSConfig: srv.tls, Progress: progress,
				})
				after := reopen(t, path, id)
				newPw := after.Password
				if after.Pending != nil {
					newPw = after.Pending.Password
				}
				secrets := []string{newPw}
				assertNoSecret(t, "events", ev.text(), secrets...)
				assertNoSecret(t, "summary", Summary([]Report{rep}), secrets...)
				assertNoSecret(t, "hook output", rep.HookOutput, secrets...)
				if err != nil {
					assertNoSecret(t, "error", err.Error(), secrets...)
				}

				if tt.wantErr != nil {
					if !errors.Is(err, tt.wantErr) || !Failed(err) || rep.Err != err {
						t.Fatalf("error %v; want %v", err, tt.wantErr)
					}
					if after.Password != oldSentinel {
						t.Fatal("the old password is no longer current after a failed rotation")
					}
					if after.Pending == nil || after.Pending.State != tt.wantPend || after.Pending.Note == "" {
						t.Fatalf("pending %+v; want state %s with a note", after.Pending, tt.wantPend)
					}
					if r := srv.login(t, oldSentinel); !r.OK() {
						t.Fatalf("the old password no longer logs in: %s %s", r.Status, r.Message)
					}
					if tt.wantErr == ErrHookFailed && !strings.Contains(rep.HookOutput, "to [redacted]") {
						t.Errorf("hook output %q lacks the redacted password", rep.HookOutput)
					}
					return
				}
				if err != nil {
					t.Fatalf("rotation failed: %v", err)
				}
				assertCommitted(t, srv, after)
				if rep.State != StateCommitted || !ev.has(StepCommitted) {
					t.Fatalf("report state %s, committed event %v", rep.State, ev.has(StepCommitted))
				}
				if tt.server == "slow" && rep.Attempts < 2 {
					t.Fatalf("verified in %d attempt(s); the server only took it after the first failed", rep.Attempts)
				}
				if rep.OldStillWorks || len(rep.Warnings) > 0 {
					t.Fatalf("unexpected warnings %q", rep.Warnings)
				}
			})
		}
	}
}

// assertCommitted checks a finished rotation: a new password, current and
// logging in; the old one in history, retired as rotated, and refused.
func assertCommitted(t *testing.T, srv *server, a *vault.Account) {
	t.Helper()
	if a.Pending != nil {
		t.Fatalf("still pending after commit: state %s", a.Pending.State)
	}
	if a.Password == oldSentinel || len(a.Password) != DefaultLength {
		t.Fatalf("current password is not a new %d-character one", DefaultLength)
	}
	if n := len(a.History); n == 0 || a.History[n-1].Password != oldSentinel || a.History[n-1].Reason != "rotated" || a.History[n-1].Retired.IsZero() {
		t.Fatalf("old password not retired to history as rotated: %d entries", n)
	}
	if time.Since(a.Changed) > time.Hour {
		t.Fatal("Changed was not moved to the commit")
	}
	if r := srv.login(t, a.Password); !r.OK() {
		t.Fatalf("the committed password does not log in: %s %s", r.Status, r.Message)
	}
	if r := srv.login(t, oldSentinel); r.OK() {
		t.Fatal("the old password still logs in")
	}
}
