package discover

import (
	"context"
	"fmt"
	"net"

	"github.com/imapvault/imapvault/vault"
)

// srvService is one RFC 6186 / RFC 8314 service name and the security it
// implies: the "s" names are implicit TLS; the others must use STARTTLS
// (never cleartext: RFC 8314 section 4).
type srvService struct {
	name string
	sec  vault.Security
}

var (
	srvIMAP = []srvService{{"imaps", vault.TLS}, {"imap", vault.STARTTLS}}
	srvSMTP = []srvService{{"submissions", vault.TLS}, {"submission", vault.STARTTLS}}
)

// srvStep reads the SRV records. They carry neither the login form nor
// the way to log in, and DNS is not authenticated: a hint that a person
// confirms, with the full address as username (RFC 6186 section 4).
func (d *run) srvStep(ctx context.Context) outcome {
	all := append(append([]srvService(nil), srvIMAP...), srvSMTP...)
	recs := make([]*net.SRV, len(all))
	errs := make([]error, len(all))
	var done = make(chan struct{}, len(all))
	for i, s := range all {
		go func() {
			recs[i], errs[i] = d.res.srv(ctx, s.name, d.a.domain)
			done <- struct{}{}
		}()
	}
	for range all {
		<-done
	}
	pick := func(off int, list []srvService) (*Server, string, []Attempt) {
		var tried []Attempt
		for i, s := range list {
			name := fmt.Sprintf("_%s._tcp.%s", s.name, d.a.domain)
			rec, err := recs[off+i], errs[off+i]
			if err == nil && !validHost(rec.Target) {
				err = fmt.Errorf("target %q is not a host name", clip(rec.Target))
			}
			if err != nil {
				tried = append(tried, Attempt{Source: SourceSRV, What: "SRV " + name, Err: err})
				continue
			}
			return &Server{Host: rec.Target, Port: int(rec.Port), Security: s.sec, Username: d.a.full}, name, nil
		}
		return nil, "", tried
	}
	imap, name, tried := pick(0, srvIMAP)
	if imap == nil {
		return outcome{tried: tried}
	}
	smtp, smtpName, _ := pick(len(srvIMAP), srvSMTP)
	from := "SRV " + name
	if smtp != nil {
		from += ", " + smtpName
	}
	r := &Result{Address: d.a.full, Source: SourceSRV, From: from, IMAP: *imap, SMTP: smtp,
		Auth: []Auth{AuthPassword}, Confirm: true}
	r.Why = fmt.Sprintf("from DNS SRV records (RFC 6186), a hint that DNS does not authenticate: check that your mail provider runs %s",
		serverDomains(r))
	return outcome{r: r}
}
