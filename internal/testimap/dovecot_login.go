package testimap

import (
	"bufio"
	"encoding/base64"
	"errors"
	"fmt"
	"net"
	"strconv"
	"strings"
	"time"

	"github.com/imapvault/imapvault/internal/testwait"
)

// errRefused is a login that Dovecot answered with NO.
var errRefused = errors.New("login refused")

// waitLogin returns once user logs in with pw, or fails after
// testwait.Patience. It stops waiting, without error, when the password
// is changed again meanwhile.
func (d *Dovecot) waitLogin(user, pw string) error {
	var last error
	ok := testwait.Until(time.Now().Add(testwait.Patience), func() bool {
		d.mu.Lock()
		replaced := d.users[user] != pw || d.closed
		d.mu.Unlock()
		if replaced {
			return true
		}
		last = d.login(user, pw)
		return last == nil
	})
	if !ok {
		return fmt.Errorf("dovecot still refuses the new password of %q %v after rewriting its passwd file: %v %s", user, testwait.Patience, last, d.Log())
	}
	return nil
}

// login logs in once over the cleartext port (Dovecot allows cleartext
// login from 127.0.0.1 to 127.0.0.1): nil when it succeeded, errRefused
// when Dovecot said NO. No certificate option can get in its way.
func (d *Dovecot) login(user, pw string) error {
	c, err := net.DialTimeout("tcp", net.JoinHostPort(d.Host(), strconv.Itoa(d.starttls)), 10*time.Second)
	if err != nil {
		return err
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(testwait.Patience))
	br := bufio.NewReader(c)
	if line, err := br.ReadString('\n'); err != nil || !strings.HasPrefix(line, "* OK") {
		return fmt.Errorf("greeting %q: %v", line, err)
	}
	ir := base64.StdEncoding.EncodeToString([]byte("\x00" + user + "\x00" + pw))
	if _, err := fmt.Fprintf(c, "a AUTHENTICATE PLAIN %s\r\n", ir); err != nil {
		return err
	}
	for {
		line, err := br.ReadString('\n')
		if err != nil {
			return err
		}
		switch {
		case strings.HasPrefix(line, "a OK"):
			return nil
		case strings.HasPrefix(line, "a NO"):
			return errRefused
		case strings.HasPrefix(line, "a "):
			return fmt.Errorf("login answered %q", strings.TrimSpace(line))
		}
	}
}
