package testimap

import (
	"bytes"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
)

// DNS is a real dnsmasq answering on 127.0.0.1 (UDP and TCP, one high
// port) from its records only: it reads no resolv.conf and no hosts file,
// forwards nothing, and logs every query, so a test can prove which
// questions reached it.
type DNS struct {
	dir    string
	port   int
	cmd    *exec.Cmd
	exited chan struct{}
	stderr lockedBuffer
}

// lockedBuffer is dnsmasq's stderr, written by exec's copier while the
// start loop reads it.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// DNSRecords are what the server answers. Every name under Zones that has
// no record is answered NXDOMAIN (dnsmasq's local=), never forwarded.
type DNSRecords struct {
	A     map[string]string // name -> IPv4 address (that name only)
	MX    []DNSMX
	SRV   []DNSSRV
	Zones []string // nil: "test"
}

// DNSMX is one MX record.
type DNSMX struct {
	Name, Target string
	Pref         int
}

// DNSSRV is one SRV record; Name is the whole owner, "_imaps._tcp.x.test".
type DNSSRV struct {
	Name, Target           string
	Port, Priority, Weight int
}

// StartDNS starts dnsmasq with recs and stops it when the test ends.
// Without dnsmasq it skips the test, or fails it under
// IMAPVAULT_REQUIRE_REAL_DEPS=1.
func StartDNS(tb TB, recs DNSRecords) *DNS {
	tb.Helper()
	bin := LookBin(tb, "dnsmasq", "dnsmasq-base")
	var err error
	for try := 0; try < 5; try++ {
		var d *DNS
		if d, err = startDNS(bin, recs); err == nil {
			tb.Cleanup(d.Close)
			return d
		}
		if !errors.Is(err, errPortTaken) {
			break
		}
	}
	tb.Fatalf("testimap: %v", err)
	return nil
}

var errPortTaken = errors.New("port taken meanwhile")

func startDNS(bin string, recs DNSRecords) (d *DNS, err error) {
	d = &DNS{}
	if d.dir, err = os.MkdirTemp("", "testimap-dnsmasq-"); err != nil {
		return nil, fmt.Errorf("dnsmasq temp dir: %w", err)
	}
	defer func() {
		if err != nil {
			os.RemoveAll(d.dir)
		}
	}()
	if d.port, err = freeUDPTCPPort(); err != nil {
		return nil, err
	}
	conf := filepath.Join(d.dir, "dnsmasq.conf")
	body, err := d.config(recs)
	if err != nil {
		return nil, err
	}
	if err := os.WriteFile(conf, []byte(body), 0o644); err != nil {
		return nil, fmt.Errorf("write dnsmasq.conf: %w", err)
	}
	// -k: stay in the foreground, so Close owns the process; -C: this file
	// and not /etc/dnsmasq.conf.
	d.cmd = exec.Command(bin, "-k", "-C", conf)
	d.cmd.Stdout, d.cmd.Stderr = &d.stderr, &d.stderr
	if err := d.cmd.Start(); err != nil {
		return nil, fmt.Errorf("start dnsmasq: %w", err)
	}
	d.exited = make(chan struct{})
	go func() { _ = d.cmd.Wait(); close(d.exited) }()
	deadline := time.Now().Add(15 * time.Second)
	for {
		select {
		case <-d.exited:
			msg := strings.TrimSpace(d.stderr.String())
			if strings.Contains(msg, "in use") {
				return nil, fmt.Errorf("dnsmasq: %s: %w", msg, errPortTaken)
			}
			return nil, fmt.Errorf("dnsmasq exited at startup: %s", msg)
		default:
		}
		if ready(d.port) {
			return d, nil
		}
		if time.Now().After(deadline) {
			d.stop()
			return nil, fmt.Errorf("dnsmasq did not listen within 15s: %s", strings.TrimSpace(d.stderr.String()))
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// config is dnsmasq.conf. As root dnsmasq would drop to "nobody" after
// start; it runs as the user who started it instead (root in CI), so it can
// keep writing its log in the temp dir.
func (d *DNS) config(recs DNSRecords) (string, error) {
	u, err := user.Current()
	if err != nil {
		return "", fmt.Errorf("current user: %w", err)
	}
	g, err := user.LookupGroupId(u.Gid)
	if err != nil {
		return "", fmt.Errorf("current group: %w", err)
	}
	var b strings.Builder
	fmt.Fprintf(&b, "port=%d\nlisten-address=127.0.0.1\nbind-interfaces\n", d.port)
	fmt.Fprintf(&b, "no-resolv\nno-hosts\nno-negcache\nlog-queries\nlog-facility=%s\npid-file=%s\n",
		filepath.Join(d.dir, "dnsmasq.log"), filepath.Join(d.dir, "dnsmasq.pid"))
	fmt.Fprintf(&b, "user=%s\ngroup=%s\n", u.Username, g.Name)
	zones := recs.Zones
	if zones == nil {
		zones = []string{"test"}
	}
	for _, z := range zones {
		fmt.Fprintf(&b, "local=/%s/\n", z)
	}
	for name, ip := range recs.A {
		fmt.Fprintf(&b, "host-record=%s,%s\n", name, ip)
	}
	for _, m := range recs.MX {
		fmt.Fprintf(&b, "mx-host=%s,%s,%d\n", m.Name, m.Target, m.Pref)
	}
	for _, s := range recs.SRV {
		fmt.Fprintf(&b, "srv-host=%s,%s,%d,%d,%d\n", s.Name, s.Target, s.Port, s.Priority, s.Weight)
	}
	return b.String(), nil
}

// Addr is HOST:PORT of the server (IMAPVAULT_RESOLVER's form).
func (d *DNS) Addr() string { return net.JoinHostPort("127.0.0.1", strconv.Itoa(d.port)) }

// Log is dnsmasq's log so far: one "query[TYPE] NAME from ..." line per
// question.
func (d *DNS) Log() string {
	b, _ := os.ReadFile(filepath.Join(d.dir, "dnsmasq.log"))
	return string(b)
}

// Close stops dnsmasq and removes its directory.
func (d *DNS) Close() {
	d.stop()
	os.RemoveAll(d.dir)
}

func (d *DNS) stop() {
	if d.cmd == nil || d.cmd.Process == nil {
		return
	}
	_ = d.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-d.exited:
	case <-time.After(5 * time.Second):
		_ = d.cmd.Process.Kill()
		<-d.exited
	}
	d.cmd = nil
}

// freeUDPTCPPort is a port free for both UDP and TCP on 127.0.0.1 (DNS
// listens on both).
func freeUDPTCPPort() (int, error) {
	for try := 0; try < 20; try++ {
		pc, err := net.ListenPacket("udp", "127.0.0.1:0")
		if err != nil {
			return 0, fmt.Errorf("find free port: %w", err)
		}
		port := pc.LocalAddr().(*net.UDPAddr).Port
		ln, err := net.Listen("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(port)))
		pc.Close()
		if err == nil {
			ln.Close()
			return port, nil
		}
	}
	return 0, errors.New("find free port: no port free for both UDP and TCP")
}
