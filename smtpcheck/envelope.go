package smtpcheck

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"net/textproto"
	"time"

	"github.com/emersion/go-smtp"
)

// envelope asks the server to take a message from Address to Address and
// then forgets it: MAIL FROM, RCPT TO (Postfix applies its sender-login
// maps only at RCPT), RSET. With PIPELINING (RFC 2920) the three go in one
// round trip; without, one at a time through go-smtp. Never DATA.
func (c *checker) envelope(client *smtp.Client) error {
	if ok, _ := client.Extension("PIPELINING"); !ok {
		return c.envelopeOneByOne(client)
	}
	from := "MAIL FROM:<" + c.t.Address + ">"
	if !isASCII(c.t.Address) {
		if ok, _ := client.Extension("SMTPUTF8"); ok {
			from += " SMTPUTF8"
		}
	}
	// go-smtp has flushed its writes and waits for nothing: the conn is
	// ours until QUIT. Our reader starts where its reader stopped, since a
	// server sends nothing unasked after the AUTH reply.
	if _, err := io.WriteString(c.conn, from+"\r\nRCPT TO:<"+c.t.Address+">\r\nRSET\r\n"); err != nil {
		return fmt.Errorf("send MAIL FROM: %w", err)
	}
	tr := textproto.NewReader(bufio.NewReaderSize(c.conn, 4096))
	if _, _, err := tr.ReadResponse(250); err != nil {
		return envelopeFailure("MAIL FROM", err)
	}
	if _, _, err := tr.ReadResponse(25); err != nil { // 250 or 251
		return envelopeFailure("RCPT TO", err)
	}
	// RSET's answer is not needed for the verdict, but read it so QUIT's
	// is the next thing on the wire.
	_, _, _ = tr.ReadResponse(250)
	return nil
}

func (c *checker) envelopeOneByOne(client *smtp.Client) error {
	if err := client.Mail(c.t.Address, nil); err != nil {
		return envelopeFailure("MAIL FROM", err)
	}
	if err := client.Rcpt(c.t.Address, nil); err != nil {
		return envelopeFailure("RCPT TO", err)
	}
	_ = client.Reset()
	return nil
}

// quit sends QUIT and leaves its answer to a goroutine: the verdict is in,
// and the server's goodbye need not cost the caller a round trip. The conn
// closes at the reply or after QuitGrace. It reports whether the conn was
// handed over.
func (c *checker) quit(tcp net.Conn) bool {
	if _, err := io.WriteString(c.conn, "QUIT\r\n"); err != nil {
		return false
	}
	go func() {
		t := time.AfterFunc(QuitGrace, func() { tcp.Close() })
		_, _ = io.Copy(io.Discard, c.conn) // bounded by the read budget
		t.Stop()
		tcp.Close()
	}()
	return true
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return false
		}
	}
	return true
}
