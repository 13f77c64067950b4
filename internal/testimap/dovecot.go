package testimap

import (
	"bytes"
	"crypto/x509"
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
	"text/template"
	"time"
)

// ErrNoDovecot means the dovecot binary is not installed.
var ErrNoDovecot = errors.New("dovecot is not installed")

// Dovecot is a real Dovecot running from a temporary directory, with an
// implicit-TLS listener and a STARTTLS listener on 127.0.0.1.
//
// Dovecot counts 127.0.0.1 -> 127.0.0.1 as secure and allows cleartext
// login there; connect from 127.0.0.2 (imapcheck.Target.LocalAddr) to see
// LOGINDISABLED before STARTTLS.
type Dovecot struct {
	dir      string
	version  string
	implicit int
	starttls int
	authPort int // 0 unless DovecotOptions.AuthInet
	ca       *CA
	cert     CertSpec
	cmd      *exec.Cmd
	exited   chan struct{}
	owner    *user.User // owner of the passwd file; nil when not root
	opts     DovecotOptions

	mu     sync.Mutex
	users  map[string]string
	hashes map[string]string // user -> "{SCHEME}hash" of users[user]
	closed bool
}

// DovecotOptions configure StartDovecotWith.
type DovecotOptions struct {
	Users map[string]string
	Cert  CertSpec // e.g. Days: -1 for an expired certificate
	// The rest is for Dovecot 2.3 (Debian 12) only, for tests of other
	// passdbs (LDAP, OAuth2): auth mechanisms (default "plain login"), a
	// whole passdb block replacing the passwd-file one, config appended at
	// the end, and files written into Dir before start. Templates in them
	// may use {{.Dir}}.
	AuthMechanisms string
	Passdb         string
	Extra          string
	Files          map[string][]byte
	// Scheme is how the passwd file stores passwords: "" is SHA512-CRYPT
	// (hashed with `doveadm pw`, the password on its stdin), "PLAIN" keeps
	// them in clear. Every line carries its {SCHEME} prefix: a hash
	// without it would be read with the args' default scheme.
	Scheme string
	// AuthInet opens Dovecot's auth service on a TCP port (AuthAddr) for
	// an MTA's SASL (Postfix smtpd_sasl_type = dovecot, smtpd_sasl_path =
	// inet:AuthAddr), so that SMTP AUTH checks this passdb.
	AuthInet bool
	// Listen is the address Dovecot listens on; "" is 127.0.0.1. On
	// 127.0.0.2, dialled from 127.0.0.1, no connection counts as secure,
	// so the rules for cleartext show before STARTTLS. The certificate
	// names it too unless Cert.Hosts is set.
	Listen string
	// A weak server for posture tests (Dovecot 2.3 only): the lowest TLS
	// protocol ("" is TLSv1.2; "TLSv1" needs CipherList with
	// "@SECLEVEL=0" under OpenSSL 3), ssl_cipher_list ("" keeps
	// Dovecot's), and PlaintextAuth allows cleartext logins on insecure
	// connections (disable_plaintext_auth = no).
	MinProtocol   string
	CipherList    string
	PlaintextAuth bool
}

// DefaultScheme is how the helper's passwd file stores passwords.
const DefaultScheme = "SHA512-CRYPT"

// StartDovecot starts Dovecot and stops it when the test ends. Without
// Dovecot installed it skips the test, or fails it when
// IMAPVAULT_REQUIRE_REAL_DEPS=1.
func StartDovecot(tb TB, users map[string]string) *Dovecot {
	tb.Helper()
	return StartDovecotWith(tb, DovecotOptions{Users: users})
}

// StartDovecotWith is StartDovecot with more options.
func StartDovecotWith(tb TB, opts DovecotOptions) *Dovecot {
	tb.Helper()
	d, err := NewDovecotWith(opts)
	if errors.Is(err, ErrNoDovecot) {
		if RealRequired() {
			tb.Fatalf("testimap: %v, and %s=1", err, RequireRealEnv)
		}
		tb.Skipf("testimap: %v (apt-get install dovecot-imapd)", err)
	}
	if err != nil {
		tb.Fatalf("testimap: %v", err)
	}
	tb.Cleanup(d.Close)
	return d
}

// NewDovecot starts Dovecot in a new temporary directory. Call Close.
func NewDovecot(users map[string]string) (*Dovecot, error) {
	return NewDovecotWith(DovecotOptions{Users: users})
}

