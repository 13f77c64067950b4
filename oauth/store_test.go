package oauth_test

import (
	"context"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"filippo.io/age"

	"github.com/imapvault/imapvault/internal/testoauth"
	"github.com/imapvault/imapvault/internal/testwait"
	"github.com/imapvault/imapvault/oauth"
	"github.com/imapvault/imapvault/vault"
)

// TestInVaultSharesOneRotatingToken: several refreshers holding the same
// stale copy of an account (the TUI, a check, `get`) refresh at once
// against a server that rotates refresh tokens. Under the vault's lock
// each refreshes with the refresh token the one before it saved (this
// server's access tokens live 5 minutes, so each is due again at once;
// with longer-lived ones the others use the first one's token): all
// succeed, where spending the same rotating token twice would fail, and the
// vault holds the token the server honours.
func TestInVaultSharesOneRotatingToken(t *testing.T) {
	s := testoauth.Start(t)
	dir := t.TempDir()
	k, _ := age.GenerateX25519Identity()
	idPath := filepath.Join(dir, "id.txt")
	os.WriteFile(idPath, []byte(k.String()+"\n"), 0o600)
	id, err := vault.LoadIdentity(idPath, nil)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "vault.age")
	f, err := vault.Create(path, id, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	o := login(t, s, false)
	o.Expiry = time.Now().Add(10 * time.Minute) // fresh for the server...
	a := &vault.Account{Name: "mail", Host: "h", Username: "u", Security: vault.TLS, Auth: vault.AuthOAuth2, OAuth: o}
	if err := f.Vault.Add(a, time.Now()); err != nil {
		t.Fatal(err)
	}
	f.Vault.Find("mail").OAuth.Expiry = time.Now().Add(time.Minute) // ...but due for a refresh
	if err := f.Save(); err != nil {
		t.Fatal(err)
	}
	f.Close()
	stale := *f.Vault.Find("mail").OAuth
	accountID := f.Vault.Find("mail").ID

	const n = 4
	tokens := make([]string, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c := stale
			ctx, cancel := context.WithTimeout(context.Background(), testwait.Patience)
			defer cancel()
			tokens[i], errs[i] = oauth.InVault(path, id, accountID, testwait.Patience)(ctx, &c)
		}()
	}
	wg.Wait()
	for i := range n {
		if errs[i] != nil {
			t.Fatalf("refresher %d: %v", i, errs[i])
		}
		if tokens[i] == stale.AccessToken {
			t.Fatalf("refresher %d got the stale token", i)
		}
	}
	g, err := vault.Open(path, id)
	if err != nil {
		t.Fatal(err)
	}
	rt := g.Vault.Find("mail").OAuth.RefreshToken
	if rt == stale.RefreshToken || !s.RefreshValid(rt) {
		t.Fatal("the vault does not hold the refresh token the server honours")
	}

	// Another process refreshed and its token has an hour left: a stale
	// copy picks that up and does not refresh.
	h, _ := vault.OpenLocked(path, id)
	h.Vault.Find("mail").OAuth.Expiry = time.Now().Add(time.Hour)
	disk := *h.Vault.Find("mail").OAuth
	h.Save()
	h.Close()
	c := stale
	tok, err := oauth.InVault(path, id, accountID, time.Second)(context.Background(), &c)
	if err != nil || tok != disk.AccessToken || c.RefreshToken != disk.RefreshToken {
		t.Fatalf("stale copy: %v; want the vault's token without a refresh", err)
	}
}
