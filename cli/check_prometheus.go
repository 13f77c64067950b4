package cli

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/imapvault/imapvault/audit"
	"github.com/imapvault/imapvault/vault"
)

// promMidWrite, when set (by tests only), runs after half of the metrics
// file is written and before it is renamed into place: a test kills the
// process there to prove a killed write leaves no half file behind.
var promMidWrite func()

// promMode lets node_exporter's textfile collector, which runs as its own
// user, read the file. The file holds names, hosts, statuses and times,
// never a secret; restrict the folder if even those are private.
const promMode = 0o644

// writePrometheus writes the metrics of every account's last check (the
// ones just made included) to path in the node_exporter textfile format.
// It writes a temp file in the same folder whose name does not end in
// .prom (the collector skips it), syncs it and renames it over path, so the
// collector sees the old file or the new one, never half of one.
func writePrometheus(path string, v *vault.Vault, now time.Time) error {
	findings, err := audit.Run(v, audit.Options{Now: now})
	if err != nil {
		return fmt.Errorf("prometheus metrics: audit: %w", err)
	}
	var b strings.Builder
	promMetrics(&b, v, findings, now)
	dir := filepath.Dir(path)
	sweepPromTemps(dir, filepath.Base(path), now)
	tmp, err := os.CreateTemp(dir, "."+filepath.Base(path)+".tmp-*")
	if err != nil {
		return fmt.Errorf("write prometheus metrics: %w", err)
	}
	keep := false
	defer func() {
		if !keep {
			tmp.Close()
			os.Remove(tmp.Name())
		}
	}()
	text := b.String()
	half := len(text) / 2
	if _, err := io.WriteString(tmp, text[:half]); err != nil {
		return fmt.Errorf("write prometheus metrics: %w", err)
	}
	if promMidWrite != nil {
		tmp.Sync()
		promMidWrite()
	}
	if _, err := io.WriteString(tmp, text[half:]); err != nil {
		return fmt.Errorf("write prometheus metrics: %w", err)
	}
	if err := tmp.Chmod(promMode); err != nil {
		return fmt.Errorf("write prometheus metrics: %w", err)
	}
	if err := tmp.Sync(); err != nil {
		return fmt.Errorf("write prometheus metrics: %w", err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("write prometheus metrics: %w", err)
	}
	// rename replaces a symlink at path itself; it never writes through it.
	if err := os.Rename(tmp.Name(), path); err != nil {
		return fmt.Errorf("write prometheus metrics: %w", err)
	}
	keep = true
	if d, err := os.Open(dir); err == nil {
		d.Sync()
		d.Close()
	}
	return nil
}

func promMetrics(out io.Writer, v *vault.Vault, findings []audit.Finding, now time.Time) {
	w := bufio.NewWriter(out)
	defer w.Flush()
	accts := append([]*vault.Account(nil), v.Accounts...)
	sort.Slice(accts, func(i, j int) bool { return accts[i].Name < accts[j].Name })

	fam := func(name, help string) {
		fmt.Fprintf(w, "# HELP %s %s\n# TYPE %s gauge\n", name, help, name)
	}
	sample := func(name string, value float64, labels ...string) {
		w.WriteString(name)
		if len(labels) > 0 {
			w.WriteByte('{')
			for i := 0; i < len(labels); i += 2 {
				if i > 0 {
					w.WriteByte(',')
				}
				fmt.Fprintf(w, "%s=\"%s\"", labels[i], promEscape(labels[i+1]))
			}
			w.WriteByte('}')
		}
		w.WriteByte(' ')
		w.WriteString(strconv.FormatFloat(value, 'g', -1, 64))
		w.WriteByte('\n')
	}
	checked := func(f func(a *vault.Account, c *vault.Check)) {
		for _, a := range accts {
			if a.LastCheck != nil {
				f(a, a.LastCheck)
			}
		}
	}

	fam("imapvault_login_ok", "1 when the account's last check logged in, else 0; status is the check's outcome.")
	checked(func(a *vault.Account, c *vault.Check) {
		ok := 0.0
		if c.Status == "ok" {
			ok = 1
		}
		sample("imapvault_login_ok", ok, "account", a.Name, "host", a.Host, "status", c.Status)
	})
	smtpChecked(accts, func(a *vault.Account, c *vault.Check) {
		ok := 0.0
		if c.Status == "ok" {
			ok = 1
		}
		sample("imapvault_login_ok", ok, "account", a.Name, "host", a.SMTP.Host, "status", c.Status, "protocol", "smtp")
	})
	fam("imapvault_login_duration_seconds", "Time the account's last check took, connect to logout.")
	checked(func(a *vault.Account, c *vault.Check) {
		sample("imapvault_login_duration_seconds", float64(c.LatencyMS)/1000, "account", a.Name)
	})
	smtpChecked(accts, func(a *vault.Account, c *vault.Check) {
		sample("imapvault_login_duration_seconds", float64(c.LatencyMS)/1000, "account", a.Name, "protocol", "smtp")
	})
	fam("imapvault_last_success_timestamp_seconds", "Unix time of the account's last check that logged in.")
	checked(func(a *vault.Account, c *vault.Check) {
		if t := lastSuccess(c); !t.IsZero() {
			sample("imapvault_last_success_timestamp_seconds", unixSeconds(t), "account", a.Name)
		}
	})
	smtpChecked(accts, func(a *vault.Account, c *vault.Check) {
		if t := lastSuccess(c); !t.IsZero() {
			sample("imapvault_last_success_timestamp_seconds", unixSeconds(t), "account", a.Name, "protocol", "smtp")
		}
	})
	fam("imapvault_tls_cert_expiry_timestamp_seconds", "Unix time the server certificate seen at the account's last check expires.")
	checked(func(a *vault.Account, c *vault.Check) {
		if c.TLS != nil && !c.TLS.NotAfter.IsZero() {
			sample("imapvault_tls_cert_expiry_timestamp_seconds", unixSeconds(c.TLS.NotAfter), "account", a.Name, "host", a.Host)
		}
	})
	smtpChecked(accts, func(a *vault.Account, c *vault.Check) {
		if c.TLS != nil && !c.TLS.NotAfter.IsZero() {
			sample("imapvault_tls_cert_expiry_timestamp_seconds", unixSeconds(c.TLS.NotAfter), "account", a.Name, "host", a.SMTP.Host, "protocol", "smtp")
		}
	})
	fam("imapvault_password_age_seconds", "Seconds since the account's password last changed.")
	for _, a := range accts {
		if !a.Changed.IsZero() {
			sample("imapvault_password_age_seconds", float64(now.Sub(a.Changed).Truncate(time.Second))/float64(time.Second), "account", a.Name)
		}
	}
	fam("imapvault_audit_findings", "Number of audit findings (accepted ones left out) by kind and severity.")
	counts := map[[2]string]int{}
	for _, f := range findings {
		counts[[2]string{string(f.Kind), string(f.Severity)}]++
	}
	for _, k := range audit.Kinds {
		for _, s := range audit.Severities {
			sample("imapvault_audit_findings", float64(counts[[2]string{string(k), string(s)}]), "kind", string(k), "severity", string(s))
		}
	}
	fam("imapvault_check_timestamp_seconds", "Unix time this file was written by imapvault check.")
	sample("imapvault_check_timestamp_seconds", unixSeconds(now))
}

// smtpChecked calls f with each account's last SMTP check: the samples of
// the sending side carry protocol="smtp" (the IMAP ones keep their labels).
func smtpChecked(accts []*vault.Account, f func(a *vault.Account, c *vault.Check)) {
	for _, a := range accts {
		if a.LastCheck != nil && a.LastCheck.SMTP != nil && a.SMTP != nil {
			f(a, a.LastCheck.SMTP)
		}
	}
}

// sweepPromTemps removes temp files a killed write left behind, once they
// are old enough that no live writer can still own them.
func sweepPromTemps(dir, base string, now time.Time) {
	stray, _ := filepath.Glob(filepath.Join(dir, "."+base+".tmp-*"))
	for _, p := range stray {
		if st, err := os.Lstat(p); err == nil && st.Mode().IsRegular() && now.Sub(st.ModTime()) > 10*time.Minute {
			os.Remove(p)
		}
	}
}

// lastSuccess is when the account last logged in, as far as the vault knows.
func lastSuccess(c *vault.Check) time.Time {
	if c.Status == "ok" {
		return c.At
	}
	return c.LastOK
}

func unixSeconds(t time.Time) float64 { return float64(t.UnixMilli()) / 1000 }

// promEscape escapes a label value for the text exposition format:
// backslash, double quote and newline; invalid UTF-8 is replaced.
func promEscape(s string) string {
	s = strings.ToValidUTF8(s, "\uFFFD")
	return strings.NewReplacer(`\`, `\\`, `"`, `\"`, "\n", `\n`).Replace(s)
}
