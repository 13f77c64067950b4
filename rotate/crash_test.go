//go:build unix

package rotate

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/imapvault/imapvault/internal/testimap"
	"github.com/imapvault/imapvault/internal/testwait"
	"github.com/imapvault/imapvault/vault"
)

// The crash child is this test binary run again with childEnv set: it
// rotates the account and is SIGKILLed at the checkpoint named by
// ROTATE_TEST_KILL_AT, by itself or (during the hook) by the parent.
const childEnv = "ROTATE_TEST_CHILD"

func crashChild() int {
	id, err := vault.LoadIdentity(os.Getenv("ROTATE_TEST_IDENTITY"), nil)
	if err != nil {
		fmt.Fprintln(os.Stderr, "child:", err)
		return 2
	}
	f, err := vault.OpenLocked(os.Getenv("ROTATE_TEST_VAULT"), id)
	if err != nil {
		fmt.Fprintln(os.Stderr, "child:", err)
		return 2
	}
	defer f.Close()
	pemCA, err := os.ReadFile(os.Getenv("ROTATE_TEST_CA"))
	if err != nil {
		fmt.Fprintln(os.Stderr, "child:", err)
		return 2
	}
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM(pemCA)
	killAt := os.Getenv("ROTATE_TEST_KILL_AT")
	testHook = func(point string) {
		if point == killAt {
			syscall.Kill(os.Getpid(), syscall.SIGKILL)
			select {} // the signal lands before anything else runs
		}
	}
	_, err = Run(context.Background(), f, accountName, Options{
		Hook: os.Getenv("ROTATE_TEST_HOOK"), VerifyTimeout: testwait.Patience, TLSConfig: &tls.Config{RootCAs: pool},
	})
	if err != nil {
		fmt.Fprintln(os.Stderr, "child:", err)
		return 1
	}
	return 0
}

// TestCrashAtEveryStep kills a rotating process at each step and checks
// that the vault then holds either the old password current with the new
// one pending, or the finished rotation, and that Resume finishes it.
func TestCrashAtEveryStep(t *testing.T) {
	tests := []struct {
		killAt string
		// want is the pending state found after the crash; "" means the
		// rotation had been committed.
		want vault.PendingState
		// serverHasNew: the hook had passed the new password on.
		serverHasNew bool
	}{
		{"saved", vault.PendingSaved, false},
		{"hook", vault.PendingSaved, true}, // killed by the parent while the hook sleeps
		{"applied", vault.PendingApplied, true},
		{"verified", vault.PendingVerified, true},
		{"commit", vault.PendingVerified, true},
		{"committed", "", true},
	}
	ca, err := testimap.DefaultCA()
	if err != nil {
		t.Fatal(err)
	}
	caPath := filepath.Join(t.TempDir(), "ca.pem")
	if err := os.WriteFile(caPath, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: ca.Cert.Raw}), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, kind := range serverKinds {
		for _, tt := range tests {
			t.Run(kind+"/"+tt.killAt, func(t *testing.T) {
				t.Parallel()
				crashAt(t, kind, tt.killAt, tt.want, tt.serverHasNew, caPath)
			})
		}
	}
}

// crashAt runs one rotation in a child killed at killAt, then checks the
// vault and resumes.
func crashAt(t *testing.T, kind, killAt string, want vault.PendingState, serverHasNew bool, caPath string) {
	srv := startServer(t, kind)
	f, path, id := testVault(t, srv)
	f.Close()
	rl := newRelay(t, srv.take(t))

	hook := rl.hook()
	mark := filepath.Join(t.TempDir(), "hook-running")
	if killAt == "hook" {
		hook += "; echo $$ > " + shellQuote(mark+".tmp") + "; mv " + shellQuote(mark+".tmp") + " " + shellQuote(mark) + "; exec sleep 60"
	}
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), childEnv+"=1",
		"ROTATE_TEST_VAULT="+path, "ROTATE_TEST_IDENTITY="+id.Path, "ROTATE_TEST_CA="+caPath,
		"ROTATE_TEST_KILL_AT="+killAt, "ROTATE_TEST_HOOK="+hook)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	if killAt == "hook" {
		killDuringHook(t, cmd, mark, rl)
	}
	err := cmd.Wait()
	var ee *exec.ExitError
	if !errors.As(err, &ee) || ee.Sys().(syscall.WaitStatus).Signal() != syscall.SIGKILL {
		t.Fatalf("child was not killed at %s: %v; output: %s", killAt, err, out.String())
	}

	a := reopen(t, path, id)
	received := rl.all()
	if serverHasNew && len(received) == 0 {
		t.Fatal("the hook never passed the password on")
	}
	if want == "" {
		if a.Pending != nil {
			t.Fatalf("after a crash past commit the vault still has a rotation pending (%s)", a.Pending.State)
		}
		assertCommitted(t, srv, a)
		assertNoSecret(t, "child output", out.String(), a.Password)
		_, err := Resume(context.Background(), mustOpen(t, path, id), accountName, Options{TLSConfig: srv.tls})
		if !errors.Is(err, ErrNoPending) {
			t.Fatalf("Resume of a committed rotation: %v; want ErrNoPending", err)
		}
		return
	}
	if a.Password != oldSentinel || a.Pending == nil || a.Pending.State != want {
		t.Fatalf("after the crash: old current %v, pending %+v; want the old password current and state %s",
			a.Password == oldSentinel, a.Pending, want)
	}
	if killAt == "hook" && !strings.Contains(a.Pending.Note, "hook started") {
		t.Errorf("a crash in the hook left no trace in the note: %q", a.Pending.Note)
	}
	pending := a.Pending.Password
	assertNoSecret(t, "child output", out.String(), pending)
	for _, pw := range received {
		if pw != pending {
			t.Fatal("the server got a password the vault does not hold: it existed only in memory")
		}
	}

	g := mustOpen(t, path, id)
	rep, err := Resume(context.Background(), g, accountName, Options{Hook: rl.hook(), TLSConfig: srv.tls, VerifyTimeout: testwait.Patience})
	if err != nil {
		t.Fatalf("resume: %v", err)
	}
	g.Close()
	done := reopen(t, path, id)
	if rep.State != StateCommitted || done.Password != pending {
		t.Fatalf("resume ended in %s; committed the pending password: %v", rep.State, done.Password == pending)
	}
	assertCommitted(t, srv, done)
}

// killDuringHook waits until the hook has passed the password on and is
// sleeping, then kills the rotating process, and the hook's process group
// (orphaned, it would sleep on).
func killDuringHook(t *testing.T, cmd *exec.Cmd, mark string, rl *relay) {
	t.Helper()
	select {
	case <-rl.got:
	case <-time.After(testwait.Patience):
		cmd.Process.Kill()
		t.Fatal("the hook never passed the password on")
	}
	var hookPID int
	t.Cleanup(func() { cmd.Process.Kill() }) // should the wait below fail
	testwait.For(t, "the hook to report its pid", func() bool {
		b, err := os.ReadFile(mark)
		hookPID, _ = strconv.Atoi(strings.TrimSpace(string(b)))
		return err == nil && hookPID > 0
	})
	if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	syscall.Kill(-hookPID, syscall.SIGKILL)
}

func mustOpen(t *testing.T, path string, id *vault.Identity) *vault.File {
	t.Helper()
	f, err := vault.OpenLocked(path, id)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(f.Close)
	return f
}
