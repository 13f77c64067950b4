//go:build unix

package cli

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/imapvault/imapvault/internal/testwait"
)

// The identity that `imapvault init` makes (passphrase-protected) opens the
// vault with nothing but stock age: `age -d -i identity.age vault.age`,
// typing the passphrase at age's own prompt on a terminal.
func TestStockAgeWithInitIdentity(t *testing.T) {
	agebin := stockAge(t)
	s := newSandbox(t)
	s.init()
	s.add("work", "secret-from-init")
	out := filepath.Join(s.dir, "plain.json")

	ptm, pts := openPTY(t)
	cmd := exec.Command(agebin, "-d", "-i", s.identity, "-o", out, s.vault)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = pts, pts, pts
	cmd.SysProcAttr = &unix.SysProcAttr{Setsid: true, Setctty: true}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	pts.Close()
	defer cmd.Process.Kill()
	log := &screenLog{}
	go copyAll(log, ptm)
	if !testwait.Until(time.Now().Add(testwait.Patience), func() bool { return strings.Contains(strings.ToLower(log.String()), "passphrase") }) {
		t.Fatalf("age never asked for the passphrase: %q", log.String())
	}
	ptm.Write([]byte("test passphrase\r"))
	if err := cmd.Wait(); err != nil {
		t.Fatalf("age -d: %v\n%s", err, log.String())
	}
	var v struct {
		Accounts []struct{ Name, Password string }
	}
	b := readFile(t, out)
	os.Remove(out)
	if err := json.Unmarshal(b, &v); err != nil || len(v.Accounts) != 1 || v.Accounts[0].Password != "secret-from-init" {
		t.Fatalf("age decrypted %d bytes to %+v (%v)", len(b), v, err)
	}
}
