package testimap_test

import (
	"bufio"
	"crypto/tls"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/imapvault/imapvault/internal/testimap"
)

// TestDovecotStarts checks the helper itself: Dovecot answers on both
// ports, with TLS from our CA on the implicit one.
func TestDovecotStarts(t *testing.T) {
	d := testimap.StartDovecot(t, map[string]string{"bob": "pw"})
	c, err := tls.Dial("tcp", net.JoinHostPort(d.Host(), strconv.Itoa(d.ImplicitPort())), &tls.Config{RootCAs: d.RootCAs(), ServerName: "127.0.0.1"})
	if err != nil {
		t.Fatalf("tls dial: %v\n%s", err, d.Log())
	}
	defer c.Close()
	line, err := bufio.NewReader(c).ReadString('\n')
	if err != nil || !strings.HasPrefix(line, "* OK") {
		t.Fatalf("greeting %q, %v", line, err)
	}
	p, err := net.Dial("tcp", net.JoinHostPort(d.Host(), strconv.Itoa(d.StartTLSPort())))
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	line, err = bufio.NewReader(p).ReadString('\n')
	if err != nil || !strings.Contains(line, "STARTTLS") {
		t.Fatalf("cleartext greeting %q, %v: want STARTTLS offered", line, err)
	}
}

// TestDovecotHashesPasswords: the passwd file holds SHA512-CRYPT hashes,
// never the password, and Dovecot logs in with them (a hash without its
// {SCHEME} prefix would be taken as a PLAIN password and every login
// would fail, each one slower under Dovecot's auth penalty).
func TestDovecotHashesPasswords(t *testing.T) {
	const pw = "Hashed-Sentinel-7q!x"
	d := testimap.StartDovecot(t, map[string]string{"bob": pw})
	b, err := os.ReadFile(filepath.Join(d.Dir(), "passwd"))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(string(b), "bob:{SHA512-CRYPT}$6$") || strings.Contains(string(b), pw) {
		t.Fatalf("passwd file is not hashed with SHA512-CRYPT: %q", b)
	}
	for _, tc := range []struct {
		pw   string
		want string
	}{{pw, "a OK"}, {"wrong", "a NO"}} {
		c, err := tls.Dial("tcp", net.JoinHostPort(d.Host(), strconv.Itoa(d.ImplicitPort())), &tls.Config{RootCAs: d.RootCAs(), ServerName: "127.0.0.1"})
		if err != nil {
			t.Fatalf("tls dial: %v\n%s", err, d.Log())
		}
		br := bufio.NewReader(c)
		if _, err := br.ReadString('\n'); err != nil {
			t.Fatal(err)
		}
		fmt.Fprintf(c, "a LOGIN bob %q\r\n", tc.pw)
		line, err := br.ReadString('\n')
		for err == nil && strings.HasPrefix(line, "*") {
			line, err = br.ReadString('\n')
		}
		c.Close()
		if !strings.HasPrefix(line, tc.want) {
			t.Fatalf("login with %s: %q, %v; want %s\n%s", map[bool]string{true: "the password", false: "a wrong one"}[tc.pw == pw], line, err, tc.want, d.Log())
		}
	}
}

// TestSetPasswordOnAStrictDovecot: SetPassword waits for the new password
// to log in; a Dovecot on 127.0.0.2 that refuses cleartext logins must not
// make it wait in vain.
func TestSetPasswordOnAStrictDovecot(t *testing.T) {
	d := testimap.StartDovecotWith(t, testimap.DovecotOptions{Users: map[string]string{"u": "first-Pa55word"}, Listen: "127.0.0.2"})
	if err := d.SetPassword("u", "second-Pa55word"); err != nil {
		t.Fatal(err)
	}
}
