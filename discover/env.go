package discover

import (
	"fmt"
	"net"
	"net/url"
	"strconv"
	"strings"
)

// Environment variables that set Options (the command line and the TUI
// read the same ones).
const (
	EnvResolver = "IMAPVAULT_RESOLVER" // HOST:PORT of the DNS server to ask
	EnvISPDB    = "IMAPVAULT_ISPDB"    // the ISPDB's base URL
	// EnvTestHTTPSPort is for tests only (see Options.HTTPSPort).
	EnvTestHTTPSPort = "IMAPVAULT_DISCOVER_TEST_HTTPS_PORT"
)

// OptionsFromEnv reads the variables above through getenv.
func OptionsFromEnv(getenv func(string) string) (Options, error) {
	var o Options
	if r := strings.TrimSpace(getenv(EnvResolver)); r != "" {
		if err := CheckResolver(r); err != nil {
			return o, fmt.Errorf("%s: %w", EnvResolver, err)
		}
		o.Resolver = r
	}
	if u := strings.TrimSpace(getenv(EnvISPDB)); u != "" {
		if err := CheckISPDB(u); err != nil {
			return o, fmt.Errorf("%s: %w", EnvISPDB, err)
		}
		o.ISPDB = u
	}
	if p := strings.TrimSpace(getenv(EnvTestHTTPSPort)); p != "" {
		n, err := strconv.Atoi(p)
		if err != nil || n < 1 || n > 65535 {
			return o, fmt.Errorf("%s: %q is not a port", EnvTestHTTPSPort, p)
		}
		o.HTTPSPort = n
	}
	return o, nil
}

// CheckResolver accepts HOST:PORT with a numeric port.
func CheckResolver(s string) error {
	host, port, err := net.SplitHostPort(s)
	if err != nil || host == "" {
		return fmt.Errorf("%q: want HOST:PORT of a DNS server", s)
	}
	if n, err := strconv.Atoi(port); err != nil || n < 1 || n > 65535 {
		return fmt.Errorf("%q: port %q is not a number from 1 to 65535", s, port)
	}
	return nil
}

// CheckISPDB accepts an https base URL without query or fragment.
func CheckISPDB(s string) error {
	u, err := url.Parse(s)
	switch {
	case err != nil:
		return fmt.Errorf("%q is not a URL: %v", s, err)
	case u.Scheme != "https":
		return fmt.Errorf("%q: the ISPDB is asked over https only", s)
	case u.Host == "" || u.User != nil || u.RawQuery != "" || u.Fragment != "":
		return fmt.Errorf("%q: want https://HOST/PATH/", s)
	}
	return nil
}
