package testimap

import (
	"bytes"
	"fmt"
	"os/exec"
	"strings"
)

// HashPassword hashes pw for a Dovecot passwd file, "{SCHEME}hash", with
// `doveadm pw -s SCHEME`. The password goes to doveadm on its standard
// input (typed twice, as doveadm asks), never in its argv; doveadm runs in
// a session of its own, without a controlling terminal, so that it reads
// stdin rather than /dev/tty. doveadm checks the hash against the password
// itself before printing it. "PLAIN" needs no doveadm.
func HashPassword(scheme, pw string) (string, error) {
	if scheme == "PLAIN" {
		return "{PLAIN}" + pw, nil
	}
	bin, err := exec.LookPath("doveadm")
	if err != nil {
		return "", fmt.Errorf("hash a password with %s: %w", scheme, ErrNoDovecot)
	}
	cmd := exec.Command(bin, "pw", "-s", scheme)
	cmd.Stdin = strings.NewReader(pw + "\n" + pw + "\n")
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	noTerminal(cmd)
	if err := cmd.Run(); err != nil {
		return "", fmt.Errorf("doveadm pw -s %s: %w: %s", scheme, err, strings.TrimSpace(errb.String()))
	}
	h := strings.TrimSpace(out.String())
	if errb.Len() > 0 || !strings.HasPrefix(h, "{"+scheme+"}") || strings.ContainsAny(h, "\n:") {
		return "", fmt.Errorf("doveadm pw -s %s: unexpected answer: %s", scheme, strings.TrimSpace(errb.String()))
	}
	return h, nil
}
