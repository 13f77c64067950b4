package imapcheck_test

import (
	"context"
	"crypto/tls"
	"fmt"
	"log"
	"time"

	"github.com/imapvault/imapvault/imapcheck"
	"github.com/imapvault/imapvault/internal/testimap"
)

func ExampleCheck() {
	// A local server stands in for imap.example.org:993.
	s, err := testimap.New(testimap.Options{Users: map[string]string{"alice": "s3cret-Pa55"}})
	if err != nil {
		log.Fatal(err)
	}
	defer s.Close()

	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	r := imapcheck.Check(ctx, imapcheck.Target{
		Name: "work", Host: s.Host(), Port: s.Port(), Security: imapcheck.TLS,
		Username: "alice", Password: "s3cret-Pa55",
		TLSConfig: &tls.Config{RootCAs: s.RootCAs()}, // only tests need this
	})
	fmt.Println(r.Name, r.Status, r.TLS.Version, r.TLS.DaysLeft)
	// Output: work ok TLS 1.3 365
}
