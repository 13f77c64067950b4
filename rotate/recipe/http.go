package recipe

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"strings"
	"time"

	"github.com/imapvault/imapvault/internal/termtext"
)

// maxResponse bounds what a recipe reads of a server's answer.
const maxResponse = 64 << 10

// apiURL joins a base URL setting and a path. It must be https, except to
// a loopback address (a panel's own host, or a test): a password never
// crosses a network in clear. It may hold no user info or query: secrets
// never go into a URL.
func apiURL(setting Setting, base, path string) (string, error) {
	u, err := url.Parse(strings.TrimRight(base, "/"))
	if err != nil || u.Host == "" {
		return "", badSetting("%s: %q is not a URL like https://mail.example.org", setting.Env, base)
	}
	if u.User != nil || u.RawQuery != "" || u.Fragment != "" {
		return "", badSetting("%s: no user, password or query in the URL; credentials come from their file", setting.Env)
	}
	if u.Scheme != "https" && !(u.Scheme == "http" && loopback(u.Hostname())) {
		return "", badSetting("%s: use https (plain http only to a loopback address)", setting.Env)
	}
	return u.String() + path, nil
}

func loopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// secretFile reads the first line of a credentials file (an API key, or
// user:password): it must be a regular file, not readable by others.
func secretFile(setting Setting, path string) (string, error) {
	f, err := os.OpenFile(path, os.O_RDONLY, 0)
	if err != nil {
		return "", badSetting("%s: %v", setting.Env, err)
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return "", badSetting("%s: %v", setting.Env, err)
	}
	if !st.Mode().IsRegular() && st.Mode()&os.ModeNamedPipe == 0 {
		return "", badSetting("%s: %s is not a file", setting.Env, path)
	}
	if st.Mode().IsRegular() && st.Mode().Perm()&0o077 != 0 {
		return "", badSetting("%s: %s is readable by others (mode %v); chmod 600 it", setting.Env, path, st.Mode().Perm())
	}
	b, err := io.ReadAll(io.LimitReader(f, 8<<10))
	if err != nil {
		return "", badSetting("%s: %v", setting.Env, err)
	}
	line, _, _ := strings.Cut(string(b), "\n")
	line = strings.TrimSuffix(line, "\r")
	if line == "" {
		return "", badSetting("%s: %s is empty", setting.Env, path)
	}
	return line, nil
}

// httpClient does not follow redirects: a redirect could carry the body
// somewhere else.
var httpClient = &http.Client{
	Timeout:       60 * time.Second,
	CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
}

// send makes one API call and returns the status and the start of the
// answer. The secrets are redacted from errors.
func send(ctx context.Context, method, target, contentType string, body []byte, header http.Header) (int, []byte, error) {
	req, err := http.NewRequestWithContext(ctx, method, target, bytes.NewReader(body))
	if err != nil {
		return 0, nil, err
	}
	for k, v := range header {
		req.Header[k] = v
	}
	req.Header.Set("Content-Type", contentType)
	req.Header.Set("User-Agent", "imapvault-recipe")
	resp, err := httpClient.Do(req)
	if err != nil {
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err // without the URL repeated
		}
		return 0, nil, fmt.Errorf("%s %s: %w", method, target, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, maxResponse))
	if err != nil {
		return resp.StatusCode, nil, fmt.Errorf("%s %s: read the answer: %w", method, target, err)
	}
	return resp.StatusCode, b, nil
}

// answer is a server's words, cleaned and cut for an error line.
func answer(b []byte) string { return termtext.LineN(strings.TrimSpace(string(b)), 300) }
