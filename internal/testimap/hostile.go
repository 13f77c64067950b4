package testimap

import (
	"bufio"
	"bytes"
	"crypto/tls"
	"fmt"
	"io"
	"net"
	"strings"
)

// Hostile is an attack the scripted responder makes on its client: terminal
// escape sequences in the words a client shows its user, or more bytes than
// any honest server sends. Options.Hostile switches it on.
type Hostile string

const (
	// HostileGreeting greets with "* OK [CAPABILITY ...] EscapeText" and
	// then lets the login succeed (the greeting is kept with the check).
	HostileGreeting Hostile = "greeting"
	// HostileBye greets with "* BYE EscapeText" and hangs up.
	HostileBye Hostile = "bye"
	// HostileNO answers every login with "NO [AUTHENTICATIONFAILED] EscapeText".
	HostileNO Hostile = "no"
	// HostileBAD answers every login with "BAD EscapeText".
	HostileBAD Hostile = "bad"
	// HostileAlert sends "* OK [ALERT] EscapeText" and then "NO [ALERT] EscapeText".
	HostileAlert Hostile = "alert"
	// HostileStartTLS (Mode STARTTLS) offers STARTTLS and refuses it with
	// "NO EscapeText": words sent before TLS, which anyone on the path can forge.
	HostileStartTLS Hostile = "starttls"
	// HostileCert presents an expired certificate whose subject (CN and O)
	// carries CertText, so that the client refuses it and shows its names.
	HostileCert Hostile = "cert"

	// FloodAlert answers a login with an endless stream of
	// "* OK [ALERT] ..." lines.
	FloodAlert Hostile = "flood-alert"
	// FloodLiteral answers ID (and a login) with a literal announced as
	// {999999999} and then sends bytes until the client hangs up.
	FloodLiteral Hostile = "flood-literal"
	// FloodGreeting greets with one line of FloodGreetingSize bytes.
	FloodGreeting Hostile = "flood-greeting"
)

// HostileModes lists the escape modes and FloodModes the flooding ones, for
// table-driven tests.
var (
	HostileModes = []Hostile{HostileGreeting, HostileBye, HostileNO, HostileBAD, HostileAlert, HostileStartTLS, HostileCert}
	FloodModes   = []Hostile{FloodAlert, FloodLiteral, FloodGreeting}
)

// FloodGreetingSize is the length of FloodGreeting's line: 50 MB.
const FloodGreetingSize = 50 << 20

// EscapeText is what a hostile server says: it writes the clipboard (OSC
// 52), sets the window title, clears the screen, colours (SGR), hides a link
// (OSC 8), uses the UTF-8 C1 CSI (U+009B), reverses the text that follows
// (U+202E) and rubs out (DEL). It holds no CR or LF, so it fits an IMAP line.
const EscapeText = "\x1b]52;c;aW1hcHZhdWx0IHB3bmVk\x07" +
	"\x1b]0;pwned title\x07" +
	"\x1b[2J\x1b[H" +
	"\x1b[31;1mred\x1b[0m " +
	"\x1b]8;;https://evil.example/\x1b\\click\x1b]8;;\x1b\\ " +
	"\u009b2J " +
	"\u202eevil\u202c " +
	"\x7f" +
	"Authentication failed"

// CertText is EscapeText plus a newline and a faked line, for certificate
// names, which may hold any character.
const CertText = EscapeText + "\nFAKE ROW ok 1ms"

// HostileCertSpec is the certificate HostileCert presents: expired, with
// CertText as its CN and O.
func HostileCertSpec() CertSpec {
	return CertSpec{Days: -1, CommonName: CertText, Organization: CertText}
}

// Unsafe returns a description of the first byte in out that a terminal
// would act on (C0 controls other than newline, ESC, DEL, C1 in UTF-8 or
// raw, bidi overrides), or "" when out is safe to show.
func Unsafe(out string) string {
	for i, r := range out {
		switch {
		case r == '\n':
		case r < 0x20 || r == 0x7f:
			return fmt.Sprintf("control byte %#x at %d", r, i)
		case r >= 0x80 && r <= 0x9f:
			return fmt.Sprintf("C1 control U+%04X at %d", r, i)
		case r == 0xfffd && !strings.HasPrefix(out[i:], "\xef\xbf\xbd"):
			return fmt.Sprintf("invalid UTF-8 byte %#x at %d", out[i], i)
		case r == 0x061c, r == 0x200e, r == 0x200f, r >= 0x202a && r <= 0x202e, r >= 0x2066 && r <= 0x2069:
			return fmt.Sprintf("bidi control U+%04X at %d", r, i)
		}
	}
	return ""
}

