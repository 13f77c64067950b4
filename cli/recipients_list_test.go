package cli

import (
	"bytes"
	"encoding/json"
	"io"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/imapvault/imapvault/vault"
)

// list's output goes to a pipe here, so it must carry whole keys; --json
// carries them with labels, dates and status.
func TestRecipientsListFullKeys(t *testing.T) {
	s := newSandbox(t)
	me := s.plainIdentity()
	s.must("", "init")
	_, bob := memberKey(t, s, "bob")
	s.must("", "recipients", "add", bob, "--label", "bob")
	s.must("", "recipients", "remove", "bob")

	text := s.must("", "recipients", "list").stdout
	for _, k := range []string{bob, me.Recipient().String()} {
		if !strings.Contains(text, k) {
			t.Errorf("list to a pipe lacks the whole key %s:\n%s", k, text)
		}
	}
	var got []recipientJSON
	out := s.must("", "recipients", "list", "--json").stdout
	if err := json.Unmarshal([]byte(out), &got); err != nil {
		t.Fatalf("list --json: %v\n%s", err, out)
	}
	if len(got) != 2 {
		t.Fatalf("%d recipients, want 2: %s", len(got), out)
	}
	byKey := map[string]recipientJSON{}
	for _, r := range got {
		byKey[r.Key] = r
	}
	if r := byKey[me.Recipient().String()]; !r.You || r.Status != "active" || r.Added.IsZero() {
		t.Errorf("own key: %+v", r)
	}
	if r := byKey[bob]; r.Label != "bob" || r.Status != "removed" || r.Removed == nil || r.You {
		t.Errorf("bob: %+v", r)
	}
	if strings.Contains(out, "AGE-SECRET-KEY") {
		t.Error("list --json printed an identity")
	}
}

// Removing bob lists only what bob could read, not what an earlier (here:
// merged in from another machine, later) removal of alice exposed.
func TestReportExposedCountsOnlyTheRemoved(t *testing.T) {
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	at := func(d int) *time.Time { x := t0.AddDate(0, 0, d); return &x }
	v := vault.New()
	v.Recipients = []vault.Recipient{
		{Key: "age1bob", Label: "bob", Added: t0, Removed: at(3)},
		{Key: "age1alice", Label: "alice", Added: t0, Removed: at(5)},
	}
	v.Accounts = []*vault.Account{
		{ID: "1", Name: "old", Password: "pw-old-1", Changed: *at(1)},     // bob and alice
		{ID: "2", Name: "newer", Password: "pw-newer-2", Changed: *at(4)}, // alice only
		{ID: "3", Name: "fresh", Password: "pw-fresh-3", Changed: *at(6)}, // nobody
	}
	var out bytes.Buffer
	e := &env{stdout: &out}
	if err := e.reportExposed(v, "bob", []string{"age1bob"}); err != nil {
		t.Fatal(err)
	}
	got := out.String()
	if !strings.Contains(got, "1 password bob could read has not changed") || !strings.Contains(got, "  old\n") {
		t.Errorf("want exactly 'old' for bob:\n%s", got)
	}
	if strings.Contains(got, "newer") || strings.Contains(got, "fresh") {
		t.Errorf("lists accounts bob could not read:\n%s", got)
	}
}

// At a terminal the keys are shortened to fit a line.
func TestRecipientsListShortAtTerminal(t *testing.T) {
	s := newSandbox(t)
	s.plainIdentity()
	s.must("", "init")
	_, bob := memberKey(t, s, "bob")
	s.must("", "recipients", "add", bob, "--label", "bob")
	ptm, pts := openPTY(t)
	defer ptm.Close()
	cmd := exec.Command(os.Args[0], "recipients", "list")
	cmd.Env = append(os.Environ(), "IMAPVAULT_BE_MAIN=1", "IMAPVAULT_VAULT="+s.vault, "IMAPVAULT_IDENTITY="+s.identity)
	cmd.Stdout, cmd.Stderr = pts, pts
	if err := cmd.Run(); err != nil {
		t.Fatal(err)
	}
	pts.Close()
	var screen bytes.Buffer
	io.Copy(&screen, ptm) // ends with EIO once the terminal side is closed
	if !strings.Contains(screen.String(), "bob") || strings.Contains(screen.String(), bob) {
		t.Errorf("want bob with a short key at a terminal:\n%s", screen.String())
	}
	if !strings.Contains(screen.String(), bob[:12]) {
		t.Errorf("no short key:\n%s", screen.String())
	}
}
