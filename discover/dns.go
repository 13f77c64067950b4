package discover

import (
	"context"
	"errors"
	"fmt"
	"net"
	"sort"
	"strings"
	"time"
)

// resolver asks DNS for discovery: the system's resolver, or, with
// Options.Resolver, Go's own resolver with every query (UDP, and TCP for a
// truncated answer) sent to that one server. The same resolver dials the
// HTTPS fetches (net.Dialer.Resolver), so A/AAAA questions go there too.
// Answers are bounded by DNS itself: a UDP answer fits the resolver's
// buffer, a TCP one is at most 64 KiB.
type resolver struct {
	r       *net.Resolver // nil: net.DefaultResolver
	timeout time.Duration
}

func newResolver(o Options) *resolver {
	res := &resolver{timeout: o.timeout()}
	if o.Resolver == "" {
		return res
	}
	server := o.Resolver
	var d net.Dialer
	res.r = &net.Resolver{
		PreferGo:     true,
		StrictErrors: true,
		Dial: func(ctx context.Context, network, _ string) (net.Conn, error) {
			return d.DialContext(ctx, network, server)
		},
	}
	return res
}

func (r *resolver) net() *net.Resolver {
	if r.r == nil {
		return net.DefaultResolver
	}
	return r.r
}

// errNoRecord is a name that has no record of the kind asked.
var errNoRecord = errors.New("no record")

// mx returns the most preferred MX host of domain, without its final dot;
// among equal preferences the first in name order, so the answer does not
// depend on the order DNS returned them in.
func (r *resolver) mx(ctx context.Context, domain string) (string, error) {
	ctx, cancel := context.WithTimeout(ctx, r.timeout)
	defer cancel()
	recs, err := r.net().LookupMX(ctx, domain+".")
	if err != nil {
		return "", r.explain(err)
	}
	var hosts []*net.MX
	for _, m := range recs {
		h := strings.ToLower(strings.TrimSuffix(m.Host, "."))
		if h == "" { // RFC 7505 null MX: the domain takes no mail
			continue
		}
		hosts = append(hosts, &net.MX{Host: h, Pref: m.Pref})
	}
	if len(hosts) == 0 {
		return "", errNoRecord
	}
	sort.Slice(hosts, func(i, j int) bool {
		if hosts[i].Pref != hosts[j].Pref {
			return hosts[i].Pref < hosts[j].Pref
		}
		return hosts[i].Host < hosts[j].Host
	})
	return hosts[0].Host, nil
}

// srv returns the chosen record of _service._tcp.domain (RFC 2782: lowest
// priority, then highest weight; ties by name and port, not by chance),
// or errNoRecord, also when the target is "." (the service is not offered).
func (r *resolver) srv(ctx context.Context, service, domain string) (*net.SRV, error) {
	ctx, cancel := context.WithTimeout(ctx, r.timeout)
	defer cancel()
	_, recs, err := r.net().LookupSRV(ctx, service, "tcp", domain+".")
	if err != nil {
		return nil, r.explain(err)
	}
	var out []*net.SRV
	for _, s := range recs {
		t := strings.ToLower(strings.TrimSuffix(s.Target, "."))
		if t == "" || s.Port == 0 {
			continue
		}
		out = append(out, &net.SRV{Target: t, Port: s.Port, Priority: s.Priority, Weight: s.Weight})
	}
	if len(out) == 0 {
		return nil, errNoRecord
	}
	sort.Slice(out, func(i, j int) bool {
		a, b := out[i], out[j]
		switch {
		case a.Priority != b.Priority:
			return a.Priority < b.Priority
		case a.Weight != b.Weight:
			return a.Weight > b.Weight
		case a.Target != b.Target:
			return a.Target < b.Target
		}
		return a.Port < b.Port
	})
	return out[0], nil
}

func (r *resolver) explain(err error) error {
	var dnsErr *net.DNSError
	if errors.As(err, &dnsErr) {
		switch {
		case dnsErr.IsNotFound:
			return errNoRecord
		case dnsErr.IsTimeout:
			return fmt.Errorf("no answer within %s", r.timeout)
		}
		return errors.New(dnsErr.Err)
	}
	if errors.Is(err, context.DeadlineExceeded) {
		return fmt.Errorf("no answer within %s", r.timeout)
	}
	return err
}
