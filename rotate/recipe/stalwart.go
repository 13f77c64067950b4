package recipe

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
)

// Stalwart 0.16 (2026) replaced its REST management API with JMAP: the
// session (GET /jmap/session) lists the capability urn:stalwart:jmap, and
// accounts are x:Account objects whose credentials map holds one
// {"@type": "Password", "secret": ...}. An admin changes it with
// x:Account/set and a JSON-pointer patch "credentials/KEY/secret"; the
// server hashes it (crates/jmap/src/registry/mapping/principal.rs). A
// session without that capability is a server before 0.16, which still
// takes PATCH /api/principal/NAME.

var (
	stalwartURL   = Setting{Env: "IMAPVAULT_RECIPE_STALWART_URL", Required: true, About: "Stalwart's base URL, https://mail.example.org"}
	stalwartToken = Setting{Env: "IMAPVAULT_RECIPE_STALWART_TOKEN_FILE", About: "file holding an API key (Bearer); or use the admin file"}
	stalwartAdmin = Setting{Env: "IMAPVAULT_RECIPE_STALWART_ADMIN_FILE", About: "file holding admin:password (HTTP basic auth), when no token file"}
)

// jmapStalwart is the capability of Stalwart's management methods.
const (
	jmapCore     = "urn:ietf:params:jmap:core"
	jmapStalwart = "urn:stalwart:jmap"
)

func init() {
	register(Recipe{
		Name: "stalwart",
		Summary: "Stalwart 0.16+/1.0 JMAP management: x:Account/query, then x:Account/set of the Password credential's secret " +
			"(before 0.16: PATCH /api/principal/NAME), the password only in the HTTPS body",
		Settings: []Setting{stalwartURL, stalwartToken, stalwartAdmin, userSetting},
		// Stalwart stores a secret that starts with '$', '{' or '_' and looks
		// like a hash as that hash; a password never holds them, so it is
		// never mistaken for one.
		Cannot: "${_",
		run:    runStalwart,
	})
}

func runStalwart(ctx context.Context, in Input) error {
	base := in.setting(stalwartURL)
	sessionURL, err := apiURL(stalwartURL, base, "/jmap/session")
	if err != nil {
		return err
	}
	auth, err := stalwartAuth(in)
	if err != nil {
		return err
	}
	hdr := http.Header{"Authorization": {auth}}
	code, ans, err := send(ctx, http.MethodGet, sessionURL, "application/json", nil, hdr)
	if err != nil {
		return err
	}
	switch code {
	case http.StatusOK:
	case http.StatusUnauthorized, http.StatusForbidden:
		return fmt.Errorf("Stalwart refused the admin credentials (HTTP %d): %s", code, answer(ans))
	default:
		return fmt.Errorf("Stalwart's JMAP session (GET /jmap/session) answered HTTP %d: %s", code, answer(ans))
	}
	var sess struct {
		Capabilities    map[string]json.RawMessage `json:"capabilities"`
		APIURL          string                     `json:"apiUrl"`
		PrimaryAccounts map[string]string          `json:"primaryAccounts"`
		Accounts        map[string]json.RawMessage `json:"accounts"`
	}
	if err := json.Unmarshal(ans, &sess); err != nil {
		return fmt.Errorf("Stalwart's JMAP session is not JSON: %s", answer(ans))
	}
	if _, ok := sess.Capabilities[jmapStalwart]; !ok {
		fmt.Fprintln(in.Out, "Stalwart: the session has no "+jmapStalwart+" (a server before 0.16): using the REST API")
		return stalwartREST(ctx, in, base, hdr)
	}
	api, err := sameOrigin(base, sess.APIURL)
	if err != nil {
		return err
	}
	c := &jmapClient{api: api, header: hdr, account: sess.PrimaryAccounts[jmapStalwart]}
	if c.account == "" {
		for id := range sess.Accounts {
			c.account = id
			break
		}
	}
	if c.account == "" {
		return fmt.Errorf("Stalwart's JMAP session names no account for %s", jmapStalwart)
	}
	id, key, err := stalwartFind(ctx, c, in.user())
	if err != nil {
		return err
	}
	checkpoint("stalwart-found")
	patch := map[string]any{"credentials/" + key + "/secret": in.New}
	res, err := c.call(ctx, "x:Account/set", map[string]any{"update": map[string]any{id: patch}})
	if err != nil {
		return err
	}
	var set struct {
		Updated    map[string]json.RawMessage `json:"updated"`
		NotUpdated map[string]jmapSetError    `json:"notUpdated"`
	}
	if err := json.Unmarshal(res, &set); err != nil {
		return fmt.Errorf("Stalwart's x:Account/set answer is not what JMAP says: %s", answer(res))
	}
	if e, ok := set.NotUpdated[id]; ok {
		return fmt.Errorf("Stalwart did not set the password of %s: %s", in.user(), e)
	}
	if _, ok := set.Updated[id]; !ok {
		return fmt.Errorf("Stalwart's x:Account/set reported %s neither updated nor not updated: %s", in.user(), answer(res))
	}
	fmt.Fprintf(in.Out, "Stalwart: password of %s set (x:Account/set)\n", in.user())
	return nil
}

