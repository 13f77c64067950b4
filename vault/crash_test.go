package vault

import (
	"bufio"
	"flag"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/imapvault/imapvault/internal/testwait"
)

var (
	crashSaves    = flag.Int("crash.saves", 120, "save attempts TestCrashSafety interrupts across its children (-short: 30, -race: at most 100)")
	crashAccounts = flag.Int("crash.accounts", 3000, "accounts in TestCrashSafety's vault (-race: at most 2000)")
)

const markerPrefix = "marker-"

func marker(v *Vault) int {
	n, err := strconv.Atoi(strings.TrimPrefix(v.Accounts[0].Notes, markerPrefix))
	if err != nil {
		return -1
	}
	return n
}

// TestCrashHelper saves the vault in a loop, one marker step per save,
// and reports each completed save on stdout.
func TestCrashHelper(t *testing.T) {
	id, path := helperSetup(t, "TestCrashHelper")
	f, err := OpenLocked(path, id)
	if err != nil {
		fmt.Fprintln(os.Stderr, "helper:", err)
		os.Exit(3)
	}
	n := marker(f.Vault)
	fmt.Println("ready", n)
	for {
		n++
		f.Vault.Accounts[0].Notes = markerPrefix + strconv.Itoa(n)
		if err := f.Save(); err != nil {
			fmt.Fprintln(os.Stderr, "helper:", err)
			os.Exit(3)
		}
		fmt.Println("saved", n)
	}
}

// TestCrashSafety SIGKILLs children at random points of their saves. After
// every kill the vault must open with the last reported marker or the one
// after it (the save that was cut short may have renamed already), never
// anything else, and the killed save's temp file must be swept.
func TestCrashSafety(t *testing.T) {
	total, accounts := *crashSaves, *crashAccounts
	if testing.Short() {
		total = min(total, 30)
	}
	if raceEnabled {
		total, accounts = min(total, 100), min(accounts, 2000)
	}
	dir := t.TempDir()
	id := plainIdentity(t, dir)
	path := filepath.Join(dir, "vault.age")
	f, err := Create(path, id, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	f.Vault = bigVault(accounts, id.Recipient)
	f.Vault.Accounts[0].Notes = markerPrefix + "0"
	if err := f.Save(); err != nil {
		t.Fatal(err)
	}

	seed := uint64(time.Now().UnixNano())
	t.Logf("seed %d (random kill points)", seed)
	rng := rand.New(rand.NewPCG(seed, 1))
	attempts, children, tempsLeft, planted, newer := 0, 0, 0, 0, 0
	acked := 0
	for attempts < total {
		children++
		cmd := helperCmd(t, "TestCrashHelper", path, id.Path)
		out, err := cmd.StdoutPipe()
		if err != nil {
			t.Fatal(err)
		}
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		lines := make(chan string, 64)
		go func() {
			sc := bufio.NewScanner(out)
			for sc.Scan() {
				lines <- sc.Text()
			}
			close(lines)
		}()
		// Let a few saves through (a child's start costs a full open),
		// then kill at a uniformly random point of the next save, timed
		// by the gap between the last two reports.
		let := 2 + rng.IntN(10)
		timeout := time.After(testwait.Patience)
		var last, gap time.Duration
		start := time.Now()
		for seen := -1; seen < let; seen++ {
			select {
			case l, ok := <-lines:
				if !ok {
					t.Fatalf("child %d ended early (see its stderr)", children)
				}
				if _, v, ok := strings.Cut(l, " "); ok {
					acked, _ = strconv.Atoi(v)
				}
				now := time.Since(start)
				gap, last = now-last, now
			case <-timeout:
				cmd.Process.Kill()
				t.Fatal("child stopped reporting saves")
			}
		}
		// Half the kills anywhere in the save, half in its last third,
		// where the temp file, fsync and rename are: encoding dominates
		// a save's time, and uniform kills would rarely land there.
		at := rng.Int64N(int64(gap) + 1)
		if rng.IntN(2) == 0 {
			at = int64(gap)*2/3 + rng.Int64N(int64(gap)/3+1)
		}
		time.Sleep(time.Duration(at))
		if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
			t.Fatal(err)
		}
		cmd.Wait()
		for l := range lines { // saves completed between the last read and the kill
			if _, v, ok := strings.Cut(l, " "); ok {
				acked, _ = strconv.Atoi(v)
			}
		}
		attempts += let + 1

		if m, _ := filepath.Glob(filepath.Join(dir, tempPrefix+"*")); len(m) > 0 {
			tempsLeft++
		} else {
			// This kill left none: leave one the way a save killed before
			// its rename would (a partial file of the save's name pattern),
			// so every round checks that Open sweeps it.
			stray := filepath.Join(dir, tempPrefix+filepath.Base(path)+"-"+strconv.Itoa(children))
			if err := os.WriteFile(stray, []byte("age-encryption.org/v1\n-> X25519 partial"), 0o600); err != nil {
				t.Fatal(err)
			}
			planted++
		}
		g, err := Open(path, id)
		if err != nil {
			t.Fatalf("after kill %d (last reported save %d): %v", children, acked, err)
		}
		got := marker(g.Vault)
		switch {
		case got == acked:
		case got == acked+1:
			newer++
			acked = got
		default:
			t.Fatalf("after kill %d: vault has marker %d; want %d or %d", children, got, acked, acked+1)
		}
		if len(g.Vault.Accounts) != accounts {
			t.Fatalf("after kill %d: %d accounts; want %d", children, len(g.Vault.Accounts), accounts)
		}
		if m, _ := filepath.Glob(filepath.Join(dir, tempPrefix+"*")); len(m) > 0 {
			t.Fatalf("after kill %d: Open left temp files: %v", children, m)
		}
		if b, _ := Backups(path); len(b) > DefaultBackups+1 {
			t.Fatalf("after kill %d: %d backups; want at most %d", children, len(b), DefaultBackups+1)
		}
	}
	t.Logf("%d children, %d save attempts, %d kills left a temp file (%d planted), %d kills landed after the rename", children, attempts, tempsLeft, planted, newer)
}
