//go:build unix

package rotate

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/imapvault/imapvault/imapcheck"
	"github.com/imapvault/imapvault/internal/testwait"
	"github.com/imapvault/imapvault/vault"
)

// The TUI's way: Start, the person sets the password (here the test sets
// it on the server), MarkApplied, Verify, Commit — each step on disk.
func TestStepByStepByHand(t *testing.T) {
	srv := startServer(t, "inproc")
	f, path, id := testVault(t, srv)
	r, err := Start(f, accountName, Options{TLSConfig: srv.tls, VerifyTimeout: testwait.Patience})
	if err != nil {
		t.Fatal(err)
	}
	steps := []struct {
		name string
		do   func() error
		want vault.PendingState // on disk afterwards; "" once committed
	}{
		{"start", func() error { return nil }, vault.PendingSaved},
		{"person sets it", func() error { return srv.setPw(r.NewPassword()) }, vault.PendingSaved},
		{"mark applied", r.MarkApplied, vault.PendingApplied},
		{"verify", func() error { _, err := r.Verify(context.Background()); return err }, vault.PendingVerified},
		{"commit", r.Commit, ""},
	}
	for _, s := range steps {
		if err := s.do(); err != nil {
			t.Fatalf("%s: %v", s.name, err)
		}
		a := reopen(t, path, id)
		switch {
		case s.want == "":
			assertCommitted(t, srv, a)
		case a.Pending == nil || a.Pending.State != s.want || a.Password != oldSentinel:
			t.Fatalf("after %s: pending %+v, old current %v; want state %s", s.name, a.Pending, a.Password == oldSentinel, s.want)
		}
	}
	if r.State() != StateCommitted {
		t.Fatalf("state %s", r.State())
	}
}

func TestRunConfirmByHand(t *testing.T) {
	srv := startServer(t, "inproc")
	f, path, id := testVault(t, srv)
	asked := 0
	_, err := Run(context.Background(), f, accountName, Options{TLSConfig: srv.tls,
		Record: func(r imapcheck.Result) *vault.Check { return &vault.Check{Status: string(r.Status)} },
		Confirm: func(ctx context.Context, r *Rotation) error {
			asked++
			if a := reopen(t, path, id); a.Pending == nil || a.Pending.Password != r.NewPassword() {
				t.Fatal("the password was shown before it was saved as pending")
			}
			return srv.setPw(r.NewPassword())
		}})
	if err != nil || asked != 1 {
		t.Fatalf("err %v, asked %d times", err, asked)
	}
	a := reopen(t, path, id)
	assertCommitted(t, srv, a)
	if a.LastCheck == nil || a.LastCheck.Status != "ok" {
		t.Fatalf("last check %+v; want the verifying login recorded", a.LastCheck)
	}
}

func TestStepErrors(t *testing.T) {
	srv := startServer(t, "inproc")
	ctx := context.Background()
	tests := []struct {
		name string
		run  func(f *vault.File) error
		want error
	}{
		{"no such account", func(f *vault.File) error { _, err := Start(f, "nope", Options{}); return err }, ErrNoAccount},
		{"second start", func(f *vault.File) error {
			Start(f, accountName, Options{})
			_, err := Start(f, accountName, Options{})
			var pe *PendingError
			if !errors.As(err, &pe) || pe.State != vault.PendingSaved {
				t.Errorf("want a *PendingError in state pending, got %v", err)
			}
			return err
		}, ErrPending},
		{"load without pending", func(f *vault.File) error { _, err := Load(f, accountName, Options{}); return err }, ErrNoPending},
		{"run with no way to apply", func(f *vault.File) error {
			_, err := Run(ctx, f, accountName, Options{})
			if f.Vault.Find(accountName).Pending != nil {
				t.Error("a rotation was saved although it could not be applied")
			}
			return err
		}, ErrNoApplyMethod},
		{"apply without hook", func(f *vault.File) error {
			r, _ := Start(f, accountName, Options{})
			return r.Apply(ctx)
		}, ErrNoApplyMethod},
		{"commit before verify", func(f *vault.File) error {
			r, _ := Start(f, accountName, Options{})
			r.MarkApplied()
			return r.Commit()
		}, ErrNotVerified},
		{"abort after verify", func(f *vault.File) error {
			r, _ := Start(f, accountName, Options{TLSConfig: srv.tls})
			srv.setPw(r.NewPassword())
			defer srv.setPw(oldSentinel)
			if _, err := r.Verify(ctx); err != nil {
				t.Fatal(err)
			}
			return r.Abort()
		}, ErrAlreadyVerified},
		{"step after abort", func(f *vault.File) error {
			r, _ := Start(f, accountName, Options{})
			r.Abort()
			return r.MarkApplied()
		}, ErrRotationFinished},
		{"pending replaced meanwhile", func(f *vault.File) error {
			r, _ := Start(f, accountName, Options{})
			f.Vault.Find(accountName).Pending.Password = "something else"
			return r.MarkApplied()
		}, ErrConflict},
		{"impossible policy", func(f *vault.File) error {
			_, err := Start(f, accountName, Options{Length: 4})
			return err
		}, ErrPolicy},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, _, _ := testVault(t, srv)
			err := tt.run(f)
			if !errors.Is(err, tt.want) {
				t.Fatalf("error %v; want %v", err, tt.want)
			}
			if Failed(err) {
				t.Fatal("a usage error counts as a failed rotation (exit 1 instead of 2)")
			}
			assertNoSecret(t, "error", err.Error())
		})
	}
}

