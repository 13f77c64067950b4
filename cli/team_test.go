//go:build unix

package cli

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/imapvault/imapvault/vault"
)

// stockAge returns the age CLI, or skips (fails where the CI requires it).
type auditOut struct {
	Findings []struct{ Account, Kind string }
}

func exposedAccounts(t *testing.T, s *sandbox) []string {
	t.Helper()
	r := s.run("", "audit", "--json")
	if r.code == 2 {
		t.Fatalf("audit: %s", r.stderr)
	}
	var out auditOut
	if err := json.Unmarshal([]byte(r.stdout), &out); err != nil {
		t.Fatalf("audit --json: %v\n%s", err, r.stdout)
	}
	var names []string
	for _, f := range out.Findings {
		if f.Kind == "exposed" {
			names = append(names, f.Account)
		}
	}
	slices.Sort(names)
	return names
}

// TestTeamMemberLifecycle is the acceptance path of a team vault: a member
// opens it with imapvault and with stock age; after removal neither works
// for them, every password they could read is flagged exposed, and running
// the rotate command the removal printed clears exactly those findings.
func TestTeamMemberLifecycle(t *testing.T) {
	agebin := stockAge(t)
	s := newRotSandbox(t, "alpha", "bravo", "charlie")
	bobKey, bob := memberKey(t, s.sandbox, "bob")
	s.must("", "recipients", "add", bob, "--label", "bob")

	asBob := func(args ...string) result { return s.run("", append(args, "--identity", bobKey)...) }
	if r := asBob("list"); r.code != 0 || !strings.Contains(r.stdout, "bravo") {
		t.Fatalf("bob can't list the team vault: exit %d\n%s", r.code, r.stderr)
	}
	id, err := vault.LoadIdentity(bobKey, nil)
	if err != nil {
		t.Fatal(err)
	}
	if f, err := vault.Open(s.vault, id); err != nil || f.Vault.Find("alpha").Password != rotOld {
		t.Fatalf("vault.Open with bob's identity: %v", err)
	}
	if out, err := exec.Command(agebin, "-d", "-i", bobKey, s.vault).Output(); err != nil || !strings.Contains(string(out), `"alpha"`) {
		t.Fatalf("age -d with bob's key: %v", err)
	}

	rm := s.must("", "recipients", "remove", "bob")
	s.must("Fresh-Unique-Password-after-bob-71!\n", "add", "--name", "later", "--host", "h", "--user", "u", "--password-stdin")

	if r := asBob("list"); r.code != 2 || !strings.Contains(r.stderr, "cannot open this vault") {
		t.Errorf("bob after removal: exit %d\n%s", r.code, r.stderr)
	}
	if _, err := vault.Open(s.vault, id); !errors.Is(err, vault.ErrNoIdentity) {
		t.Errorf("vault.Open with bob's identity after removal: %v", err)
	}
	if err := exec.Command(agebin, "-d", "-i", bobKey, "-o", os.DevNull, s.vault).Run(); err == nil {
		t.Error("stock age still decrypts the vault with bob's key")
	}
	if got := exposedAccounts(t, s.sandbox); !slices.Equal(got, []string{"alpha", "bravo", "charlie"}) {
		t.Fatalf("exposed = %v, want alpha, bravo, charlie (and not 'later', set after the removal)", got)
	}

	// Run the rotate command exactly as the removal printed it.
	m := regexp.MustCompile(`imapvault (rotate [^\n]*) --hook CMD`).FindStringSubmatch(rm.stdout)
	if m == nil {
		t.Fatalf("no rotate command in:\n%s", rm.stdout)
	}
	args := append(strings.Fields(m[1]), "--hook", s.relayHook(nil))
	if r := s.runDetached(args...); r.code != 0 {
		t.Fatalf("%v: exit %d\n%s%s", args, r.code, r.stdout, r.stderr)
	}
	if got := exposedAccounts(t, s.sandbox); len(got) != 0 {
		t.Errorf("still exposed after rotating: %v", got)
	}
	assertNoRotSecret(t, rm)
}

