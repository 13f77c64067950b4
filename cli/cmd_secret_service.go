package cli

import (
	"errors"
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"

	"github.com/godbus/dbus/v5"

	"github.com/imapvault/imapvault/agent"
	"github.com/imapvault/imapvault/secretservice"
)

func init() {
	register(command{name: "secret-service", summary: "serve the vault to desktop clients and msmtp as the Secret Service (read-only)", run: runSecretService})
}

func runSecretService(e *env, args []string) error {
	fs := e.flags("secret-service", "secret-service [--replace]", `
Owns org.freedesktop.secrets on the session bus and serves the vault there,
read-only, through the unlocked agent (it never opens the identity): what
libsecret clients (msmtp without a password setting, desktop mail programs,
secret-tool) ask. One collection, aliased "default", holds one item per
account that logs in with a password and one per SMTP endpoint, labelled
"imapvault: NAME", with the attributes account, user, username, login, host,
server, port, service and protocol (imap or smtp); SMTP items also answer
msmtp's schema de.marlam.msmtp.password.

Every request asks the agent again, so an edit or a rotation is served at
once. While the agent is locked the items are locked and a client is told to
run 'imapvault unlock'. Writes (storing, changing or deleting a secret) are
refused: the vault is the source ('imapvault edit', 'imapvault rotate').
Runs in the foreground; its log (never a secret) goes to stderr. For bus
activation and a systemd user unit see contrib/.`)
	replace := fs.Bool("replace", false, "take the name from the provider that owns it (gnome-keyring, KeePassXC...)")
	pos, err := parse(fs, args)
	if err != nil {
		return err
	}
	if len(pos) > 0 {
		return usageErr(fmt.Errorf("secret-service takes no arguments, got %q", pos[0]), "run 'imapvault secret-service --help'")
	}
	addr, err := sessionBusAddress(e.getenv)
	if err != nil {
		return err
	}
	conn, err := dbus.Connect(addr)
	if err != nil {
		return withHint(fmt.Errorf("connect to the session bus at %s: %w", addr, err), "run it inside your desktop session (or set DBUS_SESSION_BUS_ADDRESS)")
	}
	defer conn.Close()
	logf := func(format string, args ...any) {
		fmt.Fprintf(e.stderr, "imapvault secret-service: "+format+"\n", args...)
	}
	w := agent.Locate(e.getenv)
	if w.From == "" {
		logf("XDG_RUNTIME_DIR is not set: looking for the agent at %s", w.Socket)
	}
	src := &secretservice.Agent{Socket: w.Socket, Vault: agent.AbsPath(e.vaultPath), Identity: e.identityPath}
	svc, err := secretservice.New(conn, src, logf)
	if err != nil {
		return err
	}
	if err := svc.Claim(*replace); err != nil {
		var taken *secretservice.NameTakenError
		if errors.As(err, &taken) && !taken.Replace {
			return withHint(err, "stop that provider, or run 'imapvault secret-service --replace' to take the name from it")
		}
		if errors.As(err, &taken) {
			return withHint(err, "stop that provider first (its own settings or systemd unit), then start this one")
		}
		return err
	}
	stop := make(chan struct{})
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, syscall.SIGINT, syscall.SIGTERM)
	defer signal.Stop(sig)
	go func() {
		s := <-sig
		logf("stopping on %v", s)
		close(stop)
	}()
	err = svc.Serve(stop)
	if errors.Is(err, secretservice.ErrReplaced) {
		return nil // another provider took over on purpose: not a failure
	}
	return err
}

// sessionBusAddress is the session bus to serve on. It never starts a bus
// (godbus would run dbus-launch): no bus is an error that says so.
func sessionBusAddress(getenv func(string) string) (string, error) {
	for _, v := range []string{"DBUS_SESSION_BUS_ADDRESS", "DBUS_STARTER_ADDRESS"} {
		if a := getenv(v); a != "" {
			return a, nil
		}
	}
	if d := getenv("XDG_RUNTIME_DIR"); d != "" {
		p := filepath.Join(d, "bus")
		if st, err := os.Stat(p); err == nil && st.Mode()&os.ModeSocket != 0 {
			return "unix:path=" + p, nil
		}
	}
	return "", withHint(errors.New("no session bus: DBUS_SESSION_BUS_ADDRESS is not set and $XDG_RUNTIME_DIR/bus does not exist"),
		"run it inside your desktop session, or as the systemd user unit in contrib/systemd/user")
}
