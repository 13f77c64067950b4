//go:build unix

package cli

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/imapvault/imapvault/internal/testwait"
)

// Several `get`s start at once in terminals while no agent runs: one asks
// for the passphrase, the others wait for it and then print without asking;
// the agent is started and left unlocked.
func TestGetPromptsOnce(t *testing.T) {
	s := newAgentSandbox(t)
	s.add("work", "Prompt-once-pw")
	const n = 4
	type proc struct {
		cmd  *exec.Cmd
		ptm  *os.File
		term *screenLog
		out  bytes.Buffer
		done chan error
	}
	procs := make([]*proc, n)
	for i := range procs {
		ptm, pts := openPTY(t)
		p := &proc{ptm: ptm, term: &screenLog{}, done: make(chan error, 1)}
		p.cmd = exec.Command(os.Args[0], "get", "work")
		p.cmd.Env = append(os.Environ(), "IMAPVAULT_BE_MAIN=1", "IMAPVAULT_TEST_SCRYPT=1",
			"IMAPVAULT_VAULT="+s.vault, "IMAPVAULT_IDENTITY="+s.identity, "XDG_RUNTIME_DIR="+filepath.Join(s.dir, "run"))
		p.cmd.Stdin, p.cmd.Stderr, p.cmd.Stdout = pts, pts, &p.out
		p.cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true, Setctty: true, Ctty: 0}
		if err := p.cmd.Start(); err != nil {
			t.Fatal(err)
		}
		pts.Close()
		go copyAll(p.term, ptm)
		go func() { p.done <- p.cmd.Wait() }()
		t.Cleanup(func() { p.cmd.Process.Kill(); ptm.Close() })
		procs[i] = p
	}
	prompted := func() (who []int) {
		for i, p := range procs {
			if strings.Contains(p.term.String(), "Passphrase for") {
				who = append(who, i)
			}
		}
		return who
	}
	testwait.For(t, "a get to ask for the passphrase", func() bool { return len(prompted()) > 0 })
	// Room for a wrong second prompt to show. (It waits for nothing that
	// must happen: on a slow machine it can only miss a second prompt,
	// which the check after every get ended catches.)
	time.Sleep(500 * time.Millisecond)
	who := prompted()
	if len(who) != 1 {
		t.Fatalf("%d gets asked for the passphrase at once (%v), want 1", len(who), who)
	}
	procs[who[0]].ptm.Write([]byte("test passphrase\n"))
	for i, p := range procs {
		select {
		case err := <-p.done:
			if err != nil || p.out.String() != "Prompt-once-pw\n" {
				t.Errorf("get %d: %v, stdout %q, terminal %q", i, err, p.out.String(), p.term.String())
			}
		case <-time.After(testwait.Patience):
			t.Fatalf("get %d did not finish; terminal %q", i, p.term.String())
		}
		p.term.waitEnd(t)
	}
	if who := prompted(); len(who) != 1 {
		t.Errorf("%d gets asked for the passphrase in all, want 1", len(who))
	}
	if r := s.detached("agent", "status"); r.code != 0 {
		t.Errorf("the agent is not left unlocked: %d %s", r.code, r.stdout)
	}
}