// The helper processes of TestTwoProcessesMerge: the test binary re-run
// with IMAPVAULT_TEAM_HELPER set opens the vault, edits it, says "ready",
// and saves when its stdin says so: two real processes editing one file
// between open and save, as on two machines behind a sync tool.
func init() {
	role := os.Getenv("IMAPVAULT_TEAM_HELPER")
	if role == "" {
		return
	}
	os.Exit(teamHelper(role))
}

func teamHelper(role string) int {
	id, err := vault.LoadIdentity(os.Getenv("IMAPVAULT_IDENTITY"), nil)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 2
	}
	f, err := vault.Open(os.Getenv("IMAPVAULT_VAULT"), id)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 2
	}
	now := time.Now()
	// Each side edits its own account and the same password.
	f.Vault.Find(role).Notes = "edited by " + role
	f.Vault.Find("shared").SetPassword("Merge-Sentinel-"+role, now)
	fmt.Println("ready")
	if _, err := bufio.NewReader(os.Stdin).ReadString('\n'); err != nil && !errors.Is(err, io.EOF) {
		return 2
	}
	conflicts, err := f.SaveMerged()
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 2
	}
	json.NewEncoder(os.Stdout).Encode(conflicts)
	return 0
}

func TestTwoProcessesMerge(t *testing.T) {
	s := newSandbox(t)
	s.plainIdentity()
	s.must("", "init")
	for _, n := range []string{"alpha", "bravo", "shared"} {
		s.must("Merge-Sentinel-start\n", "add", "--name", n, "--host", "h", "--user", "u", "--password-stdin")
	}
	start := func(role string) (*exec.Cmd, io.WriteCloser, *bufio.Reader) {
		cmd := exec.Command(os.Args[0])
		cmd.Env = append(os.Environ(), "IMAPVAULT_TEAM_HELPER="+role, "IMAPVAULT_VAULT="+s.vault, "IMAPVAULT_IDENTITY="+s.identity)
		in, _ := cmd.StdinPipe()
		out, _ := cmd.StdoutPipe()
		cmd.Stderr = os.Stderr
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
		r := bufio.NewReader(out)
		if line, err := r.ReadString('\n'); err != nil || line != "ready\n" {
			t.Fatalf("%s: %q %v", role, line, err)
		}
		return cmd, in, r
	}
	finish := func(cmd *exec.Cmd, in io.WriteCloser, r *bufio.Reader) []vault.Conflict {
		in.Write([]byte("save\n"))
		in.Close()
		var cs []vault.Conflict
		if err := json.NewDecoder(r).Decode(&cs); err != nil {
			t.Fatalf("helper output: %v", err)
		}
		if err := cmd.Wait(); err != nil {
			t.Fatalf("helper: %v", err)
		}
		return cs
	}
	a, aIn, aOut := start("alpha") // A opens
	b, bIn, bOut := start("bravo") // B opens
	if cs := finish(b, bIn, bOut); len(cs) != 0 {
		t.Fatalf("B saved first and saw conflicts: %v", cs)
	}
	cs := finish(a, aIn, aOut) // A saves over B's file: refuse, reread, merge
	if len(cs) != 1 || cs[0].Account != "shared" || cs[0].Field != "password" {
		t.Fatalf("conflicts = %+v; want the shared password", cs)
	}
	if strings.Contains(fmt.Sprint(cs), "Merge-Sentinel") {
		t.Error("a conflict shows a password")
	}
	f, err := vault.Open(s.vault, loadTestIdentity(t, s))
	if err != nil {
		t.Fatal(err)
	}
	v := f.Vault
	if v.Find("alpha").Notes != "edited by alpha" || v.Find("bravo").Notes != "edited by bravo" {
		t.Errorf("an edit was lost: alpha %q, bravo %q", v.Find("alpha").Notes, v.Find("bravo").Notes)
	}
	shared := v.Find("shared")
	if shared.Password != "Merge-Sentinel-alpha" {
		t.Errorf("the last saver's password is not current")
	}
	kept := slices.ContainsFunc(shared.History, func(h vault.RetiredPassword) bool {
		return h.Password == "Merge-Sentinel-bravo" && h.Reason == vault.ReasonMergeConflict
	})
	if !kept {
		t.Error("B's password is lost")
	}
}

