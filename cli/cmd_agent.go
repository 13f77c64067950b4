package cli

import (
	"errors"
	"fmt"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/imapvault/imapvault/agent"
)

func init() {
	register(command{name: "agent", summary: "run the unlock agent (status, stop)", run: runAgent})
}

func runAgent(e *env, args []string) error {
	fs := e.flags("agent", "agent [status | stop]", `
Bare, runs the unlock agent in the foreground (for a systemd user unit;
'imapvault unlock' starts one in the background by itself). It listens on
$XDG_RUNTIME_DIR/imapvault/agent.sock, answers only its own user, and
holds an unlocked identity in memory until it locks.

  status   print locked/unlocked and the time left (never extends it);
           exit 0 when unlocked, 1 when locked or not running
  stop     lock and end the agent`)
	pos, err := parse(fs, args)
	if err != nil {
		return err
	}
	if len(pos) > 1 {
		return usageErr(fmt.Errorf("unexpected argument %q", pos[1]), "run 'imapvault agent --help'")
	}
	sub := ""
	if len(pos) == 1 {
		sub = pos[0]
	}
	switch sub {
	case "":
		return e.serveAgent()
	case "status":
		return e.agentStatus()
	case "stop":
		return e.agentStop()
	}
	return usageErr(fmt.Errorf("unknown agent command %q", sub), "use 'imapvault agent', 'agent status' or 'agent stop'")
}

func (e *env) serveAgent() error {
	dir, fallback := agent.Dir(e.getenv)
	logf := func(format string, args ...any) {
		fmt.Fprintf(e.stderr, "imapvault agent: "+format+"\n", args...)
	}
	if fallback {
		logf("XDG_RUNTIME_DIR is not set: using %s", dir)
	}
	l, err := agent.Listen(dir)
	if err != nil {
		return err
	}
	defer l.Close()
	os.Chdir("/") // hold no folder busy
	k := agent.NewKeyring(nil)
	k.Logf = logf
	if err := agent.LockMemory(); err != nil {
		logf("%v", err)
	} else {
		k.SetMemoryLocked(true)
	}
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, syscall.SIGINT, syscall.SIGTERM)
	go func() {
		s := <-sig
		logf("stopping on %v", s)
		k.Stop()
	}()
	logf("listening on %s (pid %d)", l.Path, os.Getpid())
	err = agent.Serve(k, l.UnixListener)
	logf("stopped")
	return err
}

func (e *env) agentStatus() error {
	dir, _ := agent.Dir(e.getenv)
	c, err := agent.Dial(agent.SocketPath(dir))
	if errors.Is(err, agent.ErrNotRunning) {
		fmt.Fprintln(e.stdout, "not running")
		return errFound
	}
	if err != nil {
		return err
	}
	defer c.Close()
	s, err := c.Status()
	if err != nil {
		return err
	}
	fmt.Fprintln(e.stdout, describeStatus(s, time.Now()))
	if s.MemoryLocked {
		fmt.Fprintf(e.stdout, "agent pid %d, memory locked\n", s.PID)
	} else {
		fmt.Fprintf(e.stdout, "agent pid %d, memory not locked (see its log)\n", s.PID)
	}
	if !s.Unlocked {
		return errFound
	}
	return nil
}

func (e *env) agentStop() error {
	dir, _ := agent.Dir(e.getenv)
	c, err := agent.Dial(agent.SocketPath(dir))
	if errors.Is(err, agent.ErrNotRunning) {
		fmt.Fprintln(e.stdout, "not running")
		return nil
	}
	if err != nil {
		return err
	}
	defer c.Close()
	if err := c.Stop(); err != nil {
		return err
	}
	fmt.Fprintln(e.stdout, "stopped")
	return nil
}
