package cli

import (
	"fmt"
	"io"
	"strings"
)

// writeMan writes the imapvault(1) page in roff from the same help texts
// the commands print (help.go), so the page can't say other than --help.
func writeMan(w io.Writer) {
	p := func(format string, args ...any) { fmt.Fprintf(w, format+"\n", args...) }
	p(`.TH IMAPVAULT 1 "" "imapvault" "User Commands"`)
	p(".SH NAME")
	p(`imapvault \- keep IMAP mailbox passwords in an age\-encrypted vault, prove and rotate them`)
	p(".SH SYNOPSIS")
	p(".B imapvault")
	p(".br")
	p(`.B imapvault`)
	p(`.I COMMAND`)
	p(`.RI [ flags "] [" args ]`)
	p(".SH DESCRIPTION")
	roffText(w, mainAbout)
	p(".PP")
	p("Without a command, imapvault opens the terminal UI on your vault.")
	p("Global flags may appear anywhere on the line.")
	p(".SH COMMANDS")
	for _, h := range allHelp() {
		p(`.SS "imapvault %s"`, roffEscape(h.name))
		if h.summary != "" {
			roffText(w, h.summary+".")
		}
		if h.usage != "" {
			p(".PP")
			p(".nf")
			for i, l := range strings.Split(h.usage, "\n") {
				if i == 0 {
					l = "imapvault " + l
				}
				p("%s", roffLine(strings.TrimSpace(l)))
			}
			p(".fi")
		}
		if h.about != "" {
			p(".PP")
			roffText(w, h.about)
		}
		for _, f := range h.flags {
			p(".TP")
			head := `\fB\-\-` + roffEscape(f.name) + `\fR`
			if f.arg != "" {
				head += ` \fI` + roffEscape(f.arg) + `\fR`
			}
			p("%s", head)
			text := f.usage
			if f.def != "" {
				text += " (default " + f.def + ")"
			}
			p("%s", roffLine(text))
		}
	}
	p(".SH GLOBAL FLAGS")
	for _, g := range globalFlagDocs {
		p(".TP")
		p(`\fB\-\-%s\fR \fI%s\fR`, roffEscape(g.name), roffEscape(g.arg))
		roffText(w, strings.ReplaceAll(g.usage, "\n", " "))
	}
	p(".SH EXIT STATUS")
	roffText(w, exitCodesText)
	p("Commands say otherwise in their own section (check \\-\\-nagios).")
	p(".SH ENVIRONMENT")
	for _, v := range [][2]string{
		{"IMAPVAULT_VAULT", "the vault file, unless \\-\\-vault is given"},
		{"IMAPVAULT_IDENTITY", "the identity file, unless \\-\\-identity is given"},
		{"XDG_DATA_HOME, XDG_CONFIG_HOME", "where the default vault and identity live"},
		{"XDG_RUNTIME_DIR", "the unlock agent's socket is imapvault/agent.sock in it (unset: imapvault\\-UID in the temp folder)"},
		{"IMAPVAULT_AGENT_SOCK", "the unlock agent's socket, named outright (cron: the desktop session's)"},
		{"SSL_CERT_FILE, SSL_CERT_DIR", "extra trusted roots for the servers' certificates"},
		{"NO_COLOR", "turns colour off"},
	} {
		p(".TP")
		p(".B %s", v[0])
		p("%s", v[1])
	}
	p(".SH FILES")
	p(".TP")
	p(".I $XDG_DATA_HOME/imapvault/vault.age")
	p("the vault, age\\-encrypted; backups and the lock file sit beside it")
	p(".TP")
	p(".I $XDG_CONFIG_HOME/imapvault/identity.age")
	p("your identity, encrypted with your passphrase")
	p(".TP")
	p(".I $XDG_CONFIG_HOME/imapvault/agent.conf")
	p("the agent's limits: ttl = 2h, max = 12h (see unlock)")
	p(".SH SEE ALSO")
	p(".BR age (1),")
	p(".BR age\\-keygen (1)")
}

// roffText writes help text as roff: blank lines start paragraphs, and
// indented lines (examples, tables) keep their layout.
func roffText(w io.Writer, text string) {
	paras := strings.Split(strings.TrimSpace(text), "\n\n")
	for i, para := range paras {
		if i > 0 {
			fmt.Fprintln(w, ".PP")
		}
		lines := strings.Split(para, "\n")
		indented := strings.HasPrefix(lines[0], " ")
		if indented {
			fmt.Fprintln(w, ".RS 2\n.nf")
		}
		for _, l := range lines {
			if indented {
				l = strings.TrimPrefix(l, "  ")
			} else {
				l = strings.TrimSpace(l)
			}
			fmt.Fprintln(w, roffLine(l))
		}
		if indented {
			fmt.Fprintln(w, ".fi\n.RE")
		}
	}
}

// roffLine escapes one line of text: backslashes, and a leading . or '
// that roff would read as a request.
func roffLine(s string) string {
	s = roffEscape(s)
	if strings.HasPrefix(s, ".") || strings.HasPrefix(s, "'") {
		s = `\&` + s
	}
	return s
}

func roffEscape(s string) string {
	s = strings.ReplaceAll(s, `\`, `\e`)
	return strings.ReplaceAll(s, "--", `\-\-`)
}
