package cli

import (
	"errors"
	"fmt"
	"os"
	"os/signal"
	"strings"
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
$XDG_RUNTIME_DIR/imapvault/agent.sock (or $IMAPVAULT_AGENT_SOCK), answers
only its own user, and holds an unlocked identity in memory until it locks.

  status   print locked/unlocked, the time left, the idle limit (this
           unlock's, and agent.conf's for the next) and the socket asked
           (never extends it); exit 0 when unlocked, 1 when locked or not
           running
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
	w := agent.Locate(e.getenv)
	logf := func(format string, args ...any) {
		fmt.Fprintf(e.stderr, "imapvault agent: "+format+"\n", args...)
	}
	if w.From == "" {
		logf("XDG_RUNTIME_DIR is not set: using %s", w.Dir)
	}
	l, err := agent.ListenAt(w)
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
	w := agent.Locate(e.getenv)
	c, err := agent.DialAt(w)
	if errors.Is(err, agent.ErrNotRunning) {
		fmt.Fprintf(e.stdout, "not running: %s\n", w.Lost(err))
		e.printLimits(nil)
		if hint := w.Elsewhere(); hint != "" {
			fmt.Fprintln(e.stdout, hint)
		}
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
	e.printLimits(&s)
	memory := "memory locked"
	if !s.MemoryLocked {
		memory = "memory not locked (see its log)"
	}
	fmt.Fprintf(e.stdout, "agent pid %d at %s, %s\n", s.PID, w.Socket, memory)
	if !s.Unlocked {
		return errFound
	}
	return nil
}

// printLimits is agent status's line on the idle timeout: the running
// agent's (s, when unlocked) and what the next unlock gives.
func (e *env) printLimits(s *agent.Status) {
	l, err := agent.LoadLimits(e.getenv)
	next := fmt.Sprintf("an unlock without --ttl/--max gives %s, max %s (%s)", idleWords(l.TTL), limitWords(l.Max), l.Source())
	if err != nil {
		next = fmt.Sprintf("an unlock without --ttl/--max fails: %s", err)
	}
	if s != nil && s.Unlocked {
		next = idleWords(s.TTL) + " now; " + next
	}
	fmt.Fprintln(e.stdout, line(next))
}

// idleWords is an idle limit in words.
func idleWords(d time.Duration) string {
	if d == 0 {
		return "no idle limit"
	}
	return "idle limit " + limitWords(d)
}

// limitWords is a limit as a person writes it: 15m, 2h, 1h30m, none.
func limitWords(d time.Duration) string {
	if d == 0 {
		return "none"
	}
	s := d.Round(time.Second).String()
	if strings.HasSuffix(s, "m0s") {
		s = strings.TrimSuffix(s, "0s")
	}
	if strings.HasSuffix(s, "h0m") {
		s = strings.TrimSuffix(s, "0m")
	}
	return s
}

func (e *env) agentStop() error {
	c, err := agent.DialAt(agent.Locate(e.getenv))
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
