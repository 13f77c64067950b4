package cli

import (
	"bufio"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"filippo.io/age"

	"github.com/imapvault/imapvault/vault"
)

// The helper of TestTwoProcessesCannotRemoveBothOwnKeys: the test binary
// re-run with IMAPVAULT_LASTKEY_HELPER=KEY opens the vault as the TUI does
// (no lock held), removes KEY, says "ready" and saves, merging, when its
// stdin says so. The exit code is 3 for ErrLastRecipient.
func init() {
	key := os.Getenv("IMAPVAULT_LASTKEY_HELPER")
	if key == "" {
		return
	}
	os.Exit(lastKeyHelper(key))
}

func lastKeyHelper(key string) int {
	id, err := vault.LoadIdentity(os.Getenv("IMAPVAULT_IDENTITY"), nil)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 2
	}
	f, err := vault.Open(os.Getenv("IMAPVAULT_VAULT"), id)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 2
	}
	if _, err := f.RemoveRecipient(key, "helper", time.Now()); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 2
	}
	fmt.Println("ready")
	bufio.NewReader(os.Stdin).ReadString('\n')
	if _, err := f.SaveMerged(); err != nil {
		fmt.Fprintln(os.Stderr, err)
		if errors.Is(err, vault.ErrLastRecipient) {
			return 3
		}
		return 2
	}
	return 0
}

// TestTwoProcessesCannotRemoveBothOwnKeys is issue 11 item 9: one
// identity file holds k1 and k2; two processes remove k1 and k2. The first
// save is fine; the second, merged with the first, would leave the vault
// open only to the third member, and is refused.
func TestTwoProcessesCannotRemoveBothOwnKeys(t *testing.T) {
	s := newSandbox(t)
	k1, _ := age.GenerateX25519Identity()
	k2, _ := age.GenerateX25519Identity()
	other, _ := age.GenerateX25519Identity()
	s.identity = filepath.Join(s.dir, "two-keys.txt")
	os.WriteFile(s.identity, []byte(k1.String()+"\n"+k2.String()+"\n"), 0o600)
	s.init()
	s.add("work", "Work-Password-123!")
	s.must("", "recipients", "add", k2.Recipient().String(), "--label", "k2")
	s.must("", "recipients", "add", other.Recipient().String(), "--label", "other")

	start := func(key string) (*exec.Cmd, *os.File, *strings.Builder) {
		cmd := exec.Command(os.Args[0])
		cmd.Env = append(os.Environ(), "IMAPVAULT_LASTKEY_HELPER="+key, "IMAPVAULT_VAULT="+s.vault,
			"IMAPVAULT_IDENTITY="+s.identity, "XDG_STATE_HOME="+filepath.Join(s.dir, "xdg-state"))
		pr, pw, _ := os.Pipe()
		cmd.Stdin = pr
		out, _ := cmd.StdoutPipe()
		errb := &strings.Builder{}
		cmd.Stderr = errb
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		pr.Close()
		t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
		if line, err := bufio.NewReader(out).ReadString('\n'); err != nil || line != "ready\n" {
			t.Fatalf("helper removing %s: %q %v %s", key, line, err, errb)
		}
		return cmd, pw, errb
	}
	a, aIn, aErr := start(k1.Recipient().String())
	b, bIn, bErr := start(k2.Recipient().String())
	aIn.WriteString("save\n")
	if err := a.Wait(); err != nil {
		t.Fatalf("the first removal: %v\n%s", err, aErr)
	}
	before := readFile(t, s.vault)
	bIn.WriteString("save\n")
	err := b.Wait()
	var ee *exec.ExitError
	if !errors.As(err, &ee) || ee.ExitCode() != 3 || !strings.Contains(bErr.String(), "could no longer open") {
		t.Fatalf("the second removal's merged save: %v\n%s", err, bErr)
	}
	if string(readFile(t, s.vault)) != string(before) {
		t.Fatal("the refused save wrote the vault")
	}
	if r := s.must("", "list"); !strings.Contains(r.stdout, "work") {
		t.Fatalf("the identity can no longer list the vault:\n%s", r.stdout)
	}
}
