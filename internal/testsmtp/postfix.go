package testsmtp

import (
	"bytes"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"text/template"
	"time"

	"github.com/imapvault/imapvault/internal/testimap"
	"github.com/imapvault/imapvault/internal/testwait"
)

// PostfixOptions configure StartPostfix.
type PostfixOptions struct {
	// AuthAddr is Dovecot's auth listener (testimap.Dovecot.AuthAddr with
	// DovecotOptions.AuthInet): Postfix hands every AUTH to it.
	AuthAddr string
	// SenderLogins is the strict service's smtpd_sender_login_maps:
	// address -> the logins that may send as it. Any other address is
	// refused for every login (reject_sender_login_mismatch).
	SenderLogins map[string][]string
	Cert         testimap.CertSpec
	// AuthBeforeTLS misconfigures the submission service the classic way
	// (smtpd_tls_security_level = may, smtpd_tls_auth_only = no): AUTH
	// is offered, and taken, before STARTTLS. For posture's tests.
	AuthBeforeTLS bool
}

// Postfix is a real Postfix (postfix -c DIR start-fg) with four smtpd
// services on 127.0.0.1: submission (STARTTLS required, AUTH only after
// it), strict (the same with reject_sender_login_mismatch), smtps
// (implicit TLS, wrappermode) and notls (no STARTTLS at all, AUTH in the
// clear).
type Postfix struct {
	dir                              string
	submission, strict, smtps, notls int
	ca                               *testimap.CA
	cmd                              *exec.Cmd
	exited                           chan struct{}

	mu  sync.Mutex
	log bytes.Buffer
}

// StartPostfix starts Postfix and stops it when the test ends. It skips
// (fails under IMAPVAULT_REQUIRE_REAL_DEPS=1) without postfix, or when not
// root: Postfix's master must be.
func StartPostfix(tb testimap.TB, opts PostfixOptions) *Postfix {
	tb.Helper()
	bin := testimap.LookBin(tb, "postfix", "postfix")
	if os.Geteuid() != 0 {
		testimap.Missing(tb, "root (Postfix's master runs as root)", errors.New("not root"))
	}
	p, err := newPostfix(bin, opts)
	if err != nil {
		tb.Fatalf("testsmtp: %v", err)
	}
	tb.Cleanup(p.Close)
	return p
}

func newPostfix(bin string, opts PostfixOptions) (*Postfix, error) {
	if opts.AuthAddr == "" {
		return nil, errors.New("postfix needs PostfixOptions.AuthAddr (a Dovecot auth listener)")
	}
	ca, err := testimap.DefaultCA()
	if err != nil {
		return nil, err
	}
	p := &Postfix{ca: ca}
	for attempt := 0; ; attempt++ {
		err = p.start(bin, opts)
		if err == nil || attempt == 2 || !strings.Contains(err.Error(), "in use") {
			return p, err
		}
	}
}

