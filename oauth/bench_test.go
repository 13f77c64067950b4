package oauth_test

import (
	"context"
	"testing"
	"time"

	"github.com/imapvault/imapvault/internal/testoauth"
	"github.com/imapvault/imapvault/oauth"
	"github.com/imapvault/imapvault/vault"
)

// BenchmarkRefresh is one refresh with rotation against the in-process
// authorization server (HTTP on loopback, both sides in this process).
func BenchmarkRefresh(b *testing.B) {
	s := testoauth.Start(b)
	o := account(s)
	ctx := context.Background()
	tok, err := loginForBench(s, o)
	if err != nil {
		b.Fatal(err)
	}
	oauth.Absorb(o, tok, time.Now())
	b.ResetTimer()
	for b.Loop() {
		o.Expiry = time.Time{}
		if _, err := oauth.Fresh(ctx, o, func(*vault.OAuth) error { return nil }); err != nil {
			b.Fatal(err)
		}
	}
}
