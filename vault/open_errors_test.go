package vault

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"filippo.io/age"
)

// encryptTo encrypts plain to one recipient the way a vault is written,
// for payloads Save would never produce.
func encryptTo(tb testing.TB, plain []byte, recipient string) []byte {
	tb.Helper()
	r, err := ParseRecipient(recipient)
	if err != nil {
		tb.Fatal(err)
	}
	var buf bytes.Buffer
	w, err := age.Encrypt(&buf, r)
	if err != nil {
		tb.Fatal(err)
	}
	if _, err := w.Write(plain); err != nil {
		tb.Fatal(err)
	}
	if err := w.Close(); err != nil {
		tb.Fatal(err)
	}
	return buf.Bytes()
}

// validVault returns the bytes of a real vault of n accounts, large enough
// for n > 250 to span several 64 KiB age chunks.
func validVault(tb testing.TB, dir string, id *Identity, n int) []byte {
	tb.Helper()
	path := filepath.Join(dir, "source.age")
	f, err := Create(path, id, time.Now())
	if err != nil {
		tb.Fatal(err)
	}
	f.Vault = bigVault(n, id.Recipient)
	if err := f.Save(); err != nil {
		tb.Fatal(err)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		tb.Fatal(err)
	}
	return data
}

// payloadStart is the offset of an age file's payload (its nonce).
func payloadStart(data []byte) int {
	i := bytes.Index(data, []byte("\n--- ")) + 1
	return i + bytes.IndexByte(data[i:], '\n') + 1
}

func flip(data []byte, i int) []byte {
	out := bytes.Clone(data)
	out[i] ^= 0x01
	return out
}

func TestOpenFailures(t *testing.T) {
	src := t.TempDir()
	id := plainIdentity(t, src)
	stranger := plainIdentity(t, t.TempDir())
	good := validVault(t, src, id, 400)
	hdrEnd := payloadStart(good)
	macAt := hdrEnd - 10 // inside the header MAC
	stanzaAt := bytes.Index(good, []byte("-> X25519 ")) + 12
	const chunk = 64*1024 + 16 // age STREAM chunk with its tag
	if len(good) < hdrEnd+16+2*chunk {
		t.Fatalf("test vault is %d bytes; want several chunks", len(good))
	}
	enc := func(s string) []byte { return encryptTo(t, []byte(s), id.Recipient) }
	// A payload whose JSON is complete in the first chunk: only reading to
	// the end of the stream reveals that the rest was cut off.
	padded := enc(`{"version":1,"accounts":[],"recipients":[]}` + strings.Repeat(" ", 2*chunk))
	paddedCut := padded[:payloadStart(padded)+16+chunk]

	var (
		corrupt    = func(err error) bool { return errors.Is(err, ErrCorrupt) }
		noIdentity = func(err error) bool { return errors.Is(err, ErrNoIdentity) }
		version    = func(n int) func(error) bool {
			return func(err error) bool {
				var ve *VersionError
				return errors.As(err, &ve) && ve.Version == n
			}
		}
	)
	for _, tc := range []struct {
		name  string
		data  []byte
		as    *Identity
		check func(error) bool
		says  string
	}{
		{"wrong identity", good, stranger, noIdentity, "identity cannot open this vault"},
		{"empty file", []byte{}, id, corrupt, "the file is empty"},
		{"png", []byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"), id, corrupt, "not an age-encrypted file"},
		{"text", []byte("user,password\nme,hunter2\n"), id, corrupt, "not an age-encrypted file"},
		{"truncated in the intro", good[:10], id, corrupt, "not an age-encrypted file"},
		{"truncated in the header", good[:stanzaAt], id, corrupt, "the file is truncated"},
		{"truncated after the header", good[:hdrEnd], id, corrupt, "the file is truncated"},
		{"truncated in the nonce", good[:hdrEnd+8], id, corrupt, "the file is truncated"},
		{"truncated at a chunk boundary", good[:hdrEnd+16+chunk], id, corrupt, "the file is truncated"},
		{"truncated mid-payload", good[:hdrEnd+16+chunk+chunk/2], id, corrupt, "corrupt"},
		{"truncated after complete JSON", paddedCut, id, corrupt, "the file is truncated"},
		{"truncated by one byte", good[:len(good)-1], id, corrupt, "corrupt"},
		{"flipped magic", flip(good, 0), id, corrupt, "not an age-encrypted file"},
		{"flipped header MAC", flip(good, macAt), id, corrupt, "corrupt"},
		{"flipped nonce", flip(good, hdrEnd+3), id, corrupt, "corrupt"},
		{"flipped mid-payload", flip(good, hdrEnd+16+chunk+100), id, corrupt, "corrupt"},
		{"flipped last byte", flip(good, len(good)-1), id, corrupt, "corrupt"},
		{"future version", enc(`{"version":2,"accounts":[],"recipients":[],"settings":{}}`), id, version(2), "version 2 is newer"},
		{"future version, new shape", enc(`{"version":3,"accounts":{"by_id":{}}}`), id, version(3), "version 3 is newer"},
		{"garbage JSON", enc(`this is not json`), id, corrupt, "not valid JSON"},
		{"truncated JSON", enc(`{"version":1,"accounts":[`), id, corrupt, "not valid JSON"},
		{"wrong JSON shape", enc(`{"version":1,"accounts":5}`), id, corrupt, "does not match the vault format"},
		{"no version", enc(`{"accounts":[]}`), id, corrupt, "has no version"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			path := filepath.Join(dir, "vault.age")
			if err := os.WriteFile(path, tc.data, 0o600); err != nil {
				t.Fatal(err)
			}
			before := takeSnapshot(t, dir)
			for _, open := range []struct {
				name string
				fn   func(string, *Identity) (*File, error)
			}{{"Open", Open}, {"OpenLocked", OpenLocked}} {
				f, err := open.fn(path, tc.as)
				if f != nil || err == nil {
					t.Fatalf("%s succeeded; want an error", open.name)
				}
				t.Logf("%s: %v", open.name, err)
				if !tc.check(err) {
					t.Errorf("%s: error %v (%T) is not the expected kind", open.name, err, err)
				}
				if !strings.Contains(err.Error(), tc.says) || !strings.Contains(err.Error(), path) {
					t.Errorf("%s: error %q should name the file and say %q", open.name, err, tc.says)
				}
			}
			assertOnlyLockAdded(t, dir, before)
		})
	}
}