func (p *Postfix) start(bin string, opts PostfixOptions) (err error) {
	if p.dir, err = os.MkdirTemp("", "testsmtp-postfix-"); err != nil {
		return err
	}
	defer func() {
		if err != nil {
			os.RemoveAll(p.dir)
		}
	}()
	// Postfix's daemons run as postfix and must reach the queue and the
	// certificate's folder.
	if err := os.Chmod(p.dir, 0o755); err != nil {
		return err
	}
	for _, port := range []*int{&p.submission, &p.strict, &p.smtps, &p.notls} {
		if *port, err = freePort(); err != nil {
			return err
		}
	}
	if err := p.writeFiles(opts); err != nil {
		return err
	}
	p.cmd = exec.Command(bin, "-c", filepath.Join(p.dir, "etc"), "start-fg")
	ownGroup(p.cmd)
	p.cmd.WaitDelay = 5 * time.Second // daemons keep the log pipe open
	p.cmd.Stdout, p.cmd.Stderr = &lockedWriter{p}, &lockedWriter{p}
	if err := p.cmd.Start(); err != nil {
		return fmt.Errorf("start postfix: %w", err)
	}
	p.exited = make(chan struct{})
	go func() { _ = p.cmd.Wait(); close(p.exited) }()
	deadline := time.Now().Add(30 * time.Second)
	for {
		select {
		case <-p.exited:
			return fmt.Errorf("postfix exited at startup: %s", p.Log())
		default:
		}
		if ready(p.submission) && ready(p.strict) && ready(p.smtps) && ready(p.notls) {
			return nil
		}
		if time.Now().After(deadline) {
			p.stop()
			return fmt.Errorf("postfix did not listen within 30s: %s", p.Log())
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func (p *Postfix) writeFiles(opts PostfixOptions) error {
	certPEM, keyPEM, err := p.ca.IssuePEM(opts.Cert)
	if err != nil {
		return err
	}
	var logins strings.Builder
	addrs := make([]string, 0, len(opts.SenderLogins))
	for a := range opts.SenderLogins {
		addrs = append(addrs, a)
	}
	sort.Strings(addrs)
	for _, a := range addrs {
		fmt.Fprintf(&logins, "%s %s\n", a, strings.Join(opts.SenderLogins[a], ","))
	}
	data := postfixConf{Dir: p.dir, Submission: p.submission, Strict: p.strict, SMTPS: p.smtps, NoTLS: p.notls, AuthAddr: opts.AuthAddr, AuthBeforeTLS: opts.AuthBeforeTLS}
	files := map[string]string{"cert.pem": string(certPEM), "key.pem": string(keyPEM), "sender_logins": logins.String()}
	for name, tmpl := range map[string]string{"main.cf": postfixMain, "master.cf": postfixMaster} {
		var b bytes.Buffer
		if err := template.Must(template.New(name).Parse(tmpl)).Execute(&b, data); err != nil {
			return fmt.Errorf("postfix %s: %w", name, err)
		}
		files[name] = b.String()
	}
	if err := os.Mkdir(filepath.Join(p.dir, "etc"), 0o755); err != nil {
		return err
	}
	for name, body := range files {
		mode := os.FileMode(0o644)
		if name == "key.pem" {
			mode = 0o600 // smtpd reads it as root, before dropping privileges
		}
		if name == "main.cf" || name == "master.cf" {
			name = filepath.Join("etc", name)
		}
		if err := os.WriteFile(filepath.Join(p.dir, name), []byte(body), mode); err != nil {
			return err
		}
	}
	// The queue belongs to root with subfolders of postfix's (postfix
	// start-fg's check makes them); the data folder is postfix's.
	pf, err := user.Lookup("postfix")
	if err != nil {
		return fmt.Errorf("no user postfix (is the postfix package installed?): %w", err)
	}
	uid, _ := strconv.Atoi(pf.Uid)
	gid, _ := strconv.Atoi(pf.Gid)
	if err := os.Mkdir(filepath.Join(p.dir, "queue"), 0o755); err != nil {
		return err
	}
	data2 := filepath.Join(p.dir, "data")
	if err := os.Mkdir(data2, 0o700); err != nil {
		return err
	}
	return os.Chown(data2, uid, gid)
}

// Host is where Postfix listens.
func (p *Postfix) Host() string { return "127.0.0.1" }

// SubmissionPort requires STARTTLS before AUTH (587-like).
func (p *Postfix) SubmissionPort() int { return p.submission }

// StrictPort is SubmissionPort with reject_sender_login_mismatch.
func (p *Postfix) StrictPort() int { return p.strict }

// SMTPSPort is implicit TLS (465-like).
func (p *Postfix) SMTPSPort() int { return p.smtps }

// NoTLSPort offers no STARTTLS and AUTH in the clear.
func (p *Postfix) NoTLSPort() int { return p.notls }

// Dir is Postfix's folder (config, queue).
func (p *Postfix) Dir() string { return p.dir }

// Log is what Postfix logged (maillog_file = /dev/stdout).
func (p *Postfix) Log() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.log.String()
}

// Queued lists the files in the queue's message folders: a check must
// leave none behind. smtpd asks cleanup for a queue file in incoming/ at
// MAIL FROM and cleanup removes it after RSET, a moment after our QUIT
// has returned; so first wait for incoming/ to drain (a message that was
// really queued moves on to active/ and is counted).
func (p *Postfix) Queued() []string {
	testwait.Until(time.Now().Add(testwait.Patience), func() bool {
		return len(p.files("incoming")) == 0
	})
	return p.files("maildrop", "incoming", "active", "deferred", "hold", "corrupt")
}

func (p *Postfix) files(queues ...string) []string {
	var out []string
	for _, q := range queues {
		_ = filepath.WalkDir(filepath.Join(p.dir, "queue", q), func(path string, d os.DirEntry, err error) error {
			if err == nil && !d.IsDir() {
				out = append(out, strings.TrimPrefix(path, p.dir+"/"))
			}
			return nil
		})
	}
	return out
}

// Close stops Postfix and removes its folder.
func (p *Postfix) Close() {
	p.stop()
	os.RemoveAll(p.dir)
}

func (p *Postfix) stop() {
	if p.cmd == nil || p.cmd.Process == nil {
		return
	}
	// master makes a session of its own (setsid), so neither a signal to
	// start-fg's shell nor to its process group reaches it: signal the
	// pid in its pid file. On SIGTERM it stops its daemons at once.
	master := 0
	if b, err := os.ReadFile(filepath.Join(p.dir, "queue", "pid", "master.pid")); err == nil {
		master, _ = strconv.Atoi(strings.TrimSpace(string(b)))
	}
	if master > 1 {
		terminate(master)
	}
	terminate(-p.cmd.Process.Pid)
	select {
	case <-p.exited:
	case <-time.After(15 * time.Second):
		_ = p.cmd.Process.Kill()
		<-p.exited
	}
	if master > 1 {
		kill(-master) // daemons left behind share its group
	}
}

type lockedWriter struct{ p *Postfix }

func (w *lockedWriter) Write(b []byte) (int, error) {
	w.p.mu.Lock()
	defer w.p.mu.Unlock()
	if w.p.log.Len() < 4<<20 {
		w.p.log.Write(b)
	}
	return len(b), nil
}

func ready(port int) bool {
	c, err := net.DialTimeout("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(port)), time.Second)
	if err != nil {
		return false
	}
	c.Close()
	return true
}

func freePort() (int, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, fmt.Errorf("find free port: %w", err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port, nil
}