// syncOver replaces dst by src the way a sync tool does: a new file
// renamed into place.
func syncOver(t *testing.T, src, dst string) {
	t.Helper()
	tmp := dst + ".synctmp"
	if err := os.WriteFile(tmp, readFile(t, src), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(tmp, dst); err != nil {
		t.Fatal(err)
	}
}

// TestCLIMergesASyncedFile: 'imapvault add' holds the vault open waiting
// for its password while a sync tool drops in the other machine's copy;
// the save merges both, and a name both added is kept twice and reported.
func TestCLIMergesASyncedFile(t *testing.T) {
	cases := []struct {
		name     string
		ours     string
		theirs   string
		want     []string // account names after the merge
		conflict string   // in the warning on stderr; "" for none
	}{
		{"different accounts", "alpha", "bravo", []string{"alpha", "base", "bravo"}, ""},
		{"the same name", "dup", "dup", []string{"base", "dup", "dup-2"}, "dup-2: name changed on both sides"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			s := newSandbox(t)
			s.plainIdentity()
			s.must("", "init")
			s.must("Sync-Sentinel-base\n", "add", "--name", "base", "--host", "h", "--user", "u", "--password-stdin")
			other := filepath.Join(s.dir, "other", "vault.age")
			os.MkdirAll(filepath.Dir(other), 0o700)
			os.WriteFile(other, readFile(t, s.vault), 0o600)

			ours := exec.Command(os.Args[0], "add", "--name", tc.ours, "--host", "ours", "--user", "u", "--password-stdin")
			ours.Env = append(os.Environ(), "IMAPVAULT_BE_MAIN=1", "IMAPVAULT_VAULT="+s.vault, "IMAPVAULT_IDENTITY="+s.identity)
			stdin, _ := ours.StdinPipe()
			var stderr strings.Builder
			ours.Stderr = &stderr
			if err := ours.Start(); err != nil {
				t.Fatal(err)
			}
			defer ours.Process.Kill()
			waitForPID(t, s.vault+".lock", ours.Process.Pid) // opened, waiting for the password

			s.must("Sync-Sentinel-theirs\n", "add", "--vault", other, "--name", tc.theirs, "--host", "theirs", "--user", "u", "--password-stdin")
			syncOver(t, other, s.vault)

			stdin.Write([]byte("Sync-Sentinel-ours\n"))
			stdin.Close()
			if err := ours.Wait(); err != nil {
				t.Fatalf("add over a synced file: %v\n%s", err, stderr.String())
			}
			if tc.conflict == "" && stderr.Len() > 0 || !strings.Contains(stderr.String(), tc.conflict) {
				t.Errorf("stderr = %q, want %q", stderr.String(), tc.conflict)
			}
			if strings.Contains(stderr.String(), "Sync-Sentinel") {
				t.Error("the warning shows a password")
			}
			f, err := vault.Open(s.vault, loadTestIdentity(t, s))
			if err != nil {
				t.Fatal(err)
			}
			var names []string
			pws := map[string]bool{}
			for _, a := range f.Vault.Accounts {
				names = append(names, a.Name)
				pws[a.Password] = true
			}
			slices.Sort(names)
			if !slices.Equal(names, tc.want) {
				t.Errorf("accounts = %v, want %v", names, tc.want)
			}
			if !pws["Sync-Sentinel-ours"] || !pws["Sync-Sentinel-theirs"] {
				t.Error("a side's password is missing")
			}
		})
	}
}