// assertOnlyLockAdded fails unless the folder is as before apart from an
// empty lock file: no vault rewritten, no backup, no temp file.
func assertOnlyLockAdded(t *testing.T, dir string, before snapshot) {
	t.Helper()
	after := takeSnapshot(t, dir)
	for _, d := range before.diff(after) {
		if d == "added vault.age.lock" && len(after["vault.age.lock"]) == 0 {
			continue
		}
		t.Errorf("folder changed: %s", d)
	}
}

func TestOpenHugeFile(t *testing.T) {
	dir := t.TempDir()
	id := plainIdentity(t, dir)
	path := filepath.Join(dir, "vault.age")
	fh, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	// Sparse: the size without the disk space.
	if err := fh.Truncate(maxVaultSize + 1); err != nil {
		t.Skip("file system without sparse files:", err)
	}
	fh.Close()
	_, err = Open(path, id)
	if !errors.Is(err, ErrCorrupt) || !strings.Contains(err.Error(), "too large to be a vault") {
		t.Fatalf("Open of a 1 GiB file: %v; want ErrCorrupt saying it is too large", err)
	}
}

func TestOpenMissing(t *testing.T) {
	dir := t.TempDir()
	id := plainIdentity(t, dir)
	path := filepath.Join(dir, "vault.age")
	before := takeSnapshot(t, dir)
	for _, open := range []func(string, *Identity) (*File, error){Open, OpenLocked} {
		f, err := open(path, id)
		if f != nil || !errors.Is(err, ErrNotFound) {
			t.Fatalf("got %v, %v; want ErrNotFound", f, err)
		}
	}
	if d := before.diff(takeSnapshot(t, dir)); len(d) > 0 {
		t.Fatalf("opening a missing vault wrote files: %v", d)
	}
}

func TestWrongPassphrase(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "identity.age")
	if _, err := CreateIdentity(path, []byte("right passphrase")); err != nil {
		t.Fatal(err)
	}
	before := takeSnapshot(t, dir)
	id, err := LoadIdentity(path, func() ([]byte, error) { return []byte("wrong passphrase"), nil })
	if id != nil || !errors.Is(err, ErrWrongPassphrase) {
		t.Fatalf("got %v, %v; want ErrWrongPassphrase", id, err)
	}
	if !strings.Contains(err.Error(), path) || !strings.Contains(err.Error(), "wrong passphrase") {
		t.Errorf("error %q should name the identity file and say wrong passphrase", err)
	}
	if d := before.diff(takeSnapshot(t, dir)); len(d) > 0 {
		t.Fatalf("a failed unlock wrote files: %v", d)
	}
}
