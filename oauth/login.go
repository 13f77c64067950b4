package oauth

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"runtime"
	"strconv"
	"time"

	"golang.org/x/oauth2"

	"github.com/imapvault/imapvault/vault"
)

// Flow is what the person must do to authorise: open URL in a browser and,
// in the device flow, type UserCode there.
type Flow struct {
	URL      string
	UserCode string
	Device   bool
	// Expires is when the device flow's code stops working.
	Expires time.Time
	// Port is the loopback redirect's port (browser flow): a browser on
	// another machine reaches it only through a forwarded port.
	Port int
}

// LoginOptions choose the flow and how it reaches the person.
type LoginOptions struct {
	Device bool // the device flow (RFC 8628) instead of PKCE + loopback
	// Show is told the flow once it is ready (print it, draw it).
	Show func(Flow)
	// Open opens a URL in a browser; nil leaves that to the person.
	Open func(url string) error
	// LoginHint names the account to sign in as (OpenID's login_hint),
	// so the provider offers that one rather than whichever is signed in.
	LoginHint string
	// Nonce goes into the browser flow's request and must come back in
	// the id_token (OpenID Connect); empty sends none.
	Nonce string
}

// ErrLoginDenied is returned when the person (or the provider) refused.
var ErrLoginDenied = errors.New("authorisation refused")

// ErrCodeExpired is returned when the device flow's code expired before
// anyone entered it.
var ErrCodeExpired = errors.New("the code expired before it was entered")

// Login runs the chosen flow for o and returns the new tokens. It does not
// store them: the caller verifies and saves.
func Login(ctx context.Context, o *vault.OAuth, opt LoginOptions) (*oauth2.Token, error) {
	if opt.Show == nil {
		opt.Show = func(Flow) {}
	}
	ctx = withClient(ctx)
	if opt.Device {
		return deviceLogin(ctx, o, opt)
	}
	return loopbackLogin(ctx, o, opt)
}

func deviceLogin(ctx context.Context, o *vault.OAuth, opt LoginOptions) (*oauth2.Token, error) {
	if o.DeviceURL == "" {
		return nil, errors.New("this provider has no device authorization endpoint (--device-url)")
	}
	cfg := Config(o)
	da, err := cfg.DeviceAuth(ctx, authParams(o)...)
	if err != nil {
		return nil, fmt.Errorf("start device login: %w", tokenError(err, o.ClientSecret))
	}
	if cfg.Endpoint.AuthStyle == oauth2.AuthStyleAutoDetect {
		// Auto-detection sends every failed request again at once in the
		// other style; a poll answered authorization_pending is a failed
		// request, so each poll would go out twice, back to back, against
		// RFC 8628's interval. The secret goes in the body, as Google's and
		// Microsoft's device flow documentation has it.
		cfg.Endpoint.AuthStyle = oauth2.AuthStyleInParams
	}
	f := Flow{URL: da.VerificationURI, UserCode: da.UserCode, Device: true, Expires: da.Expiry}
	opt.Show(f)
	// golang.org/x/oauth2 polls at the server's interval (5 s when it
	// names none), adds 5 s for every slow_down (RFC 8628 section 3.5)
	// and stops at expires_in with the context's deadline.
	tok, err := cfg.DeviceAccessToken(ctx, da)
	if err != nil {
		if ctx.Err() == nil && errors.Is(err, context.DeadlineExceeded) {
			return nil, fmt.Errorf("device login: %w (it was valid until %s)", ErrCodeExpired, da.Expiry.Local().Format("15:04:05"))
		}
		te := tokenError(err, o.ClientSecret)
		switch te.Code {
		case "access_denied", "authorization_declined":
			return nil, fmt.Errorf("%w: %s", ErrLoginDenied, te.Error())
		case "expired_token":
			return nil, fmt.Errorf("device login: %w: %s", ErrCodeExpired, te.Error())
		}
		return nil, fmt.Errorf("device login: %w", te)
	}
	return tok, nil
}

func authParams(o *vault.OAuth) []oauth2.AuthCodeOption {
	if o.Provider == Google {
		// Google sends a refresh token only for offline access, and
		// again only when consent is asked again.
		return []oauth2.AuthCodeOption{oauth2.AccessTypeOffline, oauth2.SetAuthURLParam("prompt", "consent")}
	}
	return nil
}

