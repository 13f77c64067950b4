package testimap_test

import (
	"bufio"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/imapvault/imapvault/internal/testimap"
)

// TestProxyDelays: through the proxy the greeting takes at least the
// connect round trip plus half a round trip, and still arrives intact.
func TestProxyDelays(t *testing.T) {
	const rtt = 100 * time.Millisecond
	s := testimap.Start(t, testimap.Options{Mode: testimap.Plain})
	p := testimap.Proxy(t, s.Addr(), rtt)
	start := time.Now()
	c, err := net.Dial("tcp", p.Addr())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	line, err := bufio.NewReader(c).ReadString('\n')
	if err != nil || !strings.HasPrefix(line, "* OK") {
		t.Fatalf("greeting %q, %v", line, err)
	}
	if d := time.Since(start); d < rtt+rtt/2 {
		t.Errorf("greeting after %v, want at least %v", d, rtt+rtt/2)
	}
}

// TestScriptedCountsLogins: the scripted responder counts a LOGIN even when
// it refuses it, so tests can prove a client never sent one.
func TestScriptedCountsLogins(t *testing.T) {
	s := testimap.Start(t, testimap.Options{LoginDisabled: true})
	c, err := net.Dial("tcp", s.Addr())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	br := bufio.NewReader(c)
	if line, _ := br.ReadString('\n'); !strings.Contains(line, "LOGINDISABLED") {
		t.Fatalf("greeting %q: want LOGINDISABLED", line)
	}
	if _, err := c.Write([]byte("a LOGIN {5}\r\n")); err != nil {
		t.Fatal(err)
	}
	if line, _ := br.ReadString('\n'); !strings.HasPrefix(line, "+") {
		t.Fatalf("literal not accepted: %q", line)
	}
	c.Write([]byte("alice \"pw\"\r\n"))
	if line, _ := br.ReadString('\n'); !strings.Contains(line, "PRIVACYREQUIRED") {
		t.Fatalf("answer %q: want NO [PRIVACYREQUIRED]", line)
	}
	if !s.SawLogin() {
		t.Error("LOGIN not counted")
	}
}
