package imapcheck_test

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/imapvault/imapvault/imapcheck"
	"github.com/imapvault/imapvault/internal/testimap"
	"github.com/imapvault/imapvault/internal/testwait"
)

const sentinel = "SENTINEL-pw-3f9a"

// TestPasswordNeverInResult drives every outcome with a sentinel password,
// including a server that echoes it back, and looks for the sentinel (and
// its PLAIN encoding) in everything a caller could print or store.
func TestPasswordNeverInResult(t *testing.T) {
	echo := &testimap.NOResponse{Code: "AUTHENTICATIONFAILED", Text: "bad password " + sentinel}
	cases := []struct {
		name string
		opts testimap.Options
		sec  imapcheck.Security
		pw   string // server-side password
	}{
		{"ok", testimap.Options{}, imapcheck.TLS, sentinel},
		{"ok starttls", testimap.Options{Mode: testimap.STARTTLS}, imapcheck.STARTTLS, sentinel},
		{"ok insecure", testimap.Options{Mode: testimap.Plain}, imapcheck.Insecure, sentinel},
		{"wrong", testimap.Options{}, imapcheck.TLS, "other"},
		{"echoing server", testimap.Options{LoginNO: echo}, imapcheck.TLS, sentinel},
		{"expired", testimap.Options{Cert: testimap.CertSpec{Days: -1}}, imapcheck.TLS, sentinel},
		{"no starttls", testimap.Options{NoStartTLS: true}, imapcheck.STARTTLS, sentinel},
		{"silent", testimap.Options{Silent: true}, imapcheck.TLS, sentinel},
	}
	// Answering servers get all the time they need (the echo must come
	// back to be redacted); the silent one times out soon: a pool per kind.
	var targets, silent []imapcheck.Target
	for _, c := range cases {
		s := testimap.Start(t, testimap.Options{
			Users: map[string]string{user: c.pw}, Mode: c.opts.Mode, Cert: c.opts.Cert,
			LoginNO: c.opts.LoginNO, NoStartTLS: c.opts.NoStartTLS, Silent: c.opts.Silent,
		})
		tg := target(s, c.sec, sentinel)
		tg.Name = c.name
		if c.opts.Silent {
			silent = append(silent, tg)
		} else {
			targets = append(targets, tg)
		}
	}
	plain := base64.StdEncoding.EncodeToString([]byte("\x00" + user + "\x00" + sentinel))
	answering := imapcheck.Pool{Timeout: testwait.Patience, PerHost: len(targets)}.Run(context.Background(), targets)
	stalled := imapcheck.Pool{Timeout: 500 * time.Millisecond}.Run(context.Background(), silent)
	seen := 0
	for ir := range merge(answering, stalled) {
		seen++
		r := ir.Result
		js, err := json.Marshal(r)
		if err != nil {
			t.Fatal(err)
		}
		for _, text := range []string{fmt.Sprintf("%+v", r), fmt.Sprintf("%#v", r), string(js)} {
			if strings.Contains(text, sentinel) || strings.Contains(text, plain) {
				t.Errorf("%s: password found in result: %s", r.Name, text)
			}
		}
		if r.Name == "echoing server" && !strings.Contains(r.Message, "[redacted]") {
			t.Errorf("echoed password not visibly redacted: %q", r.Message)
		}
	}
	if seen != len(cases) {
		t.Fatalf("%d results for %d targets", seen, len(cases))
	}
}

func merge(chs ...<-chan imapcheck.Indexed) <-chan imapcheck.Indexed {
	out := make(chan imapcheck.Indexed)
	var wg sync.WaitGroup
	for _, ch := range chs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for r := range ch {
				out <- r
			}
		}()
	}
	go func() { wg.Wait(); close(out) }()
	return out
}
