package testimap_test

import (
	"bufio"
	"crypto/tls"
	"net"
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
