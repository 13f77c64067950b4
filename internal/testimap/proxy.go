package testimap

import (
	"fmt"
	"net"
	"sync"
	"time"
)

// DelayProxy forwards TCP connections to a target and adds half the round
// trip time in each direction, like a far-away server. Bytes are delayed,
// not throttled: latency without a bandwidth limit.
type DelayProxy struct {
	ln     net.Listener
	target string
	half   time.Duration

	mu     sync.Mutex
	conns  map[net.Conn]struct{}
	closed bool
	wg     sync.WaitGroup
}

// Proxy starts a DelayProxy and stops it when the test ends.
func Proxy(tb TB, target string, rtt time.Duration) *DelayProxy {
	tb.Helper()
	p, err := NewProxy(target, rtt)
	if err != nil {
		tb.Fatalf("testimap: %v", err)
	}
	tb.Cleanup(p.Close)
	return p
}

// NewProxy listens on 127.0.0.1 with a port chosen by the OS. Call Close.
func NewProxy(target string, rtt time.Duration) (*DelayProxy, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("proxy listen: %w", err)
	}
	p := &DelayProxy{ln: ln, target: target, half: rtt / 2, conns: make(map[net.Conn]struct{})}
	p.wg.Add(1)
	go p.serve()
	return p, nil
}

// Addr is host:port of the proxy.
func (p *DelayProxy) Addr() string { return p.ln.Addr().String() }

// Port is the proxy's port.
func (p *DelayProxy) Port() int { return p.ln.Addr().(*net.TCPAddr).Port }

// Close stops the proxy and drops its connections.
func (p *DelayProxy) Close() {
	p.mu.Lock()
	if p.closed {
		p.mu.Unlock()
		return
	}
	p.closed = true
	for c := range p.conns {
		c.Close()
	}
	p.mu.Unlock()
	p.ln.Close()
	p.wg.Wait()
}

func (p *DelayProxy) track(c net.Conn) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed {
		return false
	}
	p.conns[c] = struct{}{}
	return true
}

func (p *DelayProxy) untrack(c net.Conn) {
	p.mu.Lock()
	delete(p.conns, c)
	p.mu.Unlock()
	c.Close()
}

func (p *DelayProxy) serve() {
	defer p.wg.Done()
	for {
		client, err := p.ln.Accept()
		if err != nil {
			return
		}
		p.wg.Add(1)
		go func() {
			defer p.wg.Done()
			// The dial itself costs one round trip to a far server.
			time.Sleep(2 * p.half)
			server, err := net.Dial("tcp", p.target)
			if err != nil {
				client.Close()
				return
			}
			if !p.track(client) || !p.track(server) {
				client.Close()
				server.Close()
				return
			}
			var wg sync.WaitGroup
			wg.Add(2)
			go func() { defer wg.Done(); p.pipe(server, client) }()
			go func() { defer wg.Done(); p.pipe(client, server) }()
			wg.Wait()
			p.untrack(client)
			p.untrack(server)
		}()
	}
}

type chunk struct {
	b   []byte
	due time.Time
}

// pipe copies src to dst, each chunk held back until half the RTT has
// passed since it was read. Reading goes on meanwhile, so the delay does
// not add up across chunks.
func (p *DelayProxy) pipe(dst, src net.Conn) {
	q := make(chan chunk, 256)
	go func() {
		defer close(q)
		for {
			buf := make([]byte, 32<<10)
			n, err := src.Read(buf)
			if n > 0 {
				q <- chunk{buf[:n], time.Now().Add(p.half)}
			}
			if err != nil {
				return
			}
		}
	}()
	for c := range q {
		time.Sleep(time.Until(c.due))
		if _, err := dst.Write(c.b); err != nil {
			break
		}
	}
	// Half-close would be nicer; closing both ends is enough for IMAP.
	dst.Close()
	src.Close()
	for range q {
	}
}