// Abort keeps the unverified password in history: the server may have
// taken it.
func TestAbortKeepsPassword(t *testing.T) {
	srv := startServer(t, "inproc")
	f, path, id := testVault(t, srv)
	ev := &events{}
	r, err := Start(f, accountName, Options{Progress: ev.add})
	if err != nil {
		t.Fatal(err)
	}
	if err := r.Abort(); err != nil {
		t.Fatal(err)
	}
	a := reopen(t, path, id)
	n := len(a.History)
	if a.Password != oldSentinel || a.Pending != nil || n == 0 ||
		a.History[n-1].Password != r.NewPassword() || a.History[n-1].Reason != "aborted rotation" {
		t.Fatalf("after abort: old current %v, pending %v, history %d", a.Password == oldSentinel, a.Pending != nil, n)
	}
	if !ev.has(StepAborted) || r.State() != StateAborted {
		t.Fatal("no aborted event or state")
	}
}

// A failed save leaves the account as it was, so memory and disk agree.
// Here the save fails because another process holds the vault's lock.
func TestFailedSaveRollsBack(t *testing.T) {
	srv := startServer(t, "inproc")
	f, path, _ := testVault(t, srv)
	r, err := Start(f, accountName, Options{})
	if err != nil {
		t.Fatal(err)
	}
	lock, err := vault.AcquireLock(path)
	if err != nil {
		t.Fatal(err)
	}
	defer lock.Release()
	if err := r.MarkApplied(); !errors.Is(err, vault.ErrLocked) {
		t.Fatalf("MarkApplied on a locked vault: %v", err)
	}
	if a := f.Vault.Find(accountName); a.Pending.State != vault.PendingSaved || r.State() != StatePending {
		t.Fatalf("memory moved on to %s although the save failed", a.Pending.State)
	}
	if err := r.Abort(); !errors.Is(err, vault.ErrLocked) {
		t.Fatalf("Abort on a locked vault: %v", err)
	}
	if a := f.Vault.Find(accountName); a.Pending == nil || len(a.History) != 0 || r.State() != StatePending {
		t.Fatal("abort changed memory although the save failed")
	}
}

// A sync tool puts back an older copy of the vault, without the pending
// rotation, while the rotation runs. The save before the hook merges
// rather than fails, so the password the hook hands out is on disk; the
// rotation finishes and keeps the other side's edit.
func TestOutsideChangeIsMerged(t *testing.T) {
	srv := startServer(t, "inproc")
	f, path, id := testVault(t, srv)
	ev := &events{}
	r, err := Start(f, accountName, Options{TLSConfig: srv.tls, Progress: ev.add})
	if err != nil {
		t.Fatal(err)
	}
	g, err := vault.Open(path, id)
	if err != nil {
		t.Fatal(err)
	}
	ga := g.Vault.Find(accountName)
	ga.Pending = nil
	ga.Notes = "edited elsewhere"
	if err := g.Save(); err != nil {
		t.Fatal(err)
	}
	// What is on disk while the hook runs, copied (encrypted) to look at
	// afterwards without taking the lock from the rotation.
	snapshot := filepath.Join(t.TempDir(), "vault.age")
	rl := newRelay(t, func(pw string) {
		b, err := os.ReadFile(path)
		if err == nil {
			err = os.WriteFile(snapshot, b, 0o600)
		}
		if err != nil {
			t.Error(err)
		}
		srv.take(t)(pw)
	})
	r.opts.Hook = rl.hook()
	if err := r.Apply(context.Background()); err != nil {
		t.Fatal(err)
	}
	// The hook has written to the relay; its handler (the snapshot) runs
	// in the relay's goroutine and may finish after Apply returns.
	select {
	case <-rl.got:
	case <-time.After(testwait.Patience):
		t.Fatal("the relay never handled the hook's password")
	}
	if a := reopen(t, snapshot, id); a.Pending == nil || a.Pending.Password != r.NewPassword() {
		t.Fatal("while the hook ran, the vault on disk did not hold the password it handed out")
	}
	if _, err := r.Verify(context.Background()); err != nil {
		t.Fatal(err)
	}
	if err := r.Commit(); err != nil {
		t.Fatal(err)
	}
	a := reopen(t, path, id)
	assertCommitted(t, srv, a)
	if a.Notes != "edited elsewhere" {
		t.Fatal("the other side's edit was lost in the merge")
	}
	if !ev.has(StepWarning) || len(r.Report().Warnings) == 0 {
		t.Fatal("the merge conflict over the pending rotation was not reported")
	}
	assertNoSecret(t, "events", ev.text(), a.Password)
}

