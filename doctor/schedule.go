package doctor

import (
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
)

// job is something run on a schedule: a crontab line or a systemd timer.
type job struct {
	file, command string
	line          int
	cron          bool
	env           map[string]string // cron: the crontab's and the line's own assignments
	every         time.Duration     // the longest gap between two runs; 0 unknown
}

// cronPath is cron's PATH when the crontab sets none.
const cronPath = "/usr/bin:/bin"

func (j job) path() string {
	if p, ok := j.env["PATH"]; ok {
		return p
	}
	return cronPath
}

var envLine = regexp.MustCompile(`^\s*([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(.*?)\s*$`)

var cronShorthand = map[string]time.Duration{"@hourly": time.Hour, "@daily": 24 * time.Hour, "@midnight": 24 * time.Hour,
	"@weekly": 7 * 24 * time.Hour, "@monthly": 28 * 24 * time.Hour, "@yearly": 365 * 24 * time.Hour, "@annually": 365 * 24 * time.Hour}

// cronJobs reads the crontab's job lines and the environment each runs with.
func cronJobs(in *Input) []job {
	env := map[string]string{}
	var out []job
	for i, raw := range strings.Split(in.Crontab, "\n") {
		ln := strings.TrimSpace(raw)
		if ln == "" || strings.HasPrefix(ln, "#") {
			continue
		}
		if m := envLine.FindStringSubmatch(ln); m != nil {
			env[m[1]] = unquote(strings.Trim(m[2], `'`))
			continue
		}
		f := strings.Fields(ln)
		j := job{file: in.CrontabFile, line: i + 1, cron: true, env: map[string]string{}}
		for k, v := range env {
			j.env[k] = v
		}
		var cmd []string
		switch {
		case strings.HasPrefix(f[0], "@"):
			if f[0] == "@reboot" || len(f) < 2 {
				continue
			}
			j.every, cmd = cronShorthand[f[0]], f[1:]
		case len(f) >= 6:
			j.every, cmd = cronGap(f[0], f[1], f[2], f[3], f[4]), f[5:]
		default:
			continue
		}
		// Assignments before the command are its own environment.
		for len(cmd) > 1 && envLine.MatchString(cmd[0]) && !strings.HasPrefix(cmd[0], "=") {
			m := envLine.FindStringSubmatch(cmd[0])
			j.env[m[1]] = m[2]
			cmd = cmd[1:]
		}
		j.command = strings.Join(cmd, " ")
		out = append(out, j)
	}
	return out
}

// cronGap is the longest wait between two runs of a schedule; a schedule
// that names days runs at most daily, so its gap is taken as a day.
func cronGap(min, hour, dom, mon, dow string) time.Duration {
	if dom != "*" || mon != "*" || dow != "*" {
		return 24 * time.Hour
	}
	mins, hours := cronField(min, 0, 59), cronField(hour, 0, 23)
	var at []int
	for _, h := range hours {
		for _, m := range mins {
			at = append(at, h*60+m)
		}
	}
	if len(at) == 0 {
		return 0
	}
	slices.Sort(at)
	gap := at[0] + 24*60 - at[len(at)-1] // over midnight
	for i := 1; i < len(at); i++ {
		gap = max(gap, at[i]-at[i-1])
	}
	return time.Duration(gap) * time.Minute
}

// cronField expands "*", "N", "A-B", "*/S", "A-B/S" and lists of them;
// what it can't read expands to nothing.
func cronField(s string, lo, hi int) []int {
	set := map[int]bool{}
	for _, part := range strings.Split(s, ",") {
		rng, step := part, 1
		if r, st, ok := strings.Cut(part, "/"); ok {
			n, err := strconv.Atoi(st)
			if err != nil || n <= 0 {
				return nil
			}
			rng, step = r, n
		}
		a, b := lo, hi
		if rng != "*" {
			x, y, isRange := strings.Cut(rng, "-")
			var err1, err2 error
			a, err1 = strconv.Atoi(x)
			b = a
			if isRange {
				b, err2 = strconv.Atoi(y)
			} else if step > 1 {
				b = hi
			}
			if err1 != nil || err2 != nil || a < lo || b > hi || a > b {
				return nil
			}
		}
		for v := a; v <= b; v += step {
			set[v] = true
		}
	}
	var out []int
	for v := range set {
		out = append(out, v)
	}
	slices.Sort(out)
	return out
}

