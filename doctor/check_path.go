package doctor

import (
	"fmt"
	"path/filepath"
	"strings"
	"time"
)

// checkGetMissing: the password command is not on PATH where the client
// runs it: the shell's, and cron's for the syncs cron runs.
func checkGetMissing(in *Input, s *setup) []Finding {
	var out []Finding
	seen := map[string]bool{}
	add := func(f Finding) {
		key := f.File + fmt.Sprint(f.Line) + f.Message
		if !seen[key] {
			seen[key] = true
			out = append(out, f)
		}
	}
	byClient := map[string][]string{} // client -> imapvault programs its configs run
	for _, e := range wiredEntries(s) {
		prog, _, _ := imapvaultCall(e.passCmd + " " + e.tokenCmd)
		byClient[e.client] = append(byClient[e.client], prog)
		if !lookIn(prog, in.Getenv("PATH")) {
			where := "is not on your PATH"
			if strings.Contains(prog, "/") {
				where = "does not exist or is not executable"
			}
			add(Finding{Kind: KindGetMissing, Severity: High, File: e.file, Line: e.line, Account: acctName(in, e),
				Message: fmt.Sprintf("%s runs %s for its password, which %s: install it there or write its full path", e.client, prog, where)})
		}
	}
	clientOf := map[string]string{"mbsync": "mbsync", "isync": "mbsync", "offlineimap": "offlineimap", "msmtp": "msmtp",
		"msmtpq": "msmtp", "msmtp-queue": "msmtp", "himalaya": "himalaya"}
	for _, j := range s.jobs {
		if !j.cron {
			continue
		}
		sync := syncProgram(j.command)
		progs := byClient[clientOf[sync]]
		if sync == "imapvault" || sync == "imapvault-get" {
			for _, w := range words(j.command) {
				if filepath.Base(w) == sync {
					progs = append(progs, w)
					break
				}
			}
		}
		for _, p := range progs {
			if !lookIn(p, j.path()) {
				add(Finding{Kind: KindGetMissing, Severity: High, File: j.file, Line: j.line,
					Message: fmt.Sprintf("cron runs this with PATH=%s, where %s is not found: set PATH in the crontab or write its full path", j.path(), p)})
			}
		}
	}
	return out
}

func acctName(in *Input, e entry) string {
	if a := e.account(in.Vault); a != nil {
		return a.Name
	}
	return ""
}

// short writes a duration the way people do: 15m, 1h30m, 2d.
func short(d time.Duration) string {
	switch {
	case d >= 24*time.Hour && d%(24*time.Hour) == 0:
		return fmt.Sprintf("%dd", d/(24*time.Hour))
	case d%time.Hour == 0:
		return fmt.Sprintf("%dh", d/time.Hour)
	case d > time.Hour:
		return fmt.Sprintf("%dh%dm", d/time.Hour, d%time.Hour/time.Minute)
	}
	return fmt.Sprintf("%dm", d/time.Minute)
}
