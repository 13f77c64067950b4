package recipe

import (
	"bytes"
	"os"
	"path/filepath"
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
