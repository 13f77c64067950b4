package testimap

import (
	"bufio"
	"bytes"
	"crypto/tls"
	"encoding/base64"
	"fmt"
	"io"
	"net"
	"strconv"
	"strings"
	"time"
)

// The scripted responder speaks just enough IMAP for a client to log in,
// and misbehaves on purpose in ways go-imap's server cannot: silence, a BYE
// greeting, a NO with a chosen RFC 5530 code, LOGINDISABLED, no STARTTLS.
// It counts every LOGIN and AUTHENTICATE it receives.

func (s *Server) serveScripted() {
	defer s.wg.Done()
	for {
		c, err := s.ln.Accept()
		if err != nil {
			return
		}
		s.mu.Lock()
		if s.closed {
			s.mu.Unlock()
			c.Close()
			return
		}
		s.rawConns[c] = struct{}{}
		s.mu.Unlock()
		s.wg.Add(1)
		go func() {
			defer s.wg.Done()
			defer func() {
				c.Close()
				s.mu.Lock()
				delete(s.rawConns, c)
				s.mu.Unlock()
			}()
			s.script(c)
		}()
	}
}

func (s *Server) caps() string {
	caps := "IMAP4rev1 SASL-IR ID"
	if s.opts.LoginDisabled {
		return caps + " LOGINDISABLED"
	}
	return caps + " AUTH=PLAIN"
}

func (s *Server) script(c net.Conn) {
	if s.opts.Silent {
		// Not even a TLS handshake: a stalled server or a black hole.
		_, _ = io.Copy(io.Discard, c)
		return
	}
	if s.opts.Hostile != "" {
		s.hostile(c)
		return
	}
	counted := c
	if s.opts.Mode == ImplicitTLS && !s.opts.LoginDisabled && !s.opts.NoStartTLS {
		c = tls.Server(c, s.tls)
	}
	w := bufio.NewWriter(c)
	say := func(format string, args ...any) bool {
		fmt.Fprintf(w, format+"\r\n", args...)
		return w.Flush() == nil
	}
	if s.opts.ByeGreeting != "" {
		say("* BYE %s", s.opts.ByeGreeting)
		return
	}
	if !say("* OK [CAPABILITY %s] testimap scripted server ready", s.caps()) {
		return
	}
	br := bufio.NewReader(c)
	for {
		line, err := readCommand(br, w)
		if err != nil {
			return
		}
		tag, rest, _ := strings.Cut(line, " ")
		name, args, _ := strings.Cut(rest, " ")
		switch strings.ToUpper(name) {
		case "CAPABILITY":
			say("* CAPABILITY %s", s.caps())
			say("%s OK CAPABILITY done", tag)
		case "NOOP":
			say("%s OK NOOP done", tag)
		case "ID":
			say(`* ID ("name" "testimap")`)
			say("%s OK ID done", tag)
		case "LOGOUT":
			if d := s.opts.SlowLogout; d > 0 {
				select {
				case <-time.After(d):
				case <-s.done:
				}
				if sc, ok := counted.(*serverConn); ok {
					sc.release()
				}
			}
			say("* BYE logging out")
			say("%s OK LOGOUT done", tag)
			return
		case "STARTTLS":
			say("%s BAD STARTTLS not supported here", tag)
		case "LOGIN":
			f := splitArgs(args)
			if len(f) != 2 {
				say("%s BAD LOGIN wants user and password", tag)
				continue
			}
			if s.opts.LoginDisabled {
				s.logins.Add(1)
				say("%s NO [PRIVACYREQUIRED] LOGIN is disabled on this connection", tag)
				continue
			}
			say("%s %s", tag, s.verdict(f[0], f[1]))
		case "AUTHENTICATE":
			mech, ir, _ := strings.Cut(args, " ")
			if !strings.EqualFold(mech, "PLAIN") || s.opts.LoginDisabled {
				say("%s NO unsupported mechanism", tag)
				continue
			}
			if ir == "" {
				say("+ ")
				if ir, err = br.ReadString('\n'); err != nil {
					return
				}
				ir = strings.TrimRight(ir, "\r\n")
			}
			user, pw, ok := decodePlain(ir)
			if !ok {
				say("%s BAD malformed PLAIN response", tag)
				continue
			}
			say("%s %s", tag, s.verdict(user, pw))
		default:
			say("%s BAD unknown command", tag)
		}
	}
}

// verdict is the tagged answer to a login, without the tag.
func (s *Server) verdict(user, pw string) string {
	ok := s.verify(user, pw)
	if no := s.opts.LoginNO; no != nil {
		if no.Code == "" {
			return "NO " + no.Text
		}
		return fmt.Sprintf("NO [%s] %s", no.Code, no.Text)
	}
	if !ok {
		return "NO [AUTHENTICATIONFAILED] Authentication failed."
	}
	return "OK [CAPABILITY IMAP4rev1] Logged in"
}

// readCommand reads one command line, following synchronizing and
// non-synchronizing literals ({n} and {n+}) into the line.
func readCommand(br *bufio.Reader, w *bufio.Writer) (string, error) {
	var line strings.Builder
	for {
		part, err := br.ReadString('\n')
		if err != nil {
			return "", err
		}
		part = strings.TrimRight(part, "\r\n")
		n, sync, ok := literalSuffix(part)
		if !ok {
			line.WriteString(part)
			return line.String(), nil
		}
		line.WriteString(part[:strings.LastIndexByte(part, '{')])
		if sync {
			fmt.Fprint(w, "+ go ahead\r\n")
			if err := w.Flush(); err != nil {
				return "", err
			}
		}
		buf := make([]byte, n)
		if _, err := io.ReadFull(br, buf); err != nil {
			return "", err
		}
		line.WriteString(strconv.Quote(string(buf)))
	}
}

func literalSuffix(s string) (n int, sync, ok bool) {
	if !strings.HasSuffix(s, "}") {
		return 0, false, false
	}
	i := strings.LastIndexByte(s, '{')
	if i < 0 {
		return 0, false, false
	}
	num := s[i+1 : len(s)-1]
	sync = !strings.HasSuffix(num, "+") && !strings.HasSuffix(num, "-")
	num = strings.TrimRight(num, "+-")
	n, err := strconv.Atoi(num)
	if err != nil || n < 0 || n > 1<<16 {
		return 0, false, false
	}
	return n, sync, true
}

// splitArgs splits atoms and quoted strings.
func splitArgs(s string) []string {
	var out []string
	for s = strings.TrimSpace(s); s != ""; s = strings.TrimSpace(s) {
		if s[0] == '"' {
			q, err := strconv.QuotedPrefix(s)
			if err != nil {
				return append(out, s)
			}
			v, _ := strconv.Unquote(q)
			out = append(out, v)
			s = s[len(q):]
			continue
		}
		atom, rest, _ := strings.Cut(s, " ")
		out = append(out, atom)
		s = rest
	}
	return out
}

func decodePlain(b64 string) (user, pw string, ok bool) {
	b, err := base64.StdEncoding.DecodeString(b64)
	if err != nil {
		return "", "", false
	}
	f := bytes.Split(b, []byte{0})
	if len(f) != 3 {
		return "", "", false
	}
	return string(f[1]), string(f[2]), true
}
