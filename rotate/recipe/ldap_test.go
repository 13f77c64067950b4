//go:build unix

package recipe

import (
	"bytes"
	"crypto/rand"
	"crypto/sha1"
	"crypto/tls"
	"encoding/base64"
	"fmt"
	"net"
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
)

const (
	ldapSuffix  = "dc=example,dc=test"
	ldapAdminDN = "cn=admin," + ldapSuffix
	ldapAdminPw = "Ldap-Admin-Sentinel-6Rp"
)

// ssha is an LDAP {SSHA} hash, so that no password sits in clear in the
// test's directory files.
func ssha(pw string) string {
	salt := make([]byte, 8)
	rand.Read(salt)
	h := sha1.Sum(append([]byte(pw), salt...))
	return "{SSHA}" + base64.StdEncoding.EncodeToString(append(h[:], salt...))
}

// startSlapd runs Debian's slapd from a temp dir: its own slapd.conf, an
// mdb database loaded with slapadd, listening on 127.0.0.1 on a free port.
// alice's password is oldPw; users may change their own password.
func startSlapd(t *testing.T) string {
	t.Helper()
	slapd := testimap.LookBin(t, "slapd", "slapd")
	slapadd := testimap.LookBin(t, "slapadd", "slapd")
	testimap.LookBin(t, "ldappasswd", "ldap-utils")
	dir := t.TempDir()
	if err := os.Mkdir(filepath.Join(dir, "data"), 0o700); err != nil {
		t.Fatal(err)
	}
	conf := fmt.Sprintf(`include /etc/ldap/schema/core.schema
include /etc/ldap/schema/cosine.schema
include /etc/ldap/schema/inetorgperson.schema
pidfile %[1]s/slapd.pid
modulepath /usr/lib/ldap
moduleload back_mdb
database mdb
maxsize 10485760
suffix "%[2]s"
rootdn "%[3]s"
rootpw %[4]s
directory %[1]s/data
access to attrs=userPassword by self write by anonymous auth by * none
access to * by * read
`, dir, ldapSuffix, ldapAdminDN, ssha(ldapAdminPw))
	ldif := fmt.Sprintf(`dn: %[1]s
objectClass: dcObject
objectClass: organization
o: Example
dc: example

dn: ou=people,%[1]s
objectClass: organizationalUnit
ou: people

dn: uid=alice,ou=people,%[1]s
objectClass: inetOrgPerson
uid: alice
cn: Alice
sn: Example
userPassword: %[2]s
`, ldapSuffix, ssha(oldPw))
	confPath, ldifPath := filepath.Join(dir, "slapd.conf"), filepath.Join(dir, "base.ldif")
	os.WriteFile(confPath, []byte(conf), 0o600)
	os.WriteFile(ldifPath, []byte(ldif), 0o600)
	if out, err := exec.Command(slapadd, "-f", confPath, "-l", ldifPath).CombinedOutput(); err != nil {
		t.Fatalf("slapadd: %v\n%s", err, out)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := ln.Addr().(*net.TCPAddr).Port
	ln.Close()
	uri := "ldap://127.0.0.1:" + strconv.Itoa(port)
	cmd := exec.Command(slapd, "-f", confPath, "-h", uri+"/", "-d", "0")
	var logb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &logb, &logb
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL); _ = cmd.Wait() })
	listening := testwait.Until(time.Now().Add(testwait.Patience), func() bool {
		c, err := net.Dial("tcp", "127.0.0.1:"+strconv.Itoa(port))
		if err == nil {
			c.Close()
		}
		return err == nil
	})
	if !listening {
		t.Fatalf("slapd did not listen: %s", logb.String())
	}
	return uri
}

