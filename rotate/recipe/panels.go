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

var (
	mailcowURL     = Setting{Env: "IMAPVAULT_RECIPE_MAILCOW_URL", Required: true, About: "mailcow's base URL, https://mail.example.org"}
	mailcowKeyFile = Setting{Env: "IMAPVAULT_RECIPE_MAILCOW_API_KEY_FILE", Required: true, About: "file holding a read-write API key (sent in the X-API-Key header)"}
	miabURL        = Setting{Env: "IMAPVAULT_RECIPE_MIAB_URL", Required: true, About: "the box's base URL, https://box.example.org"}
	miabAdminFile  = Setting{Env: "IMAPVAULT_RECIPE_MIAB_ADMIN_FILE", Required: true, About: "file holding admin-email:password on its first line (HTTP basic auth; no 2FA)"}
)

func init() {
	register(Recipe{
		Name:     "mailcow",
		Summary:  "mailcow API: POST /api/v1/edit/mailbox, the API key in a header, the password in the JSON body",
		Settings: []Setting{mailcowURL, mailcowKeyFile, userSetting},
		run:      runMailcow,
	})
	register(Recipe{
		Name:     "mail-in-a-box",
		Summary:  "Mail-in-a-Box admin API: POST /admin/mail/users/password, admin basic auth, the password in the form body",
		Settings: []Setting{miabURL, miabAdminFile, userSetting},
		run:      runMIAB,
	})
}

func runMailcow(ctx context.Context, in Input) error {
	target, err := apiURL(mailcowURL, in.setting(mailcowURL), "/api/v1/edit/mailbox")
	if err != nil {
		return err
	}
	key, err := secretFile(mailcowKeyFile, in.setting(mailcowKeyFile))
	if err != nil {
		return err
	}
	body, _ := json.Marshal(map[string]any{
		"items": []string{in.user()},
		"attr":  map[string]string{"password": in.New, "password2": in.New},
	})
	defer clear(body)
	code, ans, err := send(ctx, http.MethodPost, target, "application/json", body, http.Header{"X-Api-Key": {key}})
	if err != nil {
		return err
	}
	// mailcow answers 200 with a list of {type, msg}; "success" for each.
	var msgs []struct {
		Type string `json:"type"`
		Msg  any    `json:"msg"`
	}
	if code != http.StatusOK || json.Unmarshal(ans, &msgs) != nil || len(msgs) == 0 {
		return fmt.Errorf("mailcow refused (HTTP %d): %s", code, answer(ans))
	}
	for _, m := range msgs {
		if m.Type != "success" {
			return fmt.Errorf("mailcow refused: %s", answer(ans))
		}
	}
	fmt.Fprintf(in.Out, "mailcow: password of %s set\n", in.user())
	return nil
}

func runMIAB(ctx context.Context, in Input) error {
	target, err := apiURL(miabURL, in.setting(miabURL), "/admin/mail/users/password")
	if err != nil {
		return err
	}
	admin, err := secretFile(miabAdminFile, in.setting(miabAdminFile))
	if err != nil {
		return err
	}
	if !strings.Contains(admin, ":") {
		return badSetting("%s: write admin-email:password on the first line", miabAdminFile.Env)
	}
	body := []byte(url.Values{"email": {in.user()}, "password": {in.New}}.Encode())
	defer clear(body)
	auth := "Basic " + base64.StdEncoding.EncodeToString([]byte(admin))
	code, ans, err := send(ctx, http.MethodPost, target, "application/x-www-form-urlencoded", body, http.Header{"Authorization": {auth}})
	if err != nil {
		return err
	}
	if code != http.StatusOK {
		return fmt.Errorf("Mail-in-a-Box refused (HTTP %d): %s", code, answer(ans))
	}
	fmt.Fprintf(in.Out, "Mail-in-a-Box: password of %s set\n", in.user())
	return nil
}
