package discover

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"mime"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

const (
	maxRedirects   = 3
	maxHeaderBytes = 16 << 10
)

// fetcher gets config files over HTTPS, resolving and dialling through the
// discovery's resolver.
type fetcher struct {
	client  *http.Client
	timeout time.Duration
	max     int64
}

func newFetcher(o Options, res *resolver) *fetcher {
	d := &net.Dialer{Timeout: o.timeout(), Resolver: res.r}
	dial := func(ctx context.Context, network, addr string) (net.Conn, error) {
		if o.HTTPSPort != 0 {
			if host, port, err := net.SplitHostPort(addr); err == nil && port == "443" {
				addr = net.JoinHostPort(host, strconv.Itoa(o.HTTPSPort))
			}
		}
		return d.DialContext(ctx, network, addr)
	}
	tr := &http.Transport{
		// No proxy: the lookups go where the resolver says, as the IMAP
		// check's connection will.
		Proxy:                  nil,
		DialContext:            dial,
		TLSClientConfig:        &tls.Config{RootCAs: o.RootCAs, MinVersion: tls.VersionTLS12},
		TLSHandshakeTimeout:    o.timeout(),
		ResponseHeaderTimeout:  o.timeout(),
		MaxResponseHeaderBytes: maxHeaderBytes,
		DisableKeepAlives:      true,
	}
	c := &http.Client{Transport: tr, CheckRedirect: func(req *http.Request, via []*http.Request) error {
		if len(via) >= maxRedirects {
			return fmt.Errorf("more than %d redirects", maxRedirects)
		}
		if req.URL.Scheme != "https" {
			return fmt.Errorf("redirected to %s, which is not https: refused", clip(req.URL.Redacted()))
		}
		return nil
	}}
	return &fetcher{client: c, timeout: o.timeout(), max: o.maxBytes()}
}

// get fetches one XML document within the timeout (the whole exchange,
// body included) and the byte budget.
func (f *fetcher) get(ctx context.Context, rawURL string) ([]byte, error) {
	ctx, cancel := context.WithTimeout(ctx, f.timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, rawURL, nil)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Accept", "text/xml, application/xml")
	resp, err := f.client.Do(req)
	if err != nil {
		return nil, f.explain(ctx, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("HTTP %s", resp.Status)
	}
	if err := xmlType(resp.Header.Get("Content-Type")); err != nil {
		return nil, err
	}
	if resp.ContentLength > f.max {
		return nil, fmt.Errorf("the answer is %d bytes, more than the %d KiB allowed", resp.ContentLength, f.max>>10)
	}
	b, err := io.ReadAll(io.LimitReader(resp.Body, f.max+1))
	if ctx.Err() != nil {
		// The deadline cut the body off; what was read is not the answer
		// (the cut can surface as a clean end of the body).
		err = ctx.Err()
	}
	if err != nil {
		return nil, f.explain(ctx, err)
	}
	if int64(len(b)) > f.max {
		return nil, fmt.Errorf("the answer is larger than the %d KiB allowed", f.max>>10)
	}
	return b, nil
}

// explain turns a transport error into what a person reads.
func (f *fetcher) explain(ctx context.Context, err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		err = ue.Err
	}
	var dnsErr *net.DNSError
	var netErr net.Error
	switch {
	case errors.As(err, &dnsErr):
		if dnsErr.IsNotFound {
			return fmt.Errorf("no such host %s", dnsErr.Name)
		}
		if dnsErr.IsTimeout {
			return fmt.Errorf("cannot resolve %s: no answer within %s", dnsErr.Name, f.timeout)
		}
		return fmt.Errorf("cannot resolve %s: %s", dnsErr.Name, dnsErr.Err)
	case errors.Is(ctx.Err(), context.DeadlineExceeded) || errors.Is(err, context.DeadlineExceeded),
		errors.As(err, &netErr) && netErr.Timeout():
		return fmt.Errorf("no answer within %s", f.timeout)
	}
	return err
}

// xmlType accepts the XML media types, and no type at all (many static
// servers send none for .xml); an HTML error page or anything else is not
// a config file.
func xmlType(ct string) error {
	if ct == "" {
		return nil
	}
	mt, _, err := mime.ParseMediaType(ct)
	if err == nil && (mt == "text/xml" || mt == "application/xml" || strings.HasSuffix(mt, "+xml")) {
		return nil
	}
	return fmt.Errorf("the answer is %q, not XML", clip(ct))
}
