package recipe

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// procHolding lists the processes whose argv or environment holds one of
// secrets, as "PID argv" / "PID environ": every process on the machine we
// may read, so also the recipe and whatever it started.
func procHolding(secrets ...string) []string {
	var hits []string
	dirs, _ := filepath.Glob("/proc/[0-9]*")
	for _, d := range dirs {
		for _, f := range []string{"cmdline", "environ"} {
			b, err := os.ReadFile(filepath.Join(d, f))
			if err != nil {
				continue
			}
			for _, s := range secrets {
				if bytes.Contains(b, []byte(s)) {
					hits = append(hits, filepath.Base(d)+" "+f)
				}
			}
		}
	}
	return hits
}

// procSeen is how many processes a scan looked at: a scan that sees none
// proves nothing.
func procSeen() int {
	dirs, _ := filepath.Glob("/proc/[0-9]*")
	return len(dirs)
}

// The /proc scan itself finds a secret in a running process's argv and
// environment: without that, the recipes' "no secret in argv" checks
// could pass by seeing nothing.
func TestProcHoldingSees(t *testing.T) {
	const argvSecret, envSecret = "Argv-Probe-Sentinel-1", "Env-Probe-Sentinel-2"
	cmd := exec.Command("/bin/sh", "-c", "sleep 30", argvSecret)
	cmd.Env = []string{"PROBE=" + envSecret}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { cmd.Process.Kill(); cmd.Wait() }()
	for _, probe := range []struct{ secret, where string }{{argvSecret, "cmdline"}, {envSecret, "environ"}} {
		hits := procHolding(probe.secret)
		if len(hits) == 0 {
			t.Fatalf("the scan missed a %s probe", probe.where)
		}
		for _, h := range hits {
			if !strings.HasSuffix(h, probe.where) {
				t.Errorf("%s probe found in %s", probe.where, h)
			}
		}
	}
}
