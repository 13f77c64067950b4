package cli

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"filippo.io/age"

	"github.com/imapvault/imapvault/vault"
)

// person is one user of the CLI: their own sandbox (identity, known_vaults
// in their own XDG_STATE_HOME), pointed at a vault path that may be shared.
func newPersonSandbox(t *testing.T) (*sandbox, *age.X25519Identity) {
	t.Helper()
	s := newSandbox(t)
	return s, s.plainIdentity()
}

// decryptsWith reports the files under dir that key decrypts.
func decryptsWith(t *testing.T, dir string, key *age.X25519Identity, skip string) []string {
	t.Helper()
	var out []string
	filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() || p == skip {
			return nil
		}
		data, _ := os.ReadFile(p)
		if _, err := age.Decrypt(bytes.NewReader(data), key); err == nil {
			out = append(out, p)
		}
		return nil
	})
	return out
}

// TestForgedVaultBetweenCommands is issue 11 item 2 across processes: a
// non-member who can write the vault's folder replaces the vault, while no
// imapvault runs, by one of their own encrypted to the member's key that
// lists them as a recipient. Every later command refuses it, nothing the
// member types is ever encrypted to the forger, and the recipients stay.
func TestForgedVaultBetweenCommands(t *testing.T) {
	alice, aliceKey := newPersonSandbox(t)
	alice.init()
	alice.add("work", "Alice-Secret-Password-1!")

	mallory, malloryKey := newPersonSandbox(t)
	mallory.init()
	mallory.must("", "recipients", "add", aliceKey.Recipient().String(), "--label", "alice (bait)")
	mallory.add("bait", "whatever-password-22")
	forged := readFile(t, mallory.vault)
	tmp := alice.vault + ".new"
	os.WriteFile(tmp, forged, 0o600)
	if err := os.Rename(tmp, alice.vault); err != nil {
		t.Fatal(err)
	}

	for _, args := range [][]string{{"list"}, {"recipients", "list"}, {"audit"}} {
		r := alice.run("", args...)
		if r.code != 2 || !strings.Contains(r.stderr, "does not authenticate") || !strings.Contains(r.stderr, alice.vault) {
			t.Errorf("%v on a forged vault: exit %d\n%s", args, r.code, r.stderr)
		}
		if !strings.Contains(r.stderr, "age -d -i IDENTITY") || !strings.Contains(r.stderr, "jq .recipients") {
			t.Errorf("%v: no hint on how to inspect the file:\n%s", args, r.stderr)
		}
	}
	r := alice.run("Typed-After-Forgery-Pw-9!\n", "add", "--name", "later", "--host", "h", "--user", "u", "--password-stdin")
	if r.code != 2 {
		t.Fatalf("add over a forged vault: exit %d\n%s", r.code, r.stderr)
	}
	if !bytes.Equal(readFile(t, alice.vault), forged) {
		t.Fatal("something was saved over the forged file")
	}
	dataDir := filepath.Dir(alice.vault)
	if got := decryptsWith(t, dataDir, malloryKey, alice.vault); len(got) > 0 {
		t.Fatalf("the forger can read %v", got)
	}

	// Restoring the newest backup ends it; the next commands save and the
	// forger still reads nothing, and alice is still the only recipient.
	backups, _ := filepath.Glob(alice.vault + ".backups/vault.age.*")
	if len(backups) == 0 {
		t.Fatal("no backup to restore")
	}
	os.WriteFile(tmp, readFile(t, backups[len(backups)-1]), 0o600)
	os.Rename(tmp, alice.vault)
	// A backup is older than the last save: restoring it is said on purpose.
	if r := alice.run("", "list"); r.code != 2 || !strings.Contains(r.stderr, "this is an older copy") {
		t.Fatalf("a restored backup opened without trust --rollback: exit %d\n%s", r.code, r.stderr)
	}
	alice.must("", "trust", "--rollback")
	alice.must("Typed-After-Forgery-Pw-9!\n", "add", "--name", "later", "--host", "h", "--user", "u", "--password-stdin")
	if got := decryptsWith(t, dataDir, malloryKey, ""); len(got) > 0 {
		t.Fatalf("the forger can read %v", got)
	}
	id, err := vault.LoadIdentity(alice.identity, nil)
	if err != nil {
		t.Fatal(err)
	}
	f, err := vault.Open(alice.vault, id)
	if err != nil {
		t.Fatal(err)
	}
	if rs := f.Vault.ActiveRecipients(); len(rs) != 1 || rs[0].Key != aliceKey.Recipient().String() {
		t.Fatalf("recipients changed: %+v", rs)
	}
}