// NewDovecotWith is NewDovecot with more options.
func NewDovecotWith(opts DovecotOptions) (*Dovecot, error) {
	bin, err := exec.LookPath("dovecot")
	if err != nil {
		return nil, ErrNoDovecot
	}
	out, err := exec.Command(bin, "--version").Output()
	if err != nil {
		return nil, fmt.Errorf("dovecot --version: %w", err)
	}
	ca, err := DefaultCA()
	if err != nil {
		return nil, err
	}
	d := &Dovecot{version: strings.TrimSpace(string(out)), ca: ca, cert: opts.Cert, users: make(map[string]string), hashes: make(map[string]string), opts: opts}
	if d.opts.Scheme == "" {
		d.opts.Scheme = DefaultScheme
	}
	for u, p := range opts.Users {
		d.users[u] = p
	}
	// A port picked from a closed listener can be taken by someone else
	// before Dovecot binds it; try again with new ports then.
	for attempt := 0; ; attempt++ {
		err = d.start(bin)
		if err == nil || attempt == 2 || !strings.Contains(err.Error(), "in use") {
			return d, err
		}
	}
}

func (d *Dovecot) start(bin string) (err error) {
	if d.dir, err = os.MkdirTemp("", "testimap-dovecot-"); err != nil {
		return fmt.Errorf("dovecot temp dir: %w", err)
	}
	defer func() {
		if err != nil {
			os.RemoveAll(d.dir)
		}
	}()
	if d.implicit, err = freePortOn(d.Host()); err != nil {
		return err
	}
	if d.starttls, err = freePortOn(d.Host()); err != nil {
		return err
	}
	if d.opts.AuthInet {
		if d.authPort, err = freePort(); err != nil {
			return err
		}
	}
	conf, err := d.writeFiles()
	if err != nil {
		return err
	}
	d.cmd = exec.Command(bin, "-F", "-c", conf)
	ownGroup(d.cmd) // so Close can reap its children
	var stderr bytes.Buffer
	d.cmd.Stdout, d.cmd.Stderr = &stderr, &stderr
	if err := d.cmd.Start(); err != nil {
		return fmt.Errorf("start dovecot: %w", err)
	}
	d.exited = make(chan struct{})
	go func() { _ = d.cmd.Wait(); close(d.exited) }()

	deadline := time.Now().Add(15 * time.Second)
	for {
		select {
		case <-d.exited:
			return fmt.Errorf("dovecot %s exited at startup: %s %s", d.version, strings.TrimSpace(stderr.String()), d.Log())
		default:
		}
		if readyOn(d.Host(), d.implicit) && readyOn(d.Host(), d.starttls) && (d.authPort == 0 || readyOn("127.0.0.1", d.authPort)) {
			return nil
		}
		if time.Now().After(deadline) {
			d.stop()
			return fmt.Errorf("dovecot did not listen within 15s: %s %s", strings.TrimSpace(stderr.String()), d.Log())
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// ready and freePort are readyOn and freePortOn for 127.0.0.1.
func ready(port int) bool { return readyOn("127.0.0.1", port) }

func freePort() (int, error) { return freePortOn("127.0.0.1") }

func readyOn(host string, port int) bool {
	c, err := net.DialTimeout("tcp", net.JoinHostPort(host, strconv.Itoa(port)), time.Second)
	if err != nil {
		return false
	}
	c.Close()
	return true
}

func freePortOn(host string) (int, error) {
	ln, err := net.Listen("tcp", net.JoinHostPort(host, "0"))
	if err != nil {
		return 0, fmt.Errorf("find free port: %w", err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port, nil
}

// writeFiles writes certificate, users and config, and returns the config
// path. As root, Dovecot's own users need to reach the directory: the auth
// process (user dovecot) reads the passwd file, mail processes run as
// nobody. As anyone else, every Dovecot user is the current user.
func (d *Dovecot) writeFiles() (string, error) {
	spec := d.cert
	if spec.Hosts == nil && d.opts.Listen != "" {
		spec.Hosts = append([]string{d.opts.Listen}, DefaultHosts...)
	}
	certPEM, keyPEM, err := d.ca.IssuePEM(spec)
	if err != nil {
		return "", err
	}
	data := dovecotConf{Dir: d.dir, Implicit: d.implicit, StartTLS: d.starttls, AuthPort: d.authPort, AuthMechanisms: "plain login",
		Listen: d.Host(), MinProtocol: "TLSv1.2", CipherList: d.opts.CipherList, PlaintextAuth: d.opts.PlaintextAuth}
	if d.opts.MinProtocol != "" {
		data.MinProtocol = d.opts.MinProtocol
	}
	if d.opts.AuthMechanisms != "" {
		data.AuthMechanisms = d.opts.AuthMechanisms
	}
	for _, part := range []struct {
		dst *string
		src string
	}{{&data.Passdb, d.opts.Passdb}, {&data.Extra, d.opts.Extra}} {
		var b bytes.Buffer
		if err := template.Must(template.New("part").Parse(part.src)).Execute(&b, data); err != nil {
			return "", fmt.Errorf("dovecot config part: %w", err)
		}
		*part.dst = b.String()
	}
	if os.Geteuid() == 0 {
		if d.owner, err = user.Lookup("dovecot"); err != nil {
			return "", fmt.Errorf("dovecot runs as root but has no user 'dovecot': %w", err)
		}
		data.InternalUser, data.LoginUser, data.MailUID, data.MailGID = "dovecot", "dovenull", "65534", "65534"
		if err := os.Chmod(d.dir, 0o755); err != nil {
			return "", err
		}
	} else {
		me, err := user.Current()
		if err != nil {
			return "", fmt.Errorf("current user: %w", err)
		}
		data.InternalUser, data.LoginUser, data.MailUID, data.MailGID = me.Username, me.Username, me.Uid, me.Gid
	}
	group, err := user.LookupGroupId(data.MailGID)
	if err == nil {
		data.InternalGroup = group.Name
	}
	if d.owner != nil {
		if g, err := user.LookupGroupId(d.owner.Gid); err == nil {
			data.InternalGroup = g.Name
		}
	}
	home := filepath.Join(d.dir, "home")
	if err := os.MkdirAll(home, 0o777); err != nil {
		return "", err
	}
	if err := os.Chmod(home, 0o777); err != nil { // mail processes create homes as MailUID
		return "", err
	}
	files := map[string][]byte{"cert.pem": certPEM, "key.pem": keyPEM}
	for name, b := range d.opts.Files {
		files[name] = b
	}
	for name, b := range files {
		if err := os.WriteFile(filepath.Join(d.dir, name), b, 0o600); err != nil {
			return "", err
		}
		if _, extra := d.opts.Files[name]; extra && d.owner != nil {
			// Passdb args files (an oauth2 config, say) are read by the
			// auth process, which runs as Dovecot's internal user.
			uid, _ := strconv.Atoi(d.owner.Uid)
			gid, _ := strconv.Atoi(d.owner.Gid)
			if err := os.Chown(filepath.Join(d.dir, name), uid, gid); err != nil {
				return "", err
			}
		}
	}
	if err := d.writePasswd(); err != nil {
		return "", err
	}
	tmpl := dovecot23
	if !strings.HasPrefix(d.version, "2.3") && !strings.HasPrefix(d.version, "2.2") {
		tmpl = dovecot24
	}
	var conf bytes.Buffer
	if err := template.Must(template.New("conf").Parse(tmpl)).Execute(&conf, data); err != nil {
		return "", fmt.Errorf("dovecot config: %w", err)
	}
	path := filepath.Join(d.dir, "dovecot.conf")
	return path, os.WriteFile(path, conf.Bytes(), 0o644)
}

// writePasswd rewrites the passwd file atomically: Dovecot must never read
// half a file. Passwords are hashed with Options.Scheme (SHA512-CRYPT by
// default), each line with its {SCHEME} prefix.
func (d *Dovecot) writePasswd() error {
	var b strings.Builder
	for u, p := range d.users {
		// The password is stored hashed, so only the user name must keep
		// clear of the file's separator.
		if strings.ContainsAny(u, ":\n\r\x00") || strings.ContainsAny(p, "\n\r\x00") {
			return fmt.Errorf("dovecot passwd-file cannot hold ':' in a user name or newlines (user %q)", u)
		}
		h, ok := d.hashes[u]
		if !ok {
			var err error
			if h, err = HashPassword(d.opts.Scheme, p); err != nil {
				return fmt.Errorf("user %q: %w", u, err)
			}
			d.hashes[u] = h
		}
		fmt.Fprintf(&b, "%s:%s::::::\n", u, h)
	}
	tmp, err := os.CreateTemp(d.dir, "passwd-*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.WriteString(b.String()); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	if d.owner != nil {
		uid, _ := strconv.Atoi(d.owner.Uid)
		gid, _ := strconv.Atoi(d.owner.Gid)
		if err := os.Chown(tmp.Name(), uid, gid); err != nil {
			return err
		}
	}
	// Dovecot rereads the file when its mtime (whole seconds) or size
	// changed; hashes of one scheme have one length, so the new file's
	// mtime must fall in a later second than the old one's. Set it
	// explicitly: the kernel stamps a write with a clock that lags
	// time.Now by up to a tick, so a write just after a second turned can
	// still carry the second before.
	path := filepath.Join(d.dir, "passwd")
	if st, err := os.Stat(path); err == nil {
		if err := os.Chtimes(tmp.Name(), time.Time{}, nextStamp(st.ModTime(), time.Now())); err != nil {
			return err
		}
	}
	return os.Rename(tmp.Name(), path)
}

// SetPassword adds the user or changes the password, and returns once
// Dovecot takes it: a login with it succeeds. (Dovecot notices a changed
// passwd file by its mtime, and looks at most once a second.) With a
// passdb of the test's own (Options.Passdb) it only rewrites the file.
func (d *Dovecot) SetPassword(user, pw string) error {
	d.mu.Lock()
	d.users[user] = pw
	delete(d.hashes, user)
	err := d.writePasswd()
	d.mu.Unlock()
	if err != nil || d.opts.Passdb != "" {
		return err
	}
	return d.waitLogin(user, pw)
}

// nextStamp is the mtime for a rewrite of a file whose mtime was old: now,
// or the start of the second after old's when now falls in the same
// second (or before it, for a file stamped ahead), so that a reader that
// compares whole seconds, like Dovecot, sees a change.
func nextStamp(old, now time.Time) time.Time {
	if next := old.Truncate(time.Second).Add(time.Second); now.Before(next) {
		return next
	}
	return now
}

// Dir is Dovecot's temporary directory (config, passwd file, log).
func (d *Dovecot) Dir() string { return d.dir }

// Host is where Dovecot listens.
func (d *Dovecot) Host() string {
	if d.opts.Listen != "" {
		return d.opts.Listen
	}
	return "127.0.0.1"
}

// ImplicitPort is the implicit-TLS (993-like) port.
func (d *Dovecot) ImplicitPort() int { return d.implicit }

// StartTLSPort is the cleartext port that offers STARTTLS (143-like).
func (d *Dovecot) StartTLSPort() int { return d.starttls }

// AuthAddr is host:port of the auth service's TCP listener (the SASL
// protocol Postfix speaks to Dovecot); "" unless DovecotOptions.AuthInet.
func (d *Dovecot) AuthAddr() string {
	if d.authPort == 0 {
		return ""
	}
	return net.JoinHostPort("127.0.0.1", strconv.Itoa(d.authPort))
}

// RootCAs trusts Dovecot's certificate.
func (d *Dovecot) RootCAs() *x509.CertPool { return d.ca.Pool }

// Version is what dovecot --version printed.
func (d *Dovecot) Version() string { return d.version }

// Log returns Dovecot's log, for failure messages.
func (d *Dovecot) Log() string {
	b, err := os.ReadFile(filepath.Join(d.dir, "dovecot.log"))
	if err != nil {
		return ""
	}
	return "log: " + string(b)
}

// Freeze stops every Dovecot process (SIGSTOP to its process group): the
// kernel still accepts connections, but nobody answers — a stalled server.
func (d *Dovecot) Freeze() error { return signalGroup(d.cmd.Process.Pid, groupStop) }

// Thaw undoes Freeze.
func (d *Dovecot) Thaw() error { return signalGroup(d.cmd.Process.Pid, groupCont) }

// Close stops Dovecot and removes its directory.
func (d *Dovecot) Close() {
	d.mu.Lock()
	if d.closed {
		d.mu.Unlock()
		return
	}
	d.closed = true
	d.mu.Unlock()
	d.stop()
	os.RemoveAll(d.dir)
}

func (d *Dovecot) stop() {
	if d.cmd == nil || d.cmd.Process == nil {
		return
	}
	pid := d.cmd.Process.Pid
	_ = signalGroup(pid, groupCont) // in case it is frozen
	_ = d.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-d.exited:
	case <-time.After(5 * time.Second):
		_ = d.cmd.Process.Kill()
		<-d.exited
	}
	// Children left behind by a killed master share its process group.
	_ = signalGroup(pid, groupKill)
}