// loopbackLogin is the authorization code flow with PKCE (RFC 7636) and a
// redirect to a one-shot HTTP server on 127.0.0.1 (RFC 8252 section 7.3).
func loopbackLogin(ctx context.Context, o *vault.OAuth, opt LoginOptions) (*oauth2.Token, error) {
	if o.AuthURL == "" {
		return nil, errors.New("this provider has no authorization endpoint (--auth-url); try --device")
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("listen for the browser's redirect: %w", err)
	}
	defer ln.Close()
	cfg := Config(o)
	cfg.RedirectURL = fmt.Sprintf("http://127.0.0.1:%d/callback", ln.Addr().(*net.TCPAddr).Port)
	state := randomString()
	verifier := oauth2.GenerateVerifier()

	type answer struct {
		code string
		err  error
	}
	got := make(chan answer, 1)
	srv := &http.Server{ReadHeaderTimeout: 10 * time.Second, Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/callback" {
			http.NotFound(w, r)
			return
		}
		q := r.URL.Query()
		var a answer
		switch {
		case q.Get("state") != state:
			http.Error(w, "state does not match: this is not the login imapvault started", http.StatusBadRequest)
			return // a stray or forged request: keep waiting for the real one
		case q.Get("error") != "":
			a.err = fmt.Errorf("%w: %w", ErrLoginDenied, &TokenError{Endpoint: "authorization endpoint",
				Code: scrub(q.Get("error")), Description: scrub(q.Get("error_description"))})
		case q.Get("code") == "":
			a.err = errors.New("the redirect carried no code")
		default:
			a.code = q.Get("code")
		}
		// The browser gets its whole page before the login goes on: once
		// the code is handed over, the exchange may finish and this server
		// close before a reply written afterwards got out (the browser then
		// shows a reset connection instead of "authorised").
		if a.err != nil {
			http.Error(w, "imapvault: authorisation failed; see the terminal", http.StatusForbidden)
		} else {
			page := "imapvault: authorised. You can close this window.\n"
			w.Header().Set("Content-Length", strconv.Itoa(len(page)))
			io.WriteString(w, page)
		}
		if f, ok := w.(http.Flusher); ok {
			f.Flush()
		}
		select {
		case got <- a:
		default:
		}
	})}
	go srv.Serve(ln)
	defer func() {
		// Graceful: a reply still being written gets out; a browser that
		// keeps the connection open is cut after a second.
		sctx, cancel := context.WithTimeout(context.Background(), time.Second)
		defer cancel()
		if srv.Shutdown(sctx) != nil {
			srv.Close()
		}
	}()

	opts := append(authParams(o), oauth2.S256ChallengeOption(verifier))
	if opt.LoginHint != "" {
		opts = append(opts, oauth2.SetAuthURLParam("login_hint", opt.LoginHint))
	}
	if opt.Nonce != "" {
		opts = append(opts, oauth2.SetAuthURLParam("nonce", opt.Nonce))
	}
	f := Flow{URL: cfg.AuthCodeURL(state, opts...), Port: ln.Addr().(*net.TCPAddr).Port}
	opt.Show(f)
	if opt.Open != nil {
		_ = opt.Open(f.URL) // the URL is shown as well: a failed open is no error
	}
	var a answer
	select {
	case a = <-got:
	case <-ctx.Done():
		return nil, fmt.Errorf("waiting for the browser: %w", ctx.Err())
	}
	if a.err != nil {
		return nil, a.err
	}
	tok, err := cfg.Exchange(ctx, a.code, oauth2.VerifierOption(verifier))
	if err != nil {
		return nil, fmt.Errorf("exchange the code: %w", tokenError(err, o.ClientSecret))
	}
	return tok, nil
}

func randomString() string {
	b := make([]byte, 24)
	rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

// OpenBrowser opens url with xdg-open when there is a display (open on
// macOS), and says no otherwise (the caller prints the URL in any case).
func OpenBrowser(url string) error {
	if Headless(os.Getenv) {
		return errors.New("no display")
	}
	opener := "xdg-open"
	if runtime.GOOS == "darwin" {
		opener = "open"
	}
	cmd := exec.Command(opener, url)
	if err := cmd.Start(); err != nil {
		return err
	}
	go cmd.Wait()
	return nil
}
