//go:build unix

package recipe

import (
	"bytes"
	"crypto/tls"
	"fmt"
	"os"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/imapvault/imapvault/internal/testimap"
	"github.com/imapvault/imapvault/internal/testwait"
)

const nUsers = 1000 // lines in the test passwd-file

// passwdDovecot starts Dovecot on a passwd-file of nUsers users (all with
// oldPw, and fields beyond the password that must survive), owned as
// Dovecot's auth process needs it. It returns the file and its contents.
func passwdDovecot(t *testing.T) (*testimap.Dovecot, string, []byte) {
	t.Helper()
	testimap.LookBin(t, "doveadm", "dovecot-core")
	hash, err := testimap.HashPassword("SHA512-CRYPT", oldPw)
	if err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	b.WriteString("# users of the test domain\n")
	for i := range nUsers {
		fmt.Fprintf(&b, "user%04d:%s:%d:%d::/var/mail/user%04d::userdb_quota_rule=*:storage=%dM\n", i, hash, 5000+i, 5000, i, i+1)
	}
	d := testimap.StartDovecotWith(t, testimap.DovecotOptions{
		Passdb: "passdb {\n  driver = passwd-file\n  args = scheme=PLAIN username_format=%u {{.Dir}}/users\n}\n",
	})
	path := filepath.Join(d.Dir(), "users")
	if err := os.WriteFile(path, b.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
	if os.Geteuid() == 0 { // Dovecot's auth process reads it as user dovecot
		u, err := user.Lookup("dovecot")
		if err != nil {
			t.Fatal(err)
		}
		uid, _ := strconv.Atoi(u.Uid)
		gid, _ := strconv.Atoi(u.Gid)
		if err := os.Chown(path, uid, gid); err != nil {
			t.Fatal(err)
		}
	}
	return d, path, b.Bytes()
}

func passwdEnv(path, user string) map[string]string {
	return map[string]string{"IMAPVAULT_RECIPE_PASSWD_FILE": path, "IMAPVAULT_USERNAME": user}
}

// assertOnlyChanged checks that after differs from before only in the
// password field of the given users.
func assertOnlyChanged(t *testing.T, before, after []byte, users ...string) {
	t.Helper()
	bl, al := strings.SplitAfter(string(before), "\n"), strings.SplitAfter(string(after), "\n")
	if len(bl) != len(al) {
		t.Fatalf("%d lines became %d", len(bl), len(al))
	}
	changed := map[string]bool{}
	for _, u := range users {
		changed[u+":"] = true
	}
	same := 0
	for i := range bl {
		name, _, _ := strings.Cut(bl[i], ":")
		if !changed[name+":"] {
			if bl[i] != al[i] {
				t.Fatalf("line %d changed: %q -> %q", i+1, bl[i], al[i])
			}
			same++
			continue
		}
		bf, af := strings.Split(bl[i], ":"), strings.Split(al[i], ":")
		if len(bf) != len(af) || bf[1] == af[1] || !strings.HasPrefix(af[1], "{SHA512-CRYPT}$6$") {
			t.Fatalf("line of %s: %q -> %q; want only a new SHA512-CRYPT hash", name, bl[i], al[i])
		}
		for j := range bf {
			if j != 1 && bf[j] != af[j] {
				t.Fatalf("line of %s: field %d changed", name, j+1)
			}
		}
	}
	if same != len(bl)-len(users) {
		t.Fatalf("%d lines unchanged; want %d", same, len(bl)-len(users))
	}
	if bytes.Contains(after, []byte(newPw)) || bytes.Contains(after, []byte(newPw2)) {
		t.Fatal("a password is in the file in clear")
	}
}

// One user of a thousand rotated: it logs in with the new password (and
// not the old), and every other line is byte for byte what it was.
func TestPasswdFileOneOfThousand(t *testing.T) {
	d, path, before := passwdDovecot(t)
	tc := &tls.Config{RootCAs: d.RootCAs()}
	if r := login(t, d.Host(), d.ImplicitPort(), tc, "user0500", oldPw, testwait.Patience); !r.OK() {
		t.Fatalf("old password: %s %s\n%s", r.Status, r.Message, d.Log())
	}
	st0, _ := os.Stat(path)
	c := startChild(t, "dovecot-passwd-file", oldPw, newPw, passwdEnv(path, "user0500"), "")
	c.wait(t)
	after, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	assertOnlyChanged(t, before, after, "user0500")
	if st, _ := os.Stat(path); st.Mode() != st0.Mode() || st.Sys().(*syscall.Stat_t).Uid != st0.Sys().(*syscall.Stat_t).Uid {
		t.Fatalf("mode or owner changed: %v -> %v", st0.Mode(), st.Mode())
	}
	if r := login(t, d.Host(), d.ImplicitPort(), tc, "user0500", newPw, testwait.Patience); !r.OK() {
		t.Fatalf("new password does not log in: %s %s\n%s", r.Status, r.Message, d.Log())
	}
	if r := login(t, d.Host(), d.ImplicitPort(), tc, "user0500", oldPw, 0); r.OK() {
		t.Fatal("the old password still logs in")
	}
	if out := c.stderr.String(); strings.Contains(out, newPw) || strings.Contains(out, oldPw) {
		t.Fatal("a password in the recipe's output")
	}
}

// Two rotations of different users at once both land: the second waits
// for the first's lock, then reads what the first wrote. A recipe killed
// mid-rewrite (new contents written, not yet renamed) leaves the file as
// it was, whole, and its lock free.
func TestPasswdFileConcurrentAndKilled(t *testing.T) {
	d, path, before := passwdDovecot(t)
	tc := &tls.Config{RootCAs: d.RootCAs()}

	killed := startChild(t, "dovecot-passwd-file", oldPw, "Killed-Sentinel-1x", passwdEnv(path, "user0007"), "written")
	if err := killed.cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	<-killed.done
	if got, _ := os.ReadFile(path); !bytes.Equal(got, before) {
		t.Fatal("a recipe killed mid-rewrite changed the file")
	}

	first := startChild(t, "dovecot-passwd-file", oldPw, newPw, passwdEnv(path, "user0100"), "written")
	second := startChild(t, "dovecot-passwd-file", oldPw, newPw2, passwdEnv(path, "user0200"), "")
	select {
	case err := <-second.done:
		t.Fatalf("the second rotation did not wait for the first's lock (exit %v)", err)
	case <-time.After(200 * time.Millisecond):
		// Room for a second that would not wait: on a busy machine this
		// can only miss that, never fail a recipe that waits.
	}
	first.release.Close()
	first.wait(t)
	second.wait(t)
	after, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	assertOnlyChanged(t, before, after, "user0100", "user0200")
	for user, pw := range map[string]string{"user0100": newPw, "user0200": newPw2, "user0007": oldPw} {
		if r := login(t, d.Host(), d.ImplicitPort(), tc, user, pw, testwait.Patience); !r.OK() {
			t.Fatalf("%s does not log in: %s %s\n%s", user, r.Status, r.Message, d.Log())
		}
	}
}

func TestReplaceField(t *testing.T) {
	for _, tc := range []struct{ in, want, err string }{
		{"a:x:1\nb:y:2\n", "a:x:1\nb:H:2\n", ""},
		{"a:x\nb:y", "a:x\nb:H", ""},
		{"b:y\r\na:x\r\n", "b:H\r\na:x\r\n", ""},
		{"b\na:x\n", "", "no line"},
		{"a:x\n", "", "no line"},
		{"b:1\nb:2\n", "", "2 lines"},
		{"bb:1\nb:2::\n", "bb:1\nb:H::\n", ""},
	} {
		got, err := replaceField([]byte(tc.in), "b", "H")
		if tc.err != "" {
			if err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Errorf("%q: err %v; want %q", tc.in, err, tc.err)
			}
			continue
		}
		if err != nil || string(got) != tc.want {
			t.Errorf("%q: got %q, %v; want %q", tc.in, got, err, tc.want)
		}
	}
}

