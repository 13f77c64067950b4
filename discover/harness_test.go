package discover

import (
	"crypto/tls"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/imapvault/imapvault/internal/testimap"
)

// world is a small internet on 127.0.0.1 for one test: a real dnsmasq
// answering for *.test names, and one HTTPS server (a test CA's
// certificate for every host of the world) that answers by Host and path.
// Discovery reaches it through Options: the resolver, the CA, and the
// port dialled for https URLs on 443.
type world struct {
	dns  *testimap.DNS
	srv  *httptest.Server
	ca   *testimap.CA
	mu   sync.Mutex
	hits []string // "host/path?query" of every request, in order
}

// route answers one host+path ("autoconfig.alpha.test/mail/config-v1.1.xml").
type route map[string]http.HandlerFunc

// newWorld starts DNS with recs (every host of routes gets an A record
// for 127.0.0.1 unless recs names it) and the HTTPS server.
func newWorld(t *testing.T, routes route, recs testimap.DNSRecords) *world {
	t.Helper()
	ca, err := testimap.NewCA()
	if err != nil {
		t.Fatal(err)
	}
	if recs.A == nil {
		recs.A = map[string]string{}
	}
	hosts := []string{}
	for hp := range routes {
		h, _, _ := strings.Cut(hp, "/")
		if _, ok := recs.A[h]; !ok {
			recs.A[h] = "127.0.0.1"
		}
	}
	for h := range recs.A {
		hosts = append(hosts, h)
	}
	w := &world{ca: ca}
	w.dns = testimap.StartDNS(t, recs)
	cert, err := ca.Issue(testimap.CertSpec{Hosts: append(hosts, "127.0.0.1")})
	if err != nil {
		t.Fatal(err)
	}
	w.srv = httptest.NewUnstartedServer(http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		w.mu.Lock()
		w.hits = append(w.hits, r.Host+r.URL.RequestURI())
		w.mu.Unlock()
		if h, ok := routes[r.Host+r.URL.Path]; ok {
			h(rw, r)
			return
		}
		http.NotFound(rw, r)
	}))
	w.srv.TLS = &tls.Config{Certificates: []tls.Certificate{cert}}
	w.srv.StartTLS()
	t.Cleanup(w.srv.Close)
	return w
}

// opts point discovery at the world.
func (w *world) opts() Options {
	return Options{Resolver: w.dns.Addr(), ISPDB: "https://ispdb.test/v1/", RootCAs: w.ca.Pool,
		HTTPSPort: w.srv.Listener.Addr().(*net.TCPAddr).Port, Timeout: 10 * time.Second}
}

func (w *world) requests() []string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return append([]string(nil), w.hits...)
}

// xmlFile answers with a file from testdata as text/xml.
func xmlFile(t *testing.T, name string) http.HandlerFunc {
	b := readTestdata(t, name)
	return xmlBody(b)
}

func xmlBody(b []byte) http.HandlerFunc {
	return func(rw http.ResponseWriter, r *http.Request) {
		rw.Header().Set("Content-Type", "text/xml; charset=utf-8")
		rw.Write(b)
	}
}

// imapOnly is a config naming one IMAP server with implicit TLS.
func imapOnly(host string) []byte {
	return []byte(`<?xml version="1.0"?><clientConfig version="1.1"><emailProvider id="x">
<incomingServer type="imap"><hostname>` + host + `</hostname><port>993</port><socketType>SSL</socketType>
<authentication>password-cleartext</authentication><username>%EMAILADDRESS%</username></incomingServer>
</emailProvider></clientConfig>`)
}
