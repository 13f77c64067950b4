package tui

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"filippo.io/age"

	"github.com/imapvault/imapvault/vault"
)

// forgeOver writes, as a non-member with write access to the folder does,
// a vault of the forger's own (valid under the forger's key) encrypted to
// the member and the forger, in place of the member's file.
func forgeOver(t *testing.T, path, member string, forger *age.X25519Identity) []byte {
	t.Helper()
	prev := os.Getenv("XDG_STATE_HOME")
	t.Setenv("XDG_STATE_HOME", t.TempDir()) // the forger's own machine
	defer t.Setenv("XDG_STATE_HOME", prev)
	dir := t.TempDir()
	idPath := filepath.Join(dir, "forger.txt")
	os.WriteFile(idPath, []byte(forger.String()+"\n"), 0o600)
	id, err := vault.LoadIdentity(idPath, nil)
	if err != nil {
		t.Fatal(err)
	}
	f, err := vault.Create(filepath.Join(dir, "v.age"), id, t0)
	if err != nil {
		t.Fatal(err)
	}
	f.Vault.AddRecipient(member, "you", "forger", t0)
	if err := f.Save(); err != nil {
		t.Fatal(err)
	}
	data, _ := os.ReadFile(f.Path)
	os.WriteFile(path+".swap", data, 0o600)
	if err := os.Rename(path+".swap", path); err != nil {
		t.Fatal(err)
	}
	return data
}

// While the TUI is open, a forged file replaces the vault: the watcher
// notices, R refuses it, a save refuses too, and nothing the user edits is
// ever encrypted to the forger.
func TestForgedVaultRefusedWhileOpen(t *testing.T) {
	t.Setenv("XDG_STATE_HOME", t.TempDir())
	fx := newFixture(t, false, testAccounts())
	d := unlocked(t, fx)
	member := d.m.file.Vault.ActiveRecipients()[0].Key
	forger, _ := age.GenerateX25519Identity()
	forged := forgeOver(t, fx.vaultPath, member, forger)

	d.tick(3*time.Second, fx.clk)
	d.wantScreen("another program changed the vault on disk")
	d.keys("R")
	if !strings.Contains(d.m.status.text, "refused the vault file") || !strings.Contains(d.m.status.text, "jq .recipients") {
		t.Fatalf("status after R: %q", d.m.status.text)
	}
	if rs := d.m.file.Vault.ActiveRecipients(); len(rs) != 1 || rs[0].Key != member {
		t.Fatalf("recipients in memory changed: %+v", rs)
	}
	d.m.editAccount(d.m.file.Vault.Find("bob-home").ID, func(a *vault.Account) { a.Notes = "typed after the forgery" })
	d.run(d.m.requestSave())
	if !strings.Contains(d.m.status.text, "refused the vault file") {
		t.Fatalf("status after a save: %q", d.m.status.text)
	}
	if got, _ := os.ReadFile(fx.vaultPath); !bytes.Equal(got, forged) {
		t.Fatal("the TUI saved over the forged file")
	}
	filepath.WalkDir(fx.dir, func(p string, de os.DirEntry, err error) error {
		if err != nil || de.IsDir() || p == fx.vaultPath {
			return nil
		}
		data, _ := os.ReadFile(p)
		if _, err := age.Decrypt(bytes.NewReader(data), forger); err == nil {
			t.Errorf("the forger can read %s", p)
		}
		return nil
	})
}

// A recipient a teammate added shows on the status line once.
func TestTeammateRecipientAnnouncedInTUI(t *testing.T) {
	t.Setenv("XDG_STATE_HOME", t.TempDir())
	fx := newFixture(t, false, testAccounts())
	d := unlocked(t, fx)
	carol, _ := age.GenerateX25519Identity()
	mine := os.Getenv("XDG_STATE_HOME")
	t.Setenv("XDG_STATE_HOME", t.TempDir()) // the teammate's machine
	otherProgramSaves(t, fx, func(v *vault.Vault) {
		if _, err := v.AddRecipient(carol.Recipient().String(), "carol", "bob@laptop", t0); err != nil {
			t.Fatal(err)
		}
	})
	t.Setenv("XDG_STATE_HOME", mine)
	d.tick(3*time.Second, fx.clk)
	d.keys("R")
	if !strings.Contains(d.m.status.text, "new recipient of the vault: carol") {
		t.Fatalf("status after the reload: %q", d.m.status.text)
	}
	d.wantScreen("new recipient")
	// Not again: neither on the next save nor in the next session.
	d.m.setStatus("", false)
	d.run(d.m.requestSave())
	if strings.Contains(d.m.status.text, "new recipient") {
		t.Errorf("announced again after a save: %q", d.m.status.text)
	}
	d2 := unlocked(t, fx)
	if strings.Contains(d2.m.status.text, "new recipient") {
		t.Errorf("announced again in the next session: %q", d2.m.status.text)
	}
}

// A vault forged between two sessions is refused at unlock.
func TestForgedVaultRefusedAtUnlock(t *testing.T) {
	t.Setenv("XDG_STATE_HOME", t.TempDir())
	fx := newFixture(t, false, testAccounts())
	d := unlocked(t, fx)
	member := d.m.file.Vault.ActiveRecipients()[0].Key
	forger, _ := age.GenerateX25519Identity()
	forgeOver(t, fx.vaultPath, member, forger)
	d2 := newDriver(t, fx.model(fx.options()))
	if d2.m.screen == scrList {
		t.Fatal("the TUI opened a forged vault")
	}
	if !strings.Contains(d2.m.unlock.err, "does not authenticate") {
		t.Fatalf("unlock error %q", d2.m.unlock.err)
	}
}
