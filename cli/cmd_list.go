package cli

import (
	"fmt"
	"io"
	"sort"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/imapvault/imapvault/internal/termtext"
	"github.com/imapvault/imapvault/vault"
)

func init() {
	register(command{name: "list", summary: "list accounts (never prints passwords)", run: runList})
}

// listItem is one account in `list --json`: no password, ever.
type listItem struct {
	Name      string         `json:"name"`
	Host      string         `json:"host"`
	Port      int            `json:"port"`
	Security  vault.Security `json:"security"`
	Username  string         `json:"username"`
	Changed   string         `json:"changed"`
	Auth      string         `json:"auth,omitempty"` // "oauth2"; absent for passwords
	Address   string         `json:"address,omitempty"`
	SMTP      *listSMTP      `json:"smtp,omitempty"`
	LastCheck *listCheck     `json:"last_check,omitempty"`
}

// listSMTP is an account's submission server in `list --json`; username
// is the login it uses (the IMAP one unless it has its own).
type listSMTP struct {
	Host     string         `json:"host"`
	Port     int            `json:"port"`
	Security vault.Security `json:"security"`
	Username string         `json:"username"`
}

type listCheck struct {
	Status    string    `json:"status"`
	At        time.Time `json:"at"`
	Error     string    `json:"error,omitempty"`
	LatencyMS int64     `json:"latency_ms"`
}

func runList(e *env, args []string) error {
	fs := e.flags("list", "list [--json]", `
Lists the accounts in the vault, sorted by name: login, server, security,
password age and the last check's outcome. Passwords are never printed.`)
	asJSON := fs.Bool("json", false, "print a JSON array (name, host, port, security, username, changed, address, smtp, last_check)")
	pos, err := parse(fs, args)
	if err != nil {
		return err
	}
	if len(pos) > 0 {
		return usageErr(fmt.Errorf("list takes no arguments, got %q", pos[0]), "")
	}
	f, err := e.open()
	if err != nil {
		return err
	}
	accts := append([]*vault.Account(nil), f.Vault.Accounts...)
	sort.Slice(accts, func(i, j int) bool { return strings.ToLower(accts[i].Name) < strings.ToLower(accts[j].Name) })
	if *asJSON {
		return writeListJSON(e.stdout, accts)
	}
	writeListText(e.stdout, accts, time.Now())
	return nil
}

func writeListJSON(w io.Writer, accts []*vault.Account) error {
	items := make([]listItem, 0, len(accts))
	for _, a := range accts {
		it := listItem{Name: a.Name, Host: a.Host, Port: a.Port, Security: a.Security, Username: a.Username,
			Changed: a.Changed.Format("2006-01-02"), Auth: a.Auth, Address: a.Address}
		if e := a.SMTP; e != nil {
			it.SMTP = &listSMTP{Host: e.Host, Port: e.PortOrDefault(), Security: e.SecurityOrDefault(), Username: a.SMTPUsername()}
		}
		if c := a.LastCheck; c != nil {
			it.LastCheck = &listCheck{Status: c.Status, At: c.At, Error: c.Error, LatencyMS: c.LatencyMS}
		}
		items = append(items, it)
	}
	return termtext.WriteJSONArray(w, items) // exact text, C1 and bidi escaped too; streamed
}

func writeListText(w io.Writer, accts []*vault.Account, now time.Time) {
	if len(accts) == 0 {
		fmt.Fprintln(w, "no accounts yet: add one with 'imapvault add' or 'imapvault import FILE.csv'")
		return
	}
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "NAME\tLOGIN\tSECURITY\tPASSWORD AGE\tLAST CHECK")
	for _, a := range accts {
		last := "never"
		if c := a.LastCheck; c != nil {
			last = lineN(c.Status, fieldCap) + ", " + ago(now.Sub(c.At))
		}
		if a.Pending != nil {
			last += " (rotation pending)"
		}
		age := days(now.Sub(a.Changed))
		if a.IsOAuth2() && a.OAuth != nil {
			age = "oauth2, token used " + ago(now.Sub(a.OAuth.Refreshed))
			if a.OAuth.Refreshed.IsZero() {
				age = "oauth2"
			}
		}
		// Fields come from the vault, which an old version, an import or a
		// teammate may have filled with anything: shown escaped and capped.
		fmt.Fprintf(tw, "%s\t%s@%s:%d\t%s\t%s\t%s\n", lineN(a.Name, nameCap), lineN(a.Username, fieldCap), lineN(a.Host, fieldCap), a.Port,
			lineN(string(a.Security), fieldCap), age, last)
	}
	tw.Flush()
}

// days renders a duration as whole days, the unit password ages are read in.
func days(d time.Duration) string {
	return fmt.Sprintf("%dd", int(d.Hours()/24))
}

// ago renders how long ago something happened, coarsely.
func ago(d time.Duration) string {
	switch {
	case d < time.Minute:
		return "just now"
	case d < time.Hour:
		return fmt.Sprintf("%dm ago", int(d.Minutes()))
	case d < 48*time.Hour:
		return fmt.Sprintf("%dh ago", int(d.Hours()))
	}
	return fmt.Sprintf("%dd ago", int(d.Hours()/24))
}
