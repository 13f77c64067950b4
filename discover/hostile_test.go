package discover

import (
	"context"
	"errors"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/imapvault/imapvault/internal/testimap"
)

// TestHostileAnswers: each hostile autoconfig answer is refused with a
// reason naming it, and discovery goes on to the ISPDB, which answers
// honestly for every domain here.
func TestHostileAnswers(t *testing.T) {
	released := make(chan struct{})
	t.Cleanup(func() { close(released) })
	huge := []byte(`<?xml version="1.0"?><clientConfig version="1.1"><emailProvider id="x"><displayName>` +
		strings.Repeat("x", 300<<10) + `</displayName></emailProvider></clientConfig>`)
	deep := []byte(`<clientConfig version="1.1"><emailProvider id="x">` + strings.Repeat("<a>", 5000) +
		strings.Repeat("</a>", 5000) + `</emailProvider></clientConfig>`)
	routes := route{
		"autoconfig.huge.test" + cfgPath: xmlBody(huge),
		"autoconfig.deep.test" + cfgPath: xmlBody(deep),
		"autoconfig.html.test" + cfgPath: func(rw http.ResponseWriter, r *http.Request) {
			rw.Header().Set("Content-Type", "text/html")
			rw.Write(imapOnly("evil.test"))
		},
		"autoconfig.tohttp.test" + cfgPath: func(rw http.ResponseWriter, r *http.Request) {
			http.Redirect(rw, r, "http://autoconfig.tohttp.test/x.xml", http.StatusFound)
		},
		"autoconfig.loop.test" + cfgPath: func(rw http.ResponseWriter, r *http.Request) {
			http.Redirect(rw, r, cfgPath+"?again", http.StatusFound)
		},
		"autoconfig.plain.test" + cfgPath: xmlFile(t, "plain-only.xml"),
		"autoconfig.stall.test" + cfgPath: func(rw http.ResponseWriter, r *http.Request) {
			select { // says nothing until the client gives up
			case <-r.Context().Done():
			case <-released:
			}
		},
		"autoconfig.drip.test" + cfgPath: func(rw http.ResponseWriter, r *http.Request) {
			rw.Header().Set("Content-Type", "text/xml")
			rw.Write([]byte(`<?xml version="1.0"?><clientConfig version="1.1">`))
			rw.(http.Flusher).Flush()
			for { // a byte a while, forever
				select {
				case <-r.Context().Done():
					return
				case <-released:
					return
				case <-time.After(50 * time.Millisecond):
					rw.Write([]byte(" "))
					rw.(http.Flusher).Flush()
				}
			}
		},
		"autoconfig.length.test" + cfgPath: func(rw http.ResponseWriter, r *http.Request) {
			rw.Header().Set("Content-Type", "text/xml")
			rw.Header().Set("Content-Length", "999999999")
			rw.Write(imapOnly("evil.test"))
		},
	}
	hostile := map[string]string{
		"huge":   "larger than the 256 KiB allowed",
		"deep":   "nested deeper than 16",
		"html":   `"text/html", not XML`,
		"tohttp": "not https: refused",
		"loop":   "more than 3 redirects",
		"plain":  "offers only cleartext",
		"stall":  "no answer within",
		"drip":   "no answer within",
		"length": "999999999 bytes, more than the 256 KiB allowed",
	}
	for name := range hostile {
		routes["ispdb.test/v1/"+name+".test"] = xmlBody(imapOnly("imap.honest.test"))
	}
	w := newWorld(t, routes, testimap.DNSRecords{})
	o := w.opts()
	// The harness's 10 s bound, not less: the honest ISPDB must answer
	// within it on a machine whose every core is busy (at 1 s it did not,
	// under .ci/stress); the stalled ones cost it once each, in parallel.
	for name, why := range hostile {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			r, err := Discover(context.Background(), "a@"+name+".test", o)
			if err != nil {
				t.Fatal(err)
			}
			if r.Source != SourceISPDB || r.IMAP.Host != "imap.honest.test" {
				t.Errorf("got %s %+v; want the ISPDB's honest answer", r.Source, r.IMAP)
			}
			var refusal *Attempt
			for i, a := range r.Tried {
				if a.Source == SourceAutoconfig {
					refusal = &r.Tried[i]
				}
			}
			if refusal == nil || !strings.Contains(refusal.Err.Error(), why) {
				t.Errorf("tried %v; want autoconfig refused because %q", r.Tried, why)
			}
		})
	}
}

// TestStalledDNS: a resolver that reads questions and never answers costs
// a bounded wait, and the error says what was asked.
func TestStalledDNS(t *testing.T) {
	pc, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer pc.Close()
	go func() {
		buf := make([]byte, 2048)
		for {
			if _, _, err := pc.ReadFrom(buf); err != nil {
				return
			}
		}
	}()
	o := Options{Resolver: pc.LocalAddr().String(), Timeout: time.Second, ISPDB: "https://ispdb.test/"}
	_, err = Discover(context.Background(), "a@stalled.test", o)
	var nf *NotFoundError
	if !errors.As(err, &nf) {
		t.Fatalf("err = %v, want NotFoundError", err)
	}
	for _, piece := range []string{"autoconfig https://autoconfig.stalled.test/", "mx MX stalled.test: no answer within 1s", "SRV _imaps._tcp.stalled.test"} {
		if !strings.Contains(err.Error(), piece) {
			t.Errorf("error %q does not say %q", err, piece)
		}
	}
}

// TestBadOptions are refused before anything is asked.
func TestBadOptions(t *testing.T) {
	for _, o := range []Options{{ISPDB: "http://ispdb.test/"}, {ISPDB: "ftp://x/"}, {Resolver: "127.0.0.1"}, {Resolver: "127.0.0.1:dns"}} {
		if _, err := Discover(context.Background(), "a@x.test", o); err == nil {
			t.Errorf("%+v accepted", o)
		}
	}
	if _, err := Discover(context.Background(), "not an address", Options{Offline: true}); !errors.Is(err, ErrInvalidAddress) {
		t.Errorf("err = %v", err)
	}
}
