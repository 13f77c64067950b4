package smtpcheck

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/textproto"
	"strings"
	"time"

	"github.com/imapvault/imapvault/imapcheck"
)

// handshake runs imapcheck's verified TLS handshake and keeps what the
// certificate said, refused or not.
func (c *checker) handshake(ctx context.Context, conn net.Conn) (net.Conn, error) {
	tc, info, took, err := imapcheck.Handshake(ctx, conn, c.t.imap())
	c.r.Timings.TLS = took
	c.r.TLS = info
	if err != nil {
		return nil, shared(err)
	}
	return tc, nil
}

// startTLS reads the cleartext greeting, says EHLO, makes sure STARTTLS is
// offered and upgrades. We do this ourselves rather than through go-smtp's
// NewClientStartTLS so that a server without STARTTLS gets a clear message
// before anything else is sent, bytes pushed before the handshake are
// caught (CVE-2011-0411), the handshake is ours (context, verification
// details) and the greeting stays visible. It returns the TLS conn and a
// greeting to replay to go-smtp, which expects one.
func (c *checker) startTLS(ctx context.Context) (net.Conn, []byte, error) {
	pre := newReplyConn(c.raw, nil)
	br := bufio.NewReaderSize(pre, 4096)
	tr := textproto.NewReader(br)
	stopped := func(err error) error {
		if pre.exceeded.Load() {
			return fail(StatusProtocolError, "%s", pre.why())
		}
		return err
	}

	c.phase = "greeting"
	t0 := time.Now()
	_, text, err := tr.ReadResponse(220)
	c.r.Timings.Greeting = time.Since(t0)
	c.r.Greeting = pre.greeting()
	if err != nil {
		return nil, nil, stopped(replyFailure("greeting", err))
	}

	c.phase = "ehlo"
	if _, err := io.WriteString(c.raw, "EHLO "+c.localName()+"\r\n"); err != nil {
		return nil, nil, fmt.Errorf("send EHLO: %w", err)
	}
	_, msg, err := tr.ReadResponse(250)
	if err != nil {
		var te *textproto.Error
		if errors.As(err, &te) && (te.Code == 500 || te.Code == 502) {
			return nil, nil, fail(StatusTLSError, "server does not speak ESMTP, so it offers no STARTTLS; password not sent (use security tls, or insecure if you must)")
		}
		return nil, nil, stopped(replyFailure("ehlo", err))
	}
	if !hasExtension(msg, "STARTTLS") {
		_, _ = io.WriteString(c.raw, "QUIT\r\n") // not waited for
		return nil, nil, fail(StatusTLSError, "server does not offer STARTTLS; password not sent (use security tls, or insecure if you must)")
	}

	c.phase = "starttls"
	if _, err := io.WriteString(c.raw, "STARTTLS\r\n"); err != nil {
		return nil, nil, fmt.Errorf("send STARTTLS: %w", err)
	}
	if _, _, err := tr.ReadResponse(220); err != nil {
		return nil, nil, stopped(replyFailure("starttls", err))
	}
	if br.Buffered() > 0 {
		// Bytes before the handshake could be injected by anyone on the
		// path; never let them reach the session.
		return nil, nil, fail(StatusProtocolError, "server sent data after accepting STARTTLS; refusing to go on")
	}
	c.phase = "tls handshake"
	conn, err := c.handshake(ctx, c.raw)
	if err != nil {
		return nil, nil, err
	}
	// go-smtp wants a greeting, then says EHLO again over TLS (RFC 3207:
	// what was learnt before TLS is forgotten).
	first, _, _ := strings.Cut(text, "\n")
	return conn, []byte("220 " + oneLine(first) + "\r\n"), nil
}

// hasExtension looks for keyword in an EHLO reply's text (lines after the
// first, as textproto joins them).
func hasExtension(msg, keyword string) bool {
	lines := strings.Split(msg, "\n")
	for _, l := range lines[1:] {
		if f := strings.Fields(l); len(f) > 0 && strings.EqualFold(f[0], keyword) {
			return true
		}
	}
	return false
}

// oneLine keeps s to one printable line for the replayed greeting.
func oneLine(s string) string {
	return strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f {
			return ' '
		}
		return r
	}, s)
}