func stalwartAuth(in Input) (string, error) {
	switch {
	case in.setting(stalwartToken) != "":
		tok, err := secretFile(stalwartToken, in.setting(stalwartToken))
		if err != nil {
			return "", err
		}
		return "Bearer " + tok, nil
	case in.setting(stalwartAdmin) != "":
		admin, err := secretFile(stalwartAdmin, in.setting(stalwartAdmin))
		if err != nil {
			return "", err
		}
		return "Basic " + base64.StdEncoding.EncodeToString([]byte(admin)), nil
	}
	return "", badSetting("set %s or %s", stalwartToken.Env, stalwartAdmin.Env)
}

// stalwartFind returns the x:Account id of login (name, or name@domain)
// and the key of its Password credential.
func stalwartFind(ctx context.Context, c *jmapClient, login string) (id, key string, err error) {
	filter := map[string]any{"name": login}
	if local, domain, ok := strings.Cut(login, "@"); ok {
		res, err := c.call(ctx, "x:Domain/query", map[string]any{"filter": map[string]any{"name": domain}})
		if err != nil {
			return "", "", err
		}
		ids, err := queryIDs(res, "x:Domain/query")
		if err != nil {
			return "", "", err
		}
		if len(ids) != 1 {
			return "", "", fmt.Errorf("Stalwart has no domain %q (x:Domain/query found %d)", domain, len(ids))
		}
		filter = map[string]any{"name": local, "domainId": ids[0]}
	}
	res, err := c.call(ctx, "x:Account/query", map[string]any{"filter": filter})
	if err != nil {
		return "", "", err
	}
	ids, err := queryIDs(res, "x:Account/query")
	if err != nil {
		return "", "", err
	}
	switch len(ids) {
	case 0:
		return "", "", fmt.Errorf("Stalwart has no account %q (set IMAPVAULT_RECIPE_USER when the login differs)", login)
	case 1:
	default:
		return "", "", fmt.Errorf("Stalwart has %d accounts named %q: set IMAPVAULT_RECIPE_USER to name@domain", len(ids), login)
	}
	res, err = c.call(ctx, "x:Account/get", map[string]any{"ids": ids, "properties": []string{"name", "credentials"}})
	if err != nil {
		return "", "", err
	}
	var got struct {
		List []struct {
			ID          string `json:"id"`
			Credentials map[string]struct {
				Type string `json:"@type"`
			} `json:"credentials"`
		} `json:"list"`
	}
	if err := json.Unmarshal(res, &got); err != nil || len(got.List) != 1 || got.List[0].ID != ids[0] {
		return "", "", fmt.Errorf("Stalwart's x:Account/get answer is not the account asked for: %s", answer(res))
	}
	for k, cred := range got.List[0].Credentials {
		if cred.Type == "Password" {
			return ids[0], k, nil
		}
	}
	return "", "", fmt.Errorf("Stalwart's account %q has no Password credential (an external directory's account is changed there)", login)
}

func queryIDs(res []byte, method string) ([]string, error) {
	var q struct {
		IDs []string `json:"ids"`
	}
	if err := json.Unmarshal(res, &q); err != nil {
		return nil, fmt.Errorf("Stalwart's %s answer is not what JMAP says: %s", method, answer(res))
	}
	return q.IDs, nil
}

// stalwartREST is the call of Stalwart before 0.16.
func stalwartREST(ctx context.Context, in Input, base string, hdr http.Header) error {
	target, err := apiURL(stalwartURL, base, "/api/principal/"+url.PathEscape(in.user()))
	if err != nil {
		return err
	}
	body, _ := json.Marshal([]map[string]any{{"action": "set", "field": "secrets", "value": []string{in.New}}})
	defer clear(body)
	code, ans, err := send(ctx, http.MethodPatch, target, "application/json", body, hdr)
	if err != nil {
		return err
	}
	var res struct {
		Error string `json:"error"`
	}
	if code != http.StatusOK || (json.Unmarshal(ans, &res) == nil && res.Error != "") {
		return fmt.Errorf("Stalwart refused (HTTP %d): %s", code, answer(ans))
	}
	fmt.Fprintf(in.Out, "Stalwart: password of %s set\n", in.user())
	return nil
}

// sameOrigin returns the session's apiUrl when it is on the configured
// server (same scheme, host and port): the password goes nowhere else.
func sameOrigin(base, api string) (string, error) {
	b, err1 := url.Parse(base)
	a, err2 := url.Parse(api)
	if err1 != nil || err2 != nil || a.Scheme != b.Scheme || !strings.EqualFold(a.Host, b.Host) || a.User != nil {
		return "", fmt.Errorf("Stalwart's session names an API URL on another server (%s); refusing to send the password there",
			answer([]byte(api)))
	}
	return a.String(), nil
}