func (s *Server) hostile(c net.Conn) {
	mode := s.opts.Hostile
	if s.opts.Mode == ImplicitTLS {
		c = tls.Server(c, s.tls)
	}
	w := bufio.NewWriter(c)
	br := bufio.NewReader(c)
	say := func(format string, args ...any) bool {
		fmt.Fprintf(w, format+"\r\n", args...)
		return w.Flush() == nil
	}
	caps := "IMAP4rev1 SASL-IR ID AUTH=PLAIN"
	if s.opts.Mode == STARTTLS {
		caps = "IMAP4rev1 ID STARTTLS LOGINDISABLED"
	}
	switch mode {
	case HostileBye:
		say("* BYE %s", EscapeText)
		return
	case HostileGreeting:
		say("* OK [CAPABILITY %s] %s", caps, EscapeText)
	case FloodGreeting:
		fmt.Fprintf(w, "* OK [CAPABILITY %s] ", caps)
		if s.flood(w, bytes.Repeat([]byte("x"), 64<<10), FloodGreetingSize) {
			say("")
		}
	default:
		say("* OK [CAPABILITY %s] testimap hostile server ready", caps)
	}
	sawID := false
	for {
		line, err := readCommand(br, w)
		if err != nil {
			return
		}
		tag, rest, _ := strings.Cut(line, " ")
		name, args, _ := strings.Cut(rest, " ")
		switch strings.ToUpper(name) {
		case "CAPABILITY":
			say("* CAPABILITY %s", caps)
			say("%s OK CAPABILITY done", tag)
		case "NOOP":
			say("%s OK NOOP done", tag)
		case "ID":
			sawID = true
			if mode == FloodLiteral {
				s.floodLiteral(w)
				return
			}
			say(`* ID ("name" "testimap")`)
			say("%s OK ID done", tag)
		case "LOGOUT":
			say("* BYE logging out")
			say("%s OK LOGOUT done", tag)
			return
		case "STARTTLS":
			if mode == HostileStartTLS || s.opts.Mode != STARTTLS {
				say("%s NO %s", tag, EscapeText)
				continue
			}
			say("%s OK begin TLS", tag)
			tc := tls.Server(c, s.tls)
			if tc.Handshake() != nil {
				return
			}
			c, caps = tc, "IMAP4rev1 SASL-IR ID AUTH=PLAIN"
			w, br = bufio.NewWriter(c), bufio.NewReader(c)
		case "LOGIN", "AUTHENTICATE":
			user, pw, ok := s.credentials(strings.ToUpper(name), args, br, w)
			if !ok {
				if user == "" {
					return
				}
				say("%s BAD malformed login", tag)
				continue
			}
			s.logins.Add(1)
			switch mode {
			case HostileNO:
				say("%s NO [AUTHENTICATIONFAILED] %s", tag, EscapeText)
			case HostileBAD:
				say("%s BAD %s", tag, EscapeText)
			case HostileAlert:
				say("* OK [ALERT] %s", EscapeText)
				say("%s NO [ALERT] %s", tag, EscapeText)
			case FloodAlert:
				s.flood(w, []byte("* OK [ALERT] your mailbox is on fire, please read this alert again\r\n"), -1)
				return
			case FloodLiteral:
				if !sawID {
					s.floodLiteral(w)
				}
				return
			default:
				say("%s %s", tag, s.verdict(user, pw))
			}
		default:
			say("%s BAD unknown command", tag)
		}
	}
}

// credentials reads the user and password of a LOGIN or AUTHENTICATE PLAIN.
// ok false with user "" means the connection is gone.
func (s *Server) credentials(cmd, args string, br *bufio.Reader, w *bufio.Writer) (user, pw string, ok bool) {
	if cmd == "LOGIN" {
		f := splitArgs(args)
		if len(f) != 2 {
			return "-", "", false
		}
		return f[0], f[1], true
	}
	mech, ir, _ := strings.Cut(args, " ")
	if !strings.EqualFold(mech, "PLAIN") {
		return "-", "", false
	}
	if ir == "" {
		fmt.Fprint(w, "+ \r\n")
		if w.Flush() != nil {
			return "", "", false
		}
		line, err := br.ReadString('\n')
		if err != nil {
			return "", "", false
		}
		ir = strings.TrimRight(line, "\r\n")
	}
	user, pw, ok = decodePlain(ir)
	if !ok {
		return "-", "", false
	}
	return user, pw, true
}

func (s *Server) floodLiteral(w *bufio.Writer) {
	fmt.Fprint(w, "* ID (\"name\" {999999999}\r\n")
	s.flood(w, bytes.Repeat([]byte("A"), 64<<10), 999999999)
}

// flood writes chunk again and again until limit bytes are out (limit < 0:
// no limit), the client hangs up or the server closes. It reports whether
// all of limit went out.
func (s *Server) flood(w io.Writer, chunk []byte, limit int64) bool {
	var sent int64
	for limit < 0 || sent < limit {
		select {
		case <-s.done:
			return false
		default:
		}
		b := chunk
		if limit >= 0 && int64(len(b)) > limit-sent {
			b = b[:limit-sent]
		}
		if _, err := w.Write(b); err != nil {
			return false
		}
		sent += int64(len(b))
	}
	if bw, ok := w.(*bufio.Writer); ok {
		return bw.Flush() == nil
	}
	return true
}