// TestTeammateRecipientAnnouncedOnceCLI: bob, a member, adds carol; alice's
// next command says so on stderr, once. Bob's own commands don't.
func TestTeammateRecipientAnnouncedOnceCLI(t *testing.T) {
	alice, _ := newPersonSandbox(t)
	alice.init()
	alice.add("work", "Alice-Secret-Password-1!")
	bob, bobKey := newPersonSandbox(t)
	bob.vault = alice.vault
	alice.must("", "recipients", "add", bobKey.Recipient().String(), "--label", "bob")
	if r := bob.must("", "list"); strings.Contains(r.stderr, "new recipient") {
		t.Errorf("bob's first use announced recipients:\n%s", r.stderr)
	}
	carol, _ := age.GenerateX25519Identity()
	if r := bob.must("", "recipients", "add", carol.Recipient().String(), "--label", "carol"); strings.Contains(r.stderr, "new recipient") {
		t.Errorf("bob's own addition announced to bob:\n%s", r.stderr)
	}
	first := alice.must("", "list")
	if !strings.Contains(first.stderr, "new recipient") || !strings.Contains(first.stderr, "carol") || strings.Count(first.stderr, "new recipient") != 1 {
		t.Fatalf("alice was not told about carol once:\n%s", first.stderr)
	}
	if again := alice.must("", "list"); strings.Contains(again.stderr, "new recipient") {
		t.Errorf("carol announced a second time:\n%s", again.stderr)
	}
	// Bob's saves merge into alice's work as before.
	bob.add("bobs", "Bob-Secret-Password-2!")
	if r := alice.must("", "list"); !strings.Contains(r.stdout, "bobs") {
		t.Errorf("alice does not see bob's account:\n%s", r.stdout)
	}
}

// TestTrustCommand: a vault whose key changed is refused until 'trust
// --yes'; plain 'trust' shows the recipients and changes nothing.
func TestTrustCommand(t *testing.T) {
	alice, _ := newPersonSandbox(t)
	alice.init()
	other, _ := newPersonSandbox(t)
	other.identity = alice.identity
	other.init() // another vault under the same identity: a new key
	os.Rename(other.vault, alice.vault)

	if r := alice.run("", "list"); r.code != 2 || !strings.Contains(r.stderr, "imapvault trust") {
		t.Fatalf("key change: exit %d\n%s", r.code, r.stderr)
	}
	show := alice.must("", "trust")
	if !strings.Contains(show.stdout, "known key:") || !strings.Contains(show.stdout, "trust --yes") {
		t.Fatalf("trust without --yes:\n%s", show.stdout)
	}
	if r := alice.run("", "list"); r.code != 2 {
		t.Fatal("plain 'trust' accepted the key")
	}
	alice.must("", "trust", "--yes")
	alice.must("", "list")
}

func TestSharedFolderCLI(t *testing.T) {
	s, _ := newPersonSandbox(t)
	s.init()
	dir := filepath.Dir(s.vault)
	os.Chmod(dir, 0o777)
	defer os.Chmod(dir, 0o700)
	r := s.run("", "list")
	if r.code != 2 || !strings.Contains(r.stderr, "writable by others") || !strings.Contains(r.stderr, "--allow-shared-folder") {
		t.Fatalf("0777 folder: exit %d\n%s", r.code, r.stderr)
	}
	s.must("", "list", "--allow-shared-folder")
	s.must("", "--allow-shared-folder", "list")
	os.Setenv("IMAPVAULT_ALLOW_SHARED_FOLDER", "1")
	defer os.Unsetenv("IMAPVAULT_ALLOW_SHARED_FOLDER")
	s.must("", "list")
}
