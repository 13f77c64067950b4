package recipe

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
)

// Mailu's REST API (core/admin/mailu/api/v1/user.py): PATCH
// {WEB_API}/v1/user/EMAIL with {"raw_password": NEW}, the API token in the
// Authorization header (Bearer); Mailu hashes it. WEB_API is /api unless
// the admin moved it, so the URL setting names it.

var (
	mailuURL   = Setting{Env: "IMAPVAULT_RECIPE_MAILU_URL", Required: true, About: "Mailu's API root (WEB_API), https://mail.example.org/api"}
	mailuToken = Setting{Env: "IMAPVAULT_RECIPE_MAILU_TOKEN_FILE", Required: true, About: "file holding Mailu's API_TOKEN (sent as a Bearer token)"}
)

func init() {
	register(Recipe{
		Name:     "mailu",
		Summary:  "Mailu REST API: PATCH /api/v1/user/EMAIL with raw_password, the API token as a Bearer token",
		Settings: []Setting{mailuURL, mailuToken, userSetting},
		run:      runMailu,
	})
}

func runMailu(ctx context.Context, in Input) error {
	user := in.user()
	if !strings.Contains(user, "@") {
		return badSetting("Mailu names users by their address: set IMAPVAULT_RECIPE_USER to it (the login %q has no @)", user)
	}
	target, err := apiURL(mailuURL, in.setting(mailuURL), "/v1/user/"+url.PathEscape(user))
	if err != nil {
		return err
	}
	tok, err := secretFile(mailuToken, in.setting(mailuToken))
	if err != nil {
		return err
	}
	body, _ := json.Marshal(map[string]string{"raw_password": in.New})
	defer clear(body)
	code, ans, err := send(ctx, http.MethodPatch, target, "application/json", body, http.Header{"Authorization": {"Bearer " + tok}})
	if err != nil {
		return err
	}
	// Mailu answers {"code": N, "message": "..."}; flask-restx's own
	// refusals (401, 403, 429) carry only "message".
	var res struct {
		Message string `json:"message"`
	}
	_ = json.Unmarshal(ans, &res)
	if code != http.StatusOK {
		why := res.Message
		if why == "" {
			why = string(ans)
		}
		return fmt.Errorf("Mailu refused (HTTP %d): %s", code, answer([]byte(why)))
	}
	fmt.Fprintf(in.Out, "Mailu: password of %s set\n", user)
	return nil
}
