//go:build unix

package cli

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/imapvault/imapvault/internal/testimap"
)

// The shipped D-Bus activation file starts `imapvault secret-service` on
// a real session bus the first time secret-tool asks, and the provider
// serves the sandbox's vault through its agent: lookups, an edit
// followed, a write refused, a lock.
func TestSecretServiceActivated(t *testing.T) {
	s := newAgentSandbox(t)
	s.add("work", "Activated-Sentinel-pw")
	s.unlock()
	services := filepath.Join(s.dir, "services")
	os.MkdirAll(services, 0o700)
	file := readFile(t, filepath.Join("..", "contrib", "dbus", "org.freedesktop.secrets.service"))
	if !bytes.Contains(file, []byte("Exec=/usr/local/bin/imapvault secret-service\n")) {
		t.Fatalf("the activation file does not run imapvault secret-service:\n%s", file)
	}
	file = bytes.ReplaceAll(file, []byte("/usr/local/bin/imapvault"), []byte(os.Args[0]))
	if err := os.WriteFile(filepath.Join(services, "org.freedesktop.secrets.service"), file, 0o600); err != nil {
		t.Fatal(err)
	}
	// The bus's environment is what the service it starts gets.
	env := append(os.Environ(), "IMAPVAULT_BE_MAIN=1", "IMAPVAULT_VAULT="+s.vault, "IMAPVAULT_IDENTITY="+s.identity,
		"XDG_RUNTIME_DIR="+filepath.Join(s.dir, "run"), "XDG_CONFIG_HOME="+filepath.Join(s.dir, "xdg-config"))
	bus := testimap.StartSessionBus(t, "", services, env)
	s.env = append(s.env, "DBUS_SESSION_BUS_ADDRESS="+bus.Addr)

	tool := func(stdin string, args ...string) (string, string, int) {
		t.Helper()
		bin := testimap.LookBin(t, "secret-tool", "libsecret-tools")
		ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
		defer cancel()
		cmd := exec.CommandContext(ctx, bin, args...)
		cmd.Env = append(os.Environ(), "DBUS_SESSION_BUS_ADDRESS="+bus.Addr)
		cmd.Stdin = strings.NewReader(stdin)
		var out, errb bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &errb
		err := cmd.Run()
		if ctx.Err() != nil {
			t.Fatalf("secret-tool %v hung", args)
		}
		code := 0
		if ee, ok := err.(*exec.ExitError); ok {
			code = ee.ExitCode()
		}
		return out.String(), errb.String(), code
	}

	if out, errOut, code := tool("", "lookup", "account", "work"); code != 0 || out != "Activated-Sentinel-pw" {
		t.Fatalf("lookup through activation: %q exit %d %q\nbus log:\n%s", out, code, errOut, bus.Log())
	}
	if out, _, _ := tool("", "lookup", "host", "imap.work.example", "user", "u-work", "service", "imap"); out != "Activated-Sentinel-pw" {
		t.Fatalf("lookup by imap attributes: %q", out)
	}
	s.must("Edited-Sentinel-pw\n", "edit", "work", "--password-stdin")
	if out, _, _ := tool("", "lookup", "account", "work"); out != "Edited-Sentinel-pw" {
		t.Fatalf("after edit: %q", out)
	}
	if _, errOut, code := tool("x-Sentinel-x", "store", "--label=w", "account", "work"); code == 0 || !strings.Contains(errOut, "imapvault rotate NAME") {
		t.Fatalf("store: exit %d %q", code, errOut)
	}
	// A second provider is told who owns the name and what to do.
	r := s.run("", "secret-service")
	if r.code != exitFailure || !strings.Contains(r.stderr, "owns org.freedesktop.secrets") || !strings.Contains(r.stderr, "--replace") {
		t.Fatalf("a second provider: exit %d\n%s", r.code, r.stderr)
	}
	s.must("", "lock")
	if out, errOut, code := tool("", "lookup", "account", "work"); code == 0 || out != "" || !strings.Contains(errOut, "imapvault unlock") {
		t.Fatalf("lookup after lock: %q exit %d %q", out, code, errOut)
	}
	log := bus.Log()
	if !strings.Contains(log, "imapvault secret-service: serving org.freedesktop.secrets") || strings.Contains(log, "Sentinel") {
		t.Fatalf("the provider's log:\n%s", log)
	}
}

// Without a session bus the command says so instead of starting one.
func TestSecretServiceNoBus(t *testing.T) {
	s := newSandbox(t)
	s.env = append(s.env, "DBUS_SESSION_BUS_ADDRESS=", "DBUS_STARTER_ADDRESS=")
	r := s.run("", "secret-service")
	if r.code != exitFailure || !strings.Contains(r.stderr, "no session bus") {
		t.Fatalf("exit %d\n%s", r.code, r.stderr)
	}
}
