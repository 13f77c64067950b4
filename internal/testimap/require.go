package testimap

import (
	"os"
	"os/exec"
	"path/filepath"
)

// RequireRealEnv, set to 1 (CI sets it), turns every missing real
// dependency of a test — Dovecot, age, mbsync, slapd, node_exporter, NSS
// tools, a pseudo-terminal — from a skip into a failure, so a broken setup
// can't hide behind skipped tests.
const RequireRealEnv = "IMAPVAULT_REQUIRE_REAL_DEPS"

// RealRequired reports whether missing real dependencies must fail tests.
func RealRequired() bool { return os.Getenv(RequireRealEnv) == "1" }

// Missing skips the test because what is unavailable (why), or fails it when
// RealRequired. Use it for every real dependency a test needs.
func Missing(tb TB, what string, why error) {
	tb.Helper()
	if RealRequired() {
		tb.Fatalf("%s is required (%s=1) but unavailable: %v", what, RequireRealEnv, why)
	}
	tb.Skipf("%s unavailable: %v", what, why)
}

// LookBin finds a program on PATH or in the sbin folders Debian installs
// daemons to; missing, it calls Missing (pkg names the Debian package).
func LookBin(tb TB, name, pkg string) string {
	tb.Helper()
	if p, err := exec.LookPath(name); err == nil {
		return p
	}
	for _, dir := range []string{"/usr/sbin", "/sbin", "/usr/local/sbin"} {
		p := filepath.Join(dir, name)
		if st, err := os.Stat(p); err == nil && st.Mode().IsRegular() && st.Mode()&0o111 != 0 {
			return p
		}
	}
	Missing(tb, name+" (apt-get install "+pkg+")", exec.ErrNotFound)
	return ""
}