// BenchmarkReplaceField rewrites one line of a 1,000-user file in memory.
func BenchmarkReplaceField(b *testing.B) {
	var file bytes.Buffer
	for i := range nUsers {
		fmt.Fprintf(&file, "user%04d:{SHA512-CRYPT}$6$salt$%0100d:%d:5000::/var/mail/user%04d::\n", i, i, 5000+i, i)
	}
	b.SetBytes(int64(file.Len()))
	for b.Loop() {
		if _, err := replaceField(file.Bytes(), "user0500", "{SHA512-CRYPT}$6$new"); err != nil {
			b.Fatal(err)
		}
	}
}

// Every rewrite lands in a later whole second than the file it replaces
// (all Dovecot compares, with the size, which a new hash of the same
// scheme keeps): written in the same second, or over a file stamped ahead
// by an earlier rewrite. (The kernel's lagging clock, which the explicit
// stamp also covers, cannot be forced here.)
func TestPasswdLineStampsALaterSecond(t *testing.T) {
	sec := time.Now().Truncate(time.Second)
	for _, tc := range []struct {
		name string
		old  time.Time
	}{
		{"written this second", time.Now()},
		{"stamped ahead", sec.Add(3 * time.Second)},
		{"long ago", sec.Add(-time.Hour)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "passwd")
			if err := os.WriteFile(path, []byte("a:{PLAIN}x::::::\n"), 0o600); err != nil {
				t.Fatal(err)
			}
			if err := os.Chtimes(path, time.Time{}, tc.old); err != nil {
				t.Fatal(err)
			}
			if err := setPasswdLine(path, "a", "{PLAIN}y"); err != nil {
				t.Fatal(err)
			}
			st, err := os.Stat(path)
			if err != nil {
				t.Fatal(err)
			}
			if st.ModTime().Unix() <= tc.old.Unix() {
				t.Fatalf("rewritten with mtime %v over one of %v: Dovecot would not see it", st.ModTime(), tc.old)
			}
		})
	}
	for _, tc := range []struct{ old, now, want time.Time }{
		{sec.Add(100 * time.Millisecond), sec.Add(900 * time.Millisecond), sec.Add(time.Second)},
		{sec.Add(999 * time.Millisecond), sec.Add(1001 * time.Millisecond), sec.Add(1001 * time.Millisecond)},
		{sec.Add(time.Second), sec.Add(500 * time.Millisecond), sec.Add(2 * time.Second)},
	} {
		if got := nextStamp(tc.old, tc.now); !got.Equal(tc.want) {
			t.Errorf("nextStamp(%v, %v) = %v; want %v", tc.old, tc.now, got, tc.want)
		}
	}
}