// ldapDovecot is Dovecot authenticating by binding to the directory as
// the user (auth_bind).
func ldapDovecot(t *testing.T, uri string) *testimap.Dovecot {
	t.Helper()
	d := testimap.StartDovecotWith(t, testimap.DovecotOptions{
		Passdb: "passdb {\n  driver = ldap\n  args = {{.Dir}}/ldap.conf\n}\n",
		Files: map[string][]byte{"ldap.conf": []byte("uris = " + uri + "\nauth_bind = yes\nauth_bind_userdn = uid=%u,ou=people," + ldapSuffix +
			"\nbase = ou=people," + ldapSuffix + "\nldap_version = 3\n")},
	})
	// Dovecot's auth process (user dovecot when run as root) reads it; it holds no secret.
	if err := os.Chmod(filepath.Join(d.Dir(), "ldap.conf"), 0o644); err != nil {
		t.Fatal(err)
	}
	return d
}

// The ldap recipe changes alice's password at a real slapd, both as an
// admin (bind DN + password file) and as alice herself (old password);
// Dovecot, binding to the same slapd, then logs her in with the new one.
func TestLDAPRecipe(t *testing.T) {
	uri := startSlapd(t)
	d := ldapDovecot(t, uri)
	tc := &tls.Config{RootCAs: d.RootCAs()}
	if r := login(t, d.Host(), d.ImplicitPort(), tc, "alice", oldPw, testwait.Patience); !r.OK() {
		t.Fatalf("old password through LDAP: %s %s\n%s", r.Status, r.Message, d.Log())
	}
	bindFile := filepath.Join(t.TempDir(), "bindpw")
	if err := os.WriteFile(bindFile, []byte(ldapAdminPw+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	base := map[string]string{"IMAPVAULT_RECIPE_LDAP_URI": uri, "IMAPVAULT_RECIPE_LDAP_USER_DN": "uid=%u,ou=people," + ldapSuffix, "IMAPVAULT_USERNAME": "alice"}
	steps := []struct {
		name     string
		old, new string
		admin    bool
	}{
		{"as the user", oldPw, newPw, false},
		{"as an admin", newPw, newPw2, true},
	}
	for _, st := range steps {
		env := map[string]string{}
		for k, v := range base {
			env[k] = v
		}
		if st.admin {
			env["IMAPVAULT_RECIPE_LDAP_BIND_DN"] = ldapAdminDN
			env["IMAPVAULT_RECIPE_LDAP_BIND_PW_FILE"] = bindFile
		}
		c := startChild(t, "ldap", st.old, st.new, env, "")
		c.wait(t)
		if out := c.stdout.String() + c.stderr.String(); strings.Contains(out, st.new) || strings.Contains(out, ldapAdminPw) {
			t.Fatalf("%s: a secret in the output", st.name)
		}
		if r := login(t, d.Host(), d.ImplicitPort(), tc, "alice", st.new, testwait.Patience); !r.OK() {
			t.Fatalf("%s: the new password does not log in: %s %s\n%s", st.name, r.Status, r.Message, d.Log())
		}
		if r := login(t, d.Host(), d.ImplicitPort(), tc, "alice", st.old, 0); r.OK() {
			t.Fatalf("%s: the old password still logs in", st.name)
		}
	}
}

// A wrong old password is refused by the directory: exit 1, nothing set.
func TestLDAPRecipeWrongOld(t *testing.T) {
	uri := startSlapd(t)
	c := startChild(t, "ldap", "not-the-password", newPw, map[string]string{"IMAPVAULT_RECIPE_LDAP_URI": uri,
		"IMAPVAULT_RECIPE_LDAP_USER_DN": "uid=%u,ou=people," + ldapSuffix, "IMAPVAULT_USERNAME": "alice"}, "")
	err := <-c.done
	if ee, ok := err.(*exec.ExitError); !ok || ee.ExitCode() != 1 {
		t.Fatalf("exit %v; want 1\n%s%s", err, c.stdout.String(), c.stderr.String())
	}
	if !strings.Contains(c.stdout.String(), "Invalid credentials") {
		t.Errorf("ldappasswd's words not passed on: %q", c.stdout.String())
	}
}
