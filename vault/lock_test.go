package vault

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// Child processes are this test binary re-run with one helper test
// selected and the work described in the environment (paths only, never
// a secret).
const (
	envHelper   = "IMAPVAULT_TEST_HELPER"
	envVault    = "IMAPVAULT_TEST_VAULT"
	envIdentity = "IMAPVAULT_TEST_IDENTITY"
)

func helperCmd(t *testing.T, helper, vaultPath, identityPath string) *exec.Cmd {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^"+helper+"$", "-test.count=1")
	cmd.Env = append(os.Environ(), envHelper+"="+helper, envVault+"="+vaultPath, envIdentity+"="+identityPath)
	cmd.Stderr = os.Stderr
	return cmd
}

// helperSetup returns the vault and identity of a child, or skips the test
// in a normal run.
func helperSetup(t *testing.T, name string) (*Identity, string) {
	if os.Getenv(envHelper) != name {
		t.Skip("helper process only")
	}
	id, err := LoadIdentity(os.Getenv(envIdentity), nil)
	if err != nil {
		fmt.Fprintln(os.Stderr, "helper:", err)
		os.Exit(3)
	}
	return id, os.Getenv(envVault)
}

// TestLockHelper holds the vault's lock until its stdin closes.
func TestLockHelper(t *testing.T) {
	id, path := helperSetup(t, "TestLockHelper")
	f, err := OpenLocked(path, id)
	if err != nil {
		fmt.Fprintln(os.Stderr, "helper:", err)
		os.Exit(3)
	}
	fmt.Println("locked")
	io.Copy(io.Discard, os.Stdin)
	f.Close()
	os.Exit(0)
}

func TestLockAcrossProcesses(t *testing.T) {
	for _, tc := range []struct {
		name string
		end  func(cmd *exec.Cmd, stdin io.Closer)
	}{
		{"child exits", func(cmd *exec.Cmd, stdin io.Closer) { stdin.Close() }},
		{"child is killed", func(cmd *exec.Cmd, stdin io.Closer) { cmd.Process.Kill() }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			path, id, _ := newVault(t)
			cmd := helperCmd(t, "TestLockHelper", path, id.Path)
			stdin, err := cmd.StdinPipe()
			if err != nil {
				t.Fatal(err)
			}
			out, err := cmd.StdoutPipe()
			if err != nil {
				t.Fatal(err)
			}
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			defer cmd.Process.Kill()
			line, err := bufio.NewReader(out).ReadString('\n')
			if err != nil || line != "locked\n" {
				t.Fatalf("child said %q, %v; want locked", line, err)
			}
			pid := cmd.Process.Pid
			want := fmt.Sprintf("vault %s is locked by pid %d", path, pid)

			checkLocked := func(what string, err error) {
				t.Helper()
				var le *LockedError
				if !errors.As(err, &le) || !errors.Is(err, ErrLocked) {
					t.Fatalf("%s: %v; want *LockedError", what, err)
				}
				if le.PID != pid || !strings.Contains(err.Error(), want) {
					t.Fatalf("%s: %q; want it to say %q", what, err, want)
				}
			}
			_, err = OpenLocked(path, id)
			checkLocked("OpenLocked", err)

			// Reading is allowed while another process writes; saving is not.
			f, err := Open(path, id)
			if err != nil {
				t.Fatal(err)
			}
			before, _ := os.ReadFile(path)
			f.Vault.Find("acct").SetPassword("mine", time.Now())
			checkLocked("Save", f.Save())
			if after, _ := os.ReadFile(path); string(after) != string(before) {
				t.Fatal("a save refused by the lock changed the file")
			}

			tc.end(cmd, stdin)
			cmd.Wait()
			g, err := OpenLocked(path, id)
			if err != nil {
				t.Fatalf("after the child ended: %v", err)
			}
			g.Close()
			if err := f.Save(); err != nil {
				t.Fatalf("Save after the child ended: %v", err)
			}
		})
	}
}

// TestLockInProcess: two Files in one process exclude each other too, so
// the TUI and a background job cannot interleave.
func TestLockInProcess(t *testing.T) {
	path, id, _ := newVault(t)
	f, err := OpenLocked(path, id)
	if err != nil {
		t.Fatal(err)
	}
	var le *LockedError
	if _, err := OpenLocked(path, id); !errors.As(err, &le) || le.PID != os.Getpid() {
		t.Fatalf("second OpenLocked: %v; want *LockedError with our pid", err)
	}
	f.Vault.Find("acct").SetPassword("v1", time.Now())
	if err := f.Save(); err != nil {
		t.Fatalf("the holder's Save: %v", err)
	}
	f.Close()
	f.Close() // twice is harmless
	g, err := OpenLocked(path, id)
	if err != nil {
		t.Fatalf("after Close: %v", err)
	}
	g.Close()
	if b, _ := os.ReadFile(LockPath(path)); len(b) != 0 {
		t.Errorf("released lock file still names a pid: %q", b)
	}
	if _, err := os.Stat(filepath.Dir(path)); err != nil {
		t.Fatal(err)
	}
}
