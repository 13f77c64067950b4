package demo

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/imapvault/imapvault/audit"
	"github.com/imapvault/imapvault/imapcheck"
	"github.com/imapvault/imapvault/internal/testwait"
	"github.com/imapvault/imapvault/lastcheck"
	"github.com/imapvault/imapvault/vault"
)

func TestDemoShowsEveryState(t *testing.T) {
	now := time.Now()
	d, err := Start(now)
	if err != nil {
		t.Fatal(err)
	}
	defer func() {
		d.Close()
		if _, err := os.Stat(d.Dir); !os.IsNotExist(err) {
			t.Errorf("demo folder %s left behind", d.Dir)
		}
	}()
	id, err := vault.LoadIdentity(d.IdentityPath, nil)
	if err != nil {
		t.Fatal(err)
	}
	f, err := vault.Open(d.VaultPath, id)
	if err != nil {
		t.Fatal(err)
	}
	accts := f.Vault.Accounts
	targets := make([]imapcheck.Target, len(accts))
	for i, a := range accts {
		targets[i] = lastcheck.Target(a, d.TLSConfig)
	}
	want := map[string]imapcheck.Status{
		"personal": "ok", "work": "ok", "old-isp": "auth_failed", "backup-mx": "unreachable",
		"slow-host": "ok", "expiring": "ok", "archive": "ok", "team-a": "ok", "team-b": "ok", "legacy": "ok",
	}
	for it := range (imapcheck.Pool{Timeout: testwait.Patience}).Run(context.Background(), targets) {
		a := accts[it.Index]
		if it.Result.Status != want[a.Name] {
			t.Errorf("%s: %s (%s), want %s", a.Name, it.Result.Status, it.Result.Message, want[a.Name])
		}
		a.LastCheck = lastcheck.Record(it.Result)
	}
	fs, err := audit.Run(f.Vault, audit.Options{Now: now})
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]bool{}
	for _, fd := range fs {
		got[fd.Account+"/"+string(fd.Kind)] = true
	}
	for _, k := range []string{"archive/stale", "team-a/reused", "team-b/reused", "legacy/weak", "expiring/tls", "old-isp/login_failed", "backup-mx/login_failed"} {
		if !got[k] {
			t.Errorf("no %s finding; got %v", k, got)
		}
	}
	if got["personal/weak"] || got["personal/stale"] || got["work/tls"] {
		t.Errorf("healthy accounts flagged: %v", got)
	}
}

func TestDemoHookPlaysTheProvider(t *testing.T) {
	d, err := Start(time.Now())
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	id, _ := vault.LoadIdentity(d.IdentityPath, nil)
	f, err := vault.Open(d.VaultPath, id)
	if err != nil {
		t.Fatal(err)
	}
	a := f.Vault.Find("personal")
	const next = "SENTINEL-demo-next-pw"
	cmd := exec.Command("sh", "-c", a.Hook)
	cmd.Stdin = strings.NewReader(a.Password + "\n" + next + "\n")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("hook: %v %s", err, out)
	}
	// The hook is a command line stored in the vault and shown in argv:
	// it must carry no password that existed when it was written.
	for _, acc := range f.Vault.Accounts {
		for _, h := range f.Vault.Accounts {
			if acc.Hook != "" && strings.Contains(acc.Hook, h.Password) {
				t.Fatalf("the hook of %s holds the password of %s", acc.Name, h.Name)
			}
		}
	}
	if a.Hook == "" || a.Password == "" {
		t.Fatal("the demo's personal account has no hook or no password: nothing tested")
	}
	a.Password = next
	filepath.Walk(d.Dir, func(p string, fi os.FileInfo, err error) error {
		if err == nil && fi.Mode().IsRegular() {
			if b, _ := os.ReadFile(p); strings.Contains(string(b), next) {
				t.Errorf("%s holds the new password in plaintext", p)
			}
		}
		return nil
	})
	var r imapcheck.Result
	if !testwait.Until(time.Now().Add(testwait.Patience), func() bool {
		r = imapcheck.Check(context.Background(), lastcheck.Target(a, d.TLSConfig))
		return r.OK()
	}) {
		t.Fatalf("the demo server never took the new password: %s", r.Message)
	}
}
