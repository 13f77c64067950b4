package vault

import (
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"testing"
	"time"
)

// ageCLI finds the stock age binary. CI sets IMAPVAULT_REQUIRE_REAL_DEPS=1
// and installs it, so there a missing binary fails instead of skipping.
func ageCLI(t *testing.T) string {
	t.Helper()
	p, err := exec.LookPath("age")
	if err != nil {
		if os.Getenv("IMAPVAULT_REQUIRE_REAL_DEPS") == "1" {
			t.Fatal("the age CLI is not on PATH and IMAPVAULT_REQUIRE_REAL_DEPS=1; install it (apt-get install age)")
		}
		t.Skip("the age CLI is not on PATH")
	}
	return p
}

// TestStockAgeDecrypts proves recovery without imapvault: the stock age
// CLI decrypts what Save wrote, for each kind of identity file.
func TestStockAgeDecrypts(t *testing.T) {
	bin := ageCLI(t)
	for _, tc := range []struct {
		name string
		// identity returns the identity imapvault uses and the file given to age -i.
		identity func(t *testing.T, dir string) (*Identity, string)
	}{
		{"plain age identity", func(t *testing.T, dir string) (*Identity, string) {
			id := plainIdentity(t, dir)
			return id, id.Path
		}},
		{"protected identity from CreateIdentity", func(t *testing.T, dir string) (*Identity, string) {
			id, err := CreateIdentity(filepath.Join(dir, "identity.age"), []byte(idPass))
			if err != nil {
				t.Fatal(err)
			}
			// What a person does with stock tools: decrypt the identity
			// with the passphrase (age's library here, as the CLI would
			// need a terminal), then use the plain key.
			data, err := os.ReadFile(id.Path)
			if err != nil {
				t.Fatal(err)
			}
			plain := filepath.Join(dir, "recovered.txt")
			if err := os.WriteFile(plain, decryptWithPassphrase(t, data, idPass), 0o600); err != nil {
				t.Fatal(err)
			}
			return id, plain
		}},
		{"ssh ed25519 key", func(t *testing.T, dir string) (*Identity, string) {
			path := filepath.Join(dir, "id_ed25519")
			writeSSHKey(t, path, "")
			id, err := LoadIdentity(path, nil)
			if err != nil {
				t.Fatal(err)
			}
			return id, path
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			id, keyFile := tc.identity(t, dir)
			path := filepath.Join(dir, "vault.age")
			now := time.Date(2025, 2, 3, 4, 5, 6, 0, time.UTC)
			f, err := Create(path, id, now)
			if err != nil {
				t.Fatal(err)
			}
			for _, a := range bigVault(20, id.Recipient).Accounts {
				a.ID = ""
				if err := f.Vault.Add(a, now); err != nil {
					t.Fatal(err)
				}
			}
			f.Vault.Accounts[3].Password = sentinelPassword
			if err := f.Save(); err != nil {
				t.Fatal(err)
			}

			var stdout, stderr bytes.Buffer
			cmd := exec.Command(bin, "-d", "-i", keyFile, path)
			cmd.Stdout, cmd.Stderr = &stdout, &stderr
			if err := cmd.Run(); err != nil {
				t.Fatalf("age -d: %v\n%s", err, stderr.String())
			}
			var got Vault
			if err := json.Unmarshal(stdout.Bytes(), &got); err != nil {
				t.Fatalf("age -d output is not the vault JSON: %v", err)
			}
			if got.MAC == "" || got.VaultKey == "" {
				t.Fatal("age -d output lacks the vault key and MAC")
			}
			got.MAC = "" // authenticated on open, never kept in memory
			if !reflect.DeepEqual(&got, f.Vault) {
				t.Fatal("age -d output differs from the saved vault")
			}
			if !bytes.Contains(stdout.Bytes(), []byte(sentinelPassword)) {
				t.Fatal("decrypted JSON lacks the account's password")
			}
		})
	}
}

// TestOpenWhatStockAgeWrote: a vault JSON encrypted by the age CLI opens,
// so a person can repair a vault by hand with stock tools.
func TestOpenWhatStockAgeWrote(t *testing.T) {
	bin := ageCLI(t)
	dir := t.TempDir()
	id := plainIdentity(t, dir)
	want := bigVault(5, id.Recipient)
	plain, err := json.Marshal(want)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "vault.age")
	var stderr bytes.Buffer
	cmd := exec.Command(bin, "-r", id.Recipient, "-o", path)
	cmd.Stdin, cmd.Stderr = bytes.NewReader(plain), &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("age -r: %v\n%s", err, stderr.String())
	}
	f, err := Open(path, id)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(f.Vault, want) {
		t.Fatal("vault written by age differs after Open")
	}
}

// TestOpenArmored: a vault re-encrypted by hand with `age -a` opens, and
// the next save writes the binary format again.
func TestOpenArmored(t *testing.T) {
	bin := ageCLI(t)
	dir := t.TempDir()
	id := plainIdentity(t, dir)
	want := bigVault(300, id.Recipient) // several chunks, so armor lines wrap many times
	plain, err := json.Marshal(want)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "vault.age")
	var stderr bytes.Buffer
	cmd := exec.Command(bin, "-a", "-r", id.Recipient, "-o", path)
	cmd.Stdin, cmd.Stderr = bytes.NewReader(plain), &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("age -a -r: %v\n%s", err, stderr.String())
	}
	f, err := Open(path, id)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(f.Vault, want) {
		t.Fatal("armored vault differs after Open")
	}
	if err := f.Save(); err != nil {
		t.Fatal(err)
	}
	data, _ := os.ReadFile(path)
	if !bytes.HasPrefix(data, []byte("age-encryption.org/v1\n")) {
		t.Fatal("save kept the armor")
	}
	// A cut armored file is still caught.
	armored, _ := os.ReadFile(newestBackup(t, path))
	if err := os.WriteFile(path, armored[:len(armored)/2], 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := Open(path, id); !errors.Is(err, ErrCorrupt) {
		t.Fatalf("half an armored vault: %v; want ErrCorrupt", err)
	}
}

// newestBackup is the newest backup of the vault at path.
func newestBackup(t *testing.T, path string) string {
	t.Helper()
	b, err := Backups(path)
	if err != nil || len(b) == 0 {
		t.Fatalf("Backups = %v, %v", b, err)
	}
	return b[0]
}
