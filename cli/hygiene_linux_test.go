package cli

import (
	"fmt"
	"os"
	"os/exec"
	"strings"
	"testing"

	"golang.org/x/sys/unix"
)

// probeHygiene runs in a child: harden, then report what the kernel says.
func probeHygiene() {
	if err := hardenProcess(); err != nil {
		fmt.Println("error:", err)
		os.Exit(1)
	}
	d, err := unix.PrctlRetInt(unix.PR_GET_DUMPABLE, 0, 0, 0, 0)
	var lim unix.Rlimit
	err2 := unix.Getrlimit(unix.RLIMIT_CORE, &lim)
	fmt.Printf("dumpable=%d err=%v core=%d/%d err=%v\n", d, err, lim.Cur, lim.Max, err2)
	os.Exit(0)
}

// The process that holds decrypted passwords is not dumpable (no ptrace
// by the same user, no /proc/PID/mem) and writes no core file.
func TestHardenProcess(t *testing.T) {
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), "IMAPVAULT_HYGIENE_PROBE=1")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("probe: %v\n%s", err, out)
	}
	if got := strings.TrimSpace(string(out)); got != "dumpable=0 err=<nil> core=0/0 err=<nil>" {
		t.Fatalf("after hardenProcess: %s", got)
	}
}
