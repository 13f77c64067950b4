package recipe

import (
	"bufio"
	"bytes"
	"context"
	"crypto/tls"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/imapvault/imapvault/imapcheck"
	"github.com/imapvault/imapvault/internal/testwait"
)

// child is the recipe running as its own process, as a hook runs it.
type child struct {
	cmd     *exec.Cmd
	out     *bufio.Reader
	stderr  bytes.Buffer
	stdout  bytes.Buffer // read it only after done
	release *os.File     // closing it lets a stalled child go on
	done    chan error
}

// startChild runs recipe name with the two passwords on stdin and env (the
// only environment it gets, besides PATH and the test switches).
func startChild(t *testing.T, name, old, new string, env map[string]string, stallAt string) *child {
	t.Helper()
	cmd := exec.Command(os.Args[0], name)
	cmd.Env = []string{childEnv + "=1", "PATH=" + os.Getenv("PATH"), stallEnv + "=" + stallAt}
	for k, v := range env {
		cmd.Env = append(cmd.Env, k+"="+v)
	}
	cmd.Stdin = strings.NewReader(old + "\n" + new + "\n")
	c := &child{cmd: cmd, done: make(chan error, 1)}
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	c.release = w
	cmd.ExtraFiles = []*os.File{r}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = &c.stderr
	c.out = bufio.NewReader(stdout)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	r.Close()
	t.Cleanup(func() { _ = cmd.Process.Kill(); w.Close() })
	if stallAt != "" {
		line, err := c.out.ReadString('\n')
		if err != nil || !strings.HasPrefix(line, "stalled at "+stallAt) {
			_ = cmd.Process.Kill()
			_ = cmd.Wait()
			t.Fatalf("child did not stall at %s: %q %v\n%s", stallAt, line, err, c.stderr.String())
		}
	}
	go func() {
		_, _ = c.stdout.ReadFrom(c.out)
		c.done <- cmd.Wait()
	}()
	return c
}

// wait waits for the child and fails the test unless it exits 0.
func (c *child) wait(t *testing.T) {
	t.Helper()
	select {
	case err := <-c.done:
		if err != nil {
			t.Fatalf("recipe child: %v\n%s%s", err, c.stdout.String(), c.stderr.String())
		}
	case <-time.After(testwait.Patience):
		t.Fatal("recipe child did not finish")
	}
}

// login tries user/pw at the Dovecot on host:port until it works or
// timeout passes (Dovecot notices a changed passwd-file within a second or
// so); timeout 0 tries once, for a login that must fail.
func login(t *testing.T, host string, port int, tc *tls.Config, user, pw string, timeout time.Duration) imapcheck.Result {
	t.Helper()
	var r imapcheck.Result
	testwait.Until(time.Now().Add(timeout), func() bool {
		ctx, cancel := context.WithTimeout(context.Background(), testwait.Patience)
		defer cancel()
		r = imapcheck.Check(ctx, imapcheck.Target{Host: host, Port: port, Security: imapcheck.TLS, Username: user, Password: pw, TLSConfig: tc})
		return r.OK()
	})
	return r
}
