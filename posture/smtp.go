package posture

import (
	"errors"
	"fmt"
	"net"
	"slices"
	"strings"
)

type smtpDialog struct{}

func (smtpDialog) hello(c *conn, cleartext bool) (caps, error) {
	code, lines, err := smtpReply(c)
	if err != nil {
		return caps{}, fmt.Errorf("greeting: %w", err)
	}
	if code != "220" {
		return caps{}, fmt.Errorf("server did not greet like an SMTP server: %q", clip(strings.Join(lines, " ")))
	}
	if !cleartext {
		return caps{}, nil
	}
	if err := c.write("EHLO " + ehloName(c.raw) + "\r\n"); err != nil {
		return caps{}, err
	}
	code, lines, err = smtpReply(c)
	if err != nil {
		return caps{}, fmt.Errorf("EHLO: %w", err)
	}
	if code != "250" {
		return caps{}, fmt.Errorf("EHLO refused: %q", clip(strings.Join(lines, " ")))
	}
	var cs caps
	for _, l := range lines[1:] { // the first line names the server
		f := strings.Fields(strings.ToUpper(l))
		if len(f) == 0 {
			continue
		}
		switch {
		case f[0] == "STARTTLS":
			cs.startTLS = true
		case f[0] == "AUTH" || strings.HasPrefix(f[0], "AUTH="):
			// "AUTH=PLAIN LOGIN" is the pre-RFC 4954 form some servers
			// still send beside "AUTH PLAIN LOGIN".
			mechs := f[1:]
			if m, ok := strings.CutPrefix(f[0], "AUTH="); ok {
				mechs = append([]string{m}, mechs...)
			}
			for _, m := range mechs {
				if cleartextMechs[m] && !slices.Contains(cs.cleartext, "AUTH "+m) {
					cs.cleartext = append(cs.cleartext, "AUTH "+m)
				}
			}
		}
	}
	return cs, nil
}

func (smtpDialog) startTLS(c *conn, inject string) error {
	if err := c.write("STARTTLS\r\n" + inject); err != nil {
		return err
	}
	code, lines, err := smtpReply(c)
	if err != nil {
		return fmt.Errorf("STARTTLS: %w", err)
	}
	if code != "220" {
		return fmt.Errorf("STARTTLS refused: %q", clip(strings.Join(lines, " ")))
	}
	return nil
}

// injection pipelines EHLO, as testssl.sh does: a vulnerable server
// answers it (250, or 503 when it wants a greeting first) inside TLS,
// before the goodbye's 221.
func (smtpDialog) injection() (string, func(string) bool) {
	return "EHLO imapvault.invalid\r\n", func(code string) bool { return code != "221" }
}

func (smtpDialog) bye(c lineConn, greet bool, answers func(string) bool) (bool, error) {
	if greet {
		code, lines, err := smtpReply(c)
		if err != nil {
			return false, fmt.Errorf("greeting: %w", err)
		}
		if code != "220" {
			return false, fmt.Errorf("server did not greet like an SMTP server: %q", clip(strings.Join(lines, " ")))
		}
	}
	if err := c.write("QUIT\r\n"); err != nil {
		return false, err
	}
	answered := false
	for range maxLines {
		code, _, err := smtpReply(c)
		if err != nil {
			return answered, nil // hung up without 221
		}
		if code == "221" {
			return answered, nil
		}
		if answers != nil && answers(code) {
			answered = true
		}
	}
	return answered, errors.New("server sent too many replies")
}

// smtpReply reads one reply, multi-line or not: its code and the text of
// each line.
func smtpReply(c lineConn) (string, []string, error) {
	var lines []string
	for range maxLines {
		l, err := c.line()
		if err != nil {
			return "", nil, err
		}
		if len(l) < 3 || (len(l) > 3 && l[3] != ' ' && l[3] != '-') {
			return "", nil, fmt.Errorf("not an SMTP reply: %q", clip(l))
		}
		text := ""
		if len(l) > 4 {
			text = l[4:]
		}
		lines = append(lines, text)
		if len(l) == 3 || l[3] == ' ' {
			return l[:3], lines, nil
		}
	}
	return "", nil, errors.New("server sent a reply of too many lines")
}

// ehloName is our address literal (RFC 5321 4.1.3): we have no name the
// server could check, and a literal is always well-formed.
func ehloName(c net.Conn) string {
	if a, ok := c.LocalAddr().(*net.TCPAddr); ok {
		if a.IP.To4() != nil {
			return "[" + a.IP.String() + "]"
		}
		return "[IPv6:" + a.IP.String() + "]"
	}
	return "[127.0.0.1]"
}