// A provider whose replicas disagree for a while: the new password logs
// in on the primary, while a lagging replica still takes the old one.
// Verify succeeds and warns. Both are real servers; Login routes the old
// password's check to the lagging one.
func TestOldPasswordStillWorksWarns(t *testing.T) {
	primary := startServer(t, "inproc")
	lagging := startServer(t, "inproc")
	f, path, id := testVault(t, primary)
	rl := newRelay(t, primary.take(t))
	ev := &events{}
	rep, err := Run(context.Background(), f, accountName, Options{
		Hook: rl.hook(), Progress: ev.add, CheckOld: true,
		Login: func(ctx context.Context, a vault.Account, pw string) imapcheck.Result {
			s := primary
			if pw == oldSentinel {
				s = lagging
			}
			return imapcheck.Check(ctx, imapcheck.Target{Host: s.host, Port: s.port, Security: imapcheck.TLS,
				Username: a.Username, Password: pw, TLSConfig: s.tls})
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	if !rep.OldStillWorks || len(rep.Warnings) != 1 || !ev.has(StepWarning) {
		t.Fatalf("no warning that the old password still works: %+v", rep)
	}
	if !strings.Contains(Summary([]Report{rep}), "warning: the old password still logs in") {
		t.Fatalf("summary lacks the warning:\n%s", Summary([]Report{rep}))
	}
	a := reopen(t, path, id)
	if a.Pending != nil || a.Password == oldSentinel {
		t.Fatal("a verified rotation was not committed because of the warning")
	}
}

// The hook of a real rotation copies its own argv and environment out of
// /proc: neither holds the old or the generated password.
func TestRunHookArgvEnv(t *testing.T) {
	srv := startServer(t, "inproc")
	f, path, id := testVault(t, srv)
	rl := newRelay(t, srv.take(t))
	dir := t.TempDir()
	hook := `cat /proc/$$/cmdline > ` + shellQuote(filepath.Join(dir, "cmdline")) +
		`; cat /proc/$$/environ > ` + shellQuote(filepath.Join(dir, "environ")) + `; ` + rl.hook()
	if _, err := Run(context.Background(), f, accountName, Options{Hook: hook, TLSConfig: srv.tls}); err != nil {
		t.Fatal(err)
	}
	a := reopen(t, path, id)
	for _, name := range []string{"cmdline", "environ"} {
		b, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil || len(b) == 0 {
			t.Fatalf("the hook did not copy its %s: %v", name, err)
		}
		assertNoSecret(t, "hook "+name, string(b), a.Password)
	}
}

func TestBatch(t *testing.T) {
	srvs := map[string]*server{}
	f, path, id := testVault(t, startServer(t, "inproc"))
	f.Vault.Remove(f.Vault.Find(accountName).ID)
	for _, name := range []string{"alpha", "bravo", "charlie", "delta"} {
		s := startServer(t, "inproc")
		srvs[name] = s
		if err := f.Vault.Add(&vault.Account{Name: name, Host: s.host, Port: s.port, Security: vault.TLS,
			Username: testUser, Password: oldSentinel}, time.Now()); err != nil {
			t.Fatal(err)
		}
	}
	if err := f.Save(); err != nil {
		t.Fatal(err)
	}
	if _, err := Start(f, "delta", Options{}); err != nil { // delta has one pending already
		t.Fatal(err)
	}
	rl := newRelay(t, func(line string) {
		name, pw, _ := strings.Cut(line, " ")
		srvs[name].take(t)(pw)
	})
	// bravo's provider refuses; the others take the password.
	hook := `[ "$IMAPVAULT_ACCOUNT" = bravo ] && { echo refused; exit 3; }; read -r old; read -r new; printf '%s %s\n' "$IMAPVAULT_ACCOUNT" "$new" > ` + shellQuote(rl.path)
	reps := Batch(context.Background(), f, []string{"alpha", "bravo", "nobody", "charlie", "delta"}, Options{
		Hook: hook, TLSConfig: srvs["alpha"].tls, VerifyTimeout: testwait.Patience})
	want := []struct {
		err   error
		state State
	}{{nil, StateCommitted}, {ErrHookFailed, StatePending}, {ErrNoAccount, ""}, {nil, StateCommitted}, {ErrPending, ""}}
	if len(reps) != len(want) {
		t.Fatalf("%d reports for %d names", len(reps), len(want))
	}
	for i, w := range want {
		if !errors.Is(reps[i].Err, w.err) || (w.err == nil) != (reps[i].Err == nil) || reps[i].State != w.state {
			t.Errorf("%s: err %v state %q; want %v %q", reps[i].Account, reps[i].Err, reps[i].State, w.err, w.state)
		}
	}
	sum := Summary(reps)
	if !strings.HasSuffix(sum, "2 committed, 1 pending, 2 failed (of 5)\n") {
		t.Fatalf("summary:\n%s", sum)
	}
	for _, row := range []string{`alpha +committed`, `bravo +pending +stopped at pending, old password still current: hook exited with status 3`,
		`nobody +failed +no such account`, `delta +failed +.*rotation pending`} {
		if !regexp.MustCompile(`(?m)^` + row).MatchString(sum) {
			t.Errorf("summary lacks a row like %q:\n%s", row, sum)
		}
	}
	g, err := vault.Open(path, id)
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"alpha", "charlie"} {
		a := g.Vault.Find(name)
		assertNoSecret(t, "summary", sum, a.Password)
		if r := srvs[name].login(t, a.Password); a.Pending != nil || !r.OK() {
			t.Errorf("%s not rotated", name)
		}
	}
	if a := g.Vault.Find("bravo"); a.Password != oldSentinel || a.Pending == nil {
		t.Error("bravo lost its old password or its pending one")
	}
}

func TestPendingAccounts(t *testing.T) {
	srv := startServer(t, "inproc")
	f, _, _ := testVault(t, srv)
	for _, name := range []string{"zulu", "Bravo", "alpha"} {
		if err := f.Vault.Add(&vault.Account{Name: name, Host: srv.host, Username: testUser, Password: oldSentinel}, time.Now()); err != nil {
			t.Fatal(err)
		}
	}
	for _, name := range []string{"zulu", "alpha", "Bravo"} {
		if _, err := Start(f, name, Options{}); err != nil {
			t.Fatal(err)
		}
	}
	var got []string
	for _, a := range PendingAccounts(f.Vault) {
		got = append(got, a.Name)
	}
	if strings.Join(got, ",") != "alpha,Bravo,zulu" {
		t.Fatalf("pending accounts %v; want alpha,Bravo,zulu (and not %s)", got, accountName)
	}
}

// TestOldPasswordNotTriedByDefault: without CheckOld a rotation makes no
// login with the old password, so a server counts no deliberate failure.
func TestOldPasswordNotTriedByDefault(t *testing.T) {
	srv := startServer(t, "inproc")
	f, _, _ := testVault(t, srv)
	rl := newRelay(t, func(pw string) { srv.setPw(pw) })
	var mu sync.Mutex
	triedOld := 0
	rep, err := Run(context.Background(), f, accountName, Options{
		Hook: rl.hook(),
		Login: func(ctx context.Context, a vault.Account, pw string) imapcheck.Result {
			mu.Lock()
			if pw == oldSentinel {
				triedOld++
			}
			mu.Unlock()
			return imapcheck.Check(ctx, imapcheck.Target{Host: srv.host, Port: srv.port, Security: imapcheck.TLS,
				Username: a.Username, Password: pw, TLSConfig: srv.tls})
		},
	})
	if err != nil || rep.State != StateCommitted {
		t.Fatalf("%+v %v", rep, err)
	}
	if triedOld != 0 {
		t.Fatalf("the old password was tried %d time(s)", triedOld)
	}
}