// timerJobs reads the user's systemd timers and the command of the
// service each starts.
func timerJobs(in *Input) []job {
	dir := filepath.Join(in.xdgConfig(), "systemd", "user")
	timers, _ := filepath.Glob(filepath.Join(dir, "*.timer"))
	var out []job
	for _, t := range timers {
		keys := unitKeys(t)
		if keys == nil {
			continue
		}
		j := job{file: t, line: keys["line"].line}
		for _, k := range []string{"OnUnitActiveSec", "OnUnitInactiveSec"} {
			if v, ok := keys[k]; ok {
				j.every, j.line = timespan(v.val), v.line
			}
		}
		if v, ok := keys["OnCalendar"]; ok && j.every == 0 {
			j.every, j.line = calendarEvery(v.val), v.line
		}
		unit := strings.TrimSuffix(filepath.Base(t), ".timer") + ".service"
		if v, ok := keys["Unit"]; ok {
			unit = v.val
		}
		if svc := unitKeys(filepath.Join(dir, unit)); svc != nil {
			j.command = svc["ExecStart"].val
		}
		if j.command != "" {
			out = append(out, j)
		}
	}
	return out
}

type unitVal struct {
	val  string
	line int
}

// unitKeys reads a unit file's key=value lines (the last of each wins),
// bounded; nil when it can't be read.
func unitKeys(path string) map[string]unitVal {
	st, err := os.Stat(path)
	if err != nil || !st.Mode().IsRegular() || st.Size() > maxFileBytes {
		return nil
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return nil
	}
	keys := map[string]unitVal{"line": {line: 1}}
	for i, ln := range strings.Split(string(b), "\n") {
		k, v, ok := strings.Cut(strings.TrimSpace(ln), "=")
		if ok && !strings.HasPrefix(k, "#") && !strings.HasPrefix(k, ";") {
			keys[strings.TrimSpace(k)] = unitVal{strings.TrimSpace(v), i + 1}
		}
	}
	return keys
}

var spanUnits = map[string]time.Duration{"": time.Second, "s": time.Second, "sec": time.Second, "second": time.Second, "seconds": time.Second,
	"m": time.Minute, "min": time.Minute, "minute": time.Minute, "minutes": time.Minute,
	"h": time.Hour, "hr": time.Hour, "hour": time.Hour, "hours": time.Hour,
	"d": 24 * time.Hour, "day": 24 * time.Hour, "days": 24 * time.Hour, "w": 7 * 24 * time.Hour, "week": 7 * 24 * time.Hour, "weeks": 7 * 24 * time.Hour}

var spanPart = regexp.MustCompile(`(\d+)\s*([a-z]*)`)

// timespan reads a systemd time span ("5min", "1h 30m", "300"); 0 when it
// can't.
func timespan(s string) time.Duration {
	var d time.Duration
	for _, m := range spanPart.FindAllStringSubmatch(strings.ToLower(s), -1) {
		n, _ := strconv.Atoi(m[1])
		u, ok := spanUnits[m[2]]
		if !ok {
			return 0
		}
		d += time.Duration(n) * u
	}
	return d
}

var calendarShorthand = map[string]time.Duration{"minutely": time.Minute, "hourly": time.Hour, "daily": 24 * time.Hour,
	"weekly": 7 * 24 * time.Hour, "monthly": 28 * 24 * time.Hour}

// calendarEvery reads the common OnCalendar forms: the shorthands, and a
// time part like "*:0/15" (every 15 minutes), "*:05" (hourly), "0/2:00"
// (every two hours); 0 for what it can't read.
func calendarEvery(s string) time.Duration {
	s = strings.ToLower(strings.TrimSpace(s))
	if d, ok := calendarShorthand[s]; ok {
		return d
	}
	f := strings.Fields(s)
	if len(f) == 0 {
		return 0
	}
	hm := strings.Split(f[len(f)-1], ":")
	if len(hm) < 2 {
		return 0
	}
	h, m := hm[0], hm[1]
	step := func(x string) int {
		if _, st, ok := strings.Cut(x, "/"); ok {
			n, _ := strconv.Atoi(st)
			return n
		}
		return 0
	}
	switch {
	case h == "*" && m == "*":
		return time.Minute
	case h == "*" && step(m) > 0:
		return time.Duration(step(m)) * time.Minute
	case h == "*":
		return time.Hour
	case step(h) > 0:
		return time.Duration(step(h)) * time.Hour
	}
	return 24 * time.Hour
}

// syncPrograms are what a mail sync job runs.
var syncPrograms = map[string]bool{"mbsync": true, "isync": true, "offlineimap": true, "imapvault": true, "imapvault-get": true,
	"msmtp": true, "msmtpq": true, "msmtp-queue": true, "fetchmail": true, "getmail": true, "getmail6": true,
	"vdirsyncer": true, "himalaya": true, "goimapnotify": true}

// syncProgram is the mail program a command runs, "" none.
func syncProgram(cmd string) string {
	for _, w := range strings.FieldsFunc(cmd, func(r rune) bool { return strings.ContainsRune(" \t;&|()'\"`", r) }) {
		if b := filepath.Base(w); syncPrograms[b] {
			return b
		}
	}
	return ""
}
