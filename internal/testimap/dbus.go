package testimap

import (
	"bufio"
	"bytes"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"time"
)

// SessionBus is a private session bus (the real dbus-daemon) in a temp
// folder, stopped at cleanup.
type SessionBus struct {
	Addr string // DBUS_SESSION_BUS_ADDRESS for clients
	cmd  *exec.Cmd
	mu   sync.Mutex
	log  bytes.Buffer
}

// Log is what the bus and the services it activated wrote on stderr.
func (b *SessionBus) Log() string { b.mu.Lock(); defer b.mu.Unlock(); return b.log.String() }

func (b *SessionBus) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.log.Len() < 1<<20 {
		b.log.Write(p)
	}
	return len(p), nil
}

// StartSessionBus runs dbus-daemon with a config of its own in dir (a
// fresh temp folder when ""): it knows only the activation files in
// servicesDir ("" none), never the system's. env is the bus's environment,
// which the services it activates inherit; nil means this process's.
func StartSessionBus(tb TB, dir, servicesDir string, env []string) *SessionBus {
	tb.Helper()
	bin := LookBin(tb, "dbus-daemon", "dbus-daemon")
	if dir == "" {
		d, err := os.MkdirTemp("", "bus")
		if err != nil {
			tb.Fatalf("%v", err)
		}
		tb.Cleanup(func() { os.RemoveAll(d) })
		dir = d
	}
	svc := ""
	if servicesDir != "" {
		svc = "<servicedir>" + servicesDir + "</servicedir>"
	}
	conf := filepath.Join(dir, "session.conf")
	err := os.WriteFile(conf, []byte(`<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig><type>session</type><listen>unix:path=`+filepath.Join(dir, "bus")+`</listen><auth>EXTERNAL</auth>`+svc+`
<policy context="default"><allow send_destination="*" eavesdrop="true"/><allow eavesdrop="true"/><allow own="*"/></policy>
</busconfig>
`), 0o600)
	if err != nil {
		tb.Fatalf("%v", err)
	}
	b := &SessionBus{}
	b.cmd = exec.Command(bin, "--config-file="+conf, "--nofork", "--print-address")
	b.cmd.Env = env
	b.cmd.Stderr = b
	out, err := b.cmd.StdoutPipe()
	if err != nil {
		tb.Fatalf("%v", err)
	}
	if err := b.cmd.Start(); err != nil {
		tb.Fatalf("start dbus-daemon: %v", err)
	}
	tb.Cleanup(func() { b.cmd.Process.Kill(); b.cmd.Wait() })
	addr := make(chan string, 1)
	go func() {
		r := bufio.NewReader(out)
		line, _ := r.ReadString('\n')
		addr <- strings.TrimSpace(line)
		io.Copy(io.Discard, r)
	}()
	select {
	case b.Addr = <-addr:
	case <-time.After(60 * time.Second):
	}
	if b.Addr == "" {
		tb.Fatalf("dbus-daemon printed no address: %s", b.Log())
	}
	return b
}
