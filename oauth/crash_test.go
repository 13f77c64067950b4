//go:build unix

package oauth_test

import (
	"bufio"
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"filippo.io/age"

	"github.com/imapvault/imapvault/internal/testoauth"
	"github.com/imapvault/imapvault/internal/testwait"
	"github.com/imapvault/imapvault/oauth"
	"github.com/imapvault/imapvault/vault"
)

const crashChildEnv = "OAUTH_TEST_CRASH_CHILD"

func TestMain(m *testing.M) {
	if os.Getenv(crashChildEnv) != "" {
		os.Exit(crashChild())
	}
	os.Exit(m.Run())
}

// crashChild refreshes the account's token with the vault saver, telling
// the parent on stdout how far it got, and kills itself at the checkpoint
// named in OAUTH_TEST_KILL_AT (if any).
func crashChild() int {
	id, err := vault.LoadIdentity(os.Getenv("OAUTH_TEST_IDENTITY"), nil)
	if err != nil {
		fmt.Fprintln(os.Stderr, "child:", err)
		return 2
	}
	path := os.Getenv("OAUTH_TEST_VAULT")
	f, err := vault.Open(path, id)
	if err != nil {
		fmt.Fprintln(os.Stderr, "child:", err)
		return 2
	}
	a := f.Vault.Find("mail")
	killAt := os.Getenv("OAUTH_TEST_KILL_AT")
	oauth.SetTestHook(func(point string) {
		fmt.Println(point)
		if point == killAt {
			syscall.Kill(os.Getpid(), syscall.SIGKILL)
			select {}
		}
	})
	if _, err := oauth.InVault(path, id, a.ID, testwait.Patience)(context.Background(), a.OAuth); err != nil {
		fmt.Fprintln(os.Stderr, "child:", err)
		return 1
	}
	fmt.Println("done")
	return 0
}

// TestCrashNeverLosesNewestRefreshToken kills a refreshing process (the
// server rotates refresh tokens on every refresh) at its checkpoints and
// at random moments while it saves. After every kill the vault must open
// and hold the newest refresh token that reached it: the new one once the
// save was reported, else the new or the old one (a save cut short leaves
// the old file whole); and the token it holds must be the one the
// server honours whenever the save completed.
//
// What no client can close: a kill after the provider answered and before
// the save finished loses the rotated token at a provider that retires the
// old one at once (this test server does). Fresh narrows that window to
// the save itself: nothing else happens between the answer and the save.
func TestCrashNeverLosesNewestRefreshToken(t *testing.T) {
	s := testoauth.Start(t)
	dir := t.TempDir()
	k, err := age.GenerateX25519Identity()
	if err != nil {
		t.Fatal(err)
	}
	idPath := filepath.Join(dir, "identity.txt")
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
	if err := f.Vault.Add(&vault.Account{Name: "mail", Host: "127.0.0.1", Username: "u", Security: vault.TLS, Auth: vault.AuthOAuth2, OAuth: o}, time.Now()); err != nil {
		t.Fatal(err)
	}
	if err := f.Save(); err != nil {
		t.Fatal(err)
	}
	f.Close()

	stored := func() *vault.OAuth {
		t.Helper()
		f, err := vault.Open(path, id)
		if err != nil {
			t.Fatalf("vault after the kill: %v", err)
		}
		return f.Vault.Find("mail").OAuth
	}
	expire := func() {
		f, err := vault.OpenLocked(path, id)
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		f.Vault.Find("mail").OAuth.Expiry = time.Time{}
		if err := f.Save(); err != nil {
			t.Fatal(err)
		}
	}
	rng := rand.New(rand.NewPCG(uint64(time.Now().UnixNano()), 1))
	cases := []string{"saved", "refreshed", ""}
	for i := 0; i < 12; i++ {
		cases = append(cases, "random")
	}
	for i, killAt := range cases {
		expire()
		old := stored()
		if !s.RefreshValid(old.RefreshToken) {
			// The last run was killed before its save: the rotated token
			// never reached disk. Start the next round from a fresh login.
			n := login(t, s, false)
			f, _ := vault.OpenLocked(path, id)
			oauth.SetTokens(f.Vault.Find("mail"), n)
			f.Vault.Find("mail").OAuth.Expiry = time.Time{}
			f.Save()
			f.Close()
			old = stored()
		}
		cmd := exec.Command(os.Args[0], "-test.run=^$")
		cmd.Env = append(os.Environ(), crashChildEnv+"=1", "OAUTH_TEST_VAULT="+path, "OAUTH_TEST_IDENTITY="+idPath)
		if killAt != "random" {
			cmd.Env = append(cmd.Env, "OAUTH_TEST_KILL_AT="+killAt)
		}
		out, _ := cmd.StdoutPipe()
		cmd.Stderr = os.Stderr
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		var said []string
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			said = append(said, sc.Text())
			if killAt == "random" && sc.Text() == "refreshed" {
				time.Sleep(time.Duration(rng.IntN(60000)) * time.Microsecond)
				cmd.Process.Kill()
			}
		}
		cmd.Wait()
		now := stored()
		savedReported := strings.Contains(strings.Join(said, " "), "saved")
		switch {
		case savedReported && now.RefreshToken == old.RefreshToken:
			t.Fatalf("case %d (%s): the save was reported but the vault holds the old refresh token", i, killAt)
		case now.RefreshToken != old.RefreshToken && !s.RefreshValid(now.RefreshToken):
			t.Fatalf("case %d (%s): the vault holds a refresh token the server does not honour", i, killAt)
		case now.RefreshToken == old.RefreshToken && len(said) > 0 && killAt == "":
			t.Fatalf("case %d: an uninterrupted refresh left the old token (child said %v)", i, said)
		}
		if savedReported && !s.RefreshValid(now.RefreshToken) {
			t.Fatalf("case %d (%s): saved token not honoured by the server", i, killAt)
		}
		t.Logf("case %d (%s): child said %v; vault holds the %s token", i, killAt, said,
			map[bool]string{true: "new", false: "old"}[now.RefreshToken != old.RefreshToken])
	}
}
