package cli

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/imapvault/imapvault/agent"
	"github.com/imapvault/imapvault/vault"
)

// BenchmarkGetThroughAgent10k runs the password command as a whole process
// (the real binaries, built here) against an unlocked agent holding a
// 10,000-account vault, as a mail client does. It reports p50/p99 of
// imapvault-get (what client-config writes), p50 of `imapvault get` and of
// `imapvault --help` (the bare cost of starting the whole binary on this
// machine), the first get (the agent reading the vault) and the agent's
// resident memory.
//
//	go test ./cli/ -run '^$' -bench GetThroughAgent -benchtime 200x
func BenchmarkGetThroughAgent10k(b *testing.B) {
	dir := b.TempDir()
	// IMAPVAULT_BENCH_BIN measures a binary built elsewhere (another
	// dependency set, say) against the same vault and agent.
	bin := os.Getenv("IMAPVAULT_BENCH_BIN")
	if bin == "" {
		bin = filepath.Join(dir, "imapvault")
		if out, err := exec.Command("go", "build", "-o", bin, "github.com/imapvault/imapvault").CombinedOutput(); err != nil {
			b.Fatalf("go build: %v\n%s", err, out)
		}
	}
	getBin := filepath.Join(dir, "imapvault-get")
	if out, err := exec.Command("go", "build", "-o", getBin, "github.com/imapvault/imapvault/cmd/imapvault-get").CombinedOutput(); err != nil {
		b.Fatalf("go build: %v\n%s", err, out)
	}
	passFile := filepath.Join(dir, "pass")
	os.WriteFile(passFile, []byte("bench passphrase\n"), 0o600)
	idPath, vPath := filepath.Join(dir, "id.age"), filepath.Join(dir, "vault.age")
	vault.ScryptWorkFactor = 10
	id, err := vault.CreateIdentity(idPath, []byte("bench passphrase"))
	if err != nil {
		b.Fatal(err)
	}
	f, err := vault.Create(vPath, id, time.Now())
	if err != nil {
		b.Fatal(err)
	}
	now := time.Now()
	for i := range 10000 {
		a := &vault.Account{Name: fmt.Sprintf("mailbox-%05d", i), Host: fmt.Sprintf("imap%d.example-%d.com", i%7, i%300),
			Username: fmt.Sprintf("user%05d@example.com", i), Password: fmt.Sprintf("Xq7!vR%05d-kLm2#pZt9@wE", i),
			Security: vault.TLS, Tags: []string{"team"}}
		if err := f.Vault.Add(a, now); err != nil {
			b.Fatal(err)
		}
	}
	if err := f.Save(); err != nil {
		b.Fatal(err)
	}
	env := append(os.Environ(), "XDG_RUNTIME_DIR="+filepath.Join(dir, "run"), "IMAPVAULT_VAULT="+vPath, "IMAPVAULT_IDENTITY="+idPath,
		"XDG_STATE_HOME="+filepath.Join(dir, "state")) // never the real user's known_vaults
	cmd := func(args ...string) *exec.Cmd {
		c := exec.Command(bin, args...)
		if args[0] == "imapvault-get" {
			c = exec.Command(getBin, args[1:]...)
		}
		c.Env = env
		return c
	}
	if out, err := cmd("unlock", "--passphrase-file", passFile).CombinedOutput(); err != nil {
		b.Fatalf("unlock: %v\n%s", err, out)
	}
	defer cmd("agent", "stop").Run()
	status, _ := cmd("agent", "status").Output()
	pid := 0
	if _, rest, ok := strings.Cut(string(status), "agent pid "); ok {
		pid, _ = strconv.Atoi(strings.TrimRight(strings.Fields(rest)[0], ","))
	}

	var cpu []time.Duration // user+system time of the last timed process
	timed := func(args ...string) time.Duration {
		c := cmd(args...)
		start := time.Now()
		out, err := c.Output()
		d := time.Since(start)
		if err != nil || len(out) == 0 {
			b.Fatalf("%v: %v %q", args, err, out)
		}
		cpu = append(cpu, c.ProcessState.UserTime()+c.ProcessState.SystemTime())
		return d
	}
	first := timed("imapvault-get", "mailbox-00042")
	var gets, fullGets, helps, trips []time.Duration
	cpu = nil
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		gets = append(gets, timed("imapvault-get", fmt.Sprintf("mailbox-%05d", (i*7919)%10000)))
	}
	b.StopTimer()
	getCPU := cpu
	for i := range min(b.N, 50) {
		fullGets = append(fullGets, timed("get", fmt.Sprintf("mailbox-%05d", (i*7919)%10000)))
	}
	cpu = nil
	for range min(b.N, 50) {
		helps = append(helps, timed("--help"))
	}
	helpCPU := cpu
	// The agent's own part: one connection and one Get, in process.
	for i := range min(b.N, 200) {
		start := time.Now()
		c, err := agent.Dial(agent.SocketPath(filepath.Join(dir, "run", "imapvault")))
		if err != nil {
			b.Fatal(err)
		}
		if _, err := c.Get(vPath, agent.Query{Name: fmt.Sprintf("mailbox-%05d", (i*31)%10000)}); err != nil {
			b.Fatal(err)
		}
		c.Close()
		trips = append(trips, time.Since(start))
	}
	b.ReportMetric(ms(pct(getCPU, 50)), "get-cpu-p50-ms")
	b.ReportMetric(ms(pct(helpCPU, 50)), "help-cpu-p50-ms")
	b.ReportMetric(ms(pct(trips, 50)), "agent-trip-p50-ms")
	b.ReportMetric(ms(pct(trips, 99)), "agent-trip-p99-ms")
	b.ReportMetric(ms(pct(gets, 50)), "get-p50-ms")
	b.ReportMetric(ms(pct(gets, 99)), "get-p99-ms")
	b.ReportMetric(ms(pct(fullGets, 50)), "imapvault-get-cmd-p50-ms")
	b.ReportMetric(ms(pct(helps, 50)), "help-p50-ms")
	b.ReportMetric(ms(first), "first-get-ms")
	if st, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid)); err == nil {
		for _, line := range strings.Split(string(st), "\n") {
			if f := strings.Fields(line); len(f) >= 2 && (f[0] == "VmRSS:" || f[0] == "VmHWM:") {
				kb, _ := strconv.Atoi(f[1])
				b.ReportMetric(float64(kb)/1024, "agent-"+strings.TrimSuffix(f[0], ":")+"-MB")
			}
		}
	}
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

func pct(ds []time.Duration, p int) time.Duration {
	s := append([]time.Duration(nil), ds...)
	sort.Slice(s, func(i, j int) bool { return s[i] < s[j] })
	return s[(len(s)-1)*p/100]
}
