package recipe

import (
	"bytes"
	"context"
	"encoding/xml"
	"fmt"
	"net/http"
	"strings"
)

// Zimbra and Carbonio take admin SOAP at https://HOST:7071/service/admin/soap:
// AuthRequest gives an admin token, GetAccountRequest the account's id,
// SetPasswordRequest sets it (urn:zimbraAdmin; docs.zextras.com apidoc).
// A policy the password breaks comes back as <message> while the password
// is still set: a warning, and the login verifies what happened.

var (
	zimbraURL   = Setting{Env: "IMAPVAULT_RECIPE_ZIMBRA_URL", Required: true, About: "the admin service's base URL, https://mail.example.org:7071"}
	zimbraAdmin = Setting{Env: "IMAPVAULT_RECIPE_ZIMBRA_ADMIN_FILE", Required: true, About: "file holding admin@domain:password on its first line (a domain admin suffices)"}
)

func init() {
	register(Recipe{
		Name:     "zimbra",
		Summary:  "Zimbra/Carbonio admin SOAP: AuthRequest, GetAccountRequest, SetPasswordRequest, the password only in the HTTPS body",
		Settings: []Setting{zimbraURL, zimbraAdmin, userSetting},
		run:      runZimbra,
	})
}

const (
	soapEnvNS   = "http://www.w3.org/2003/05/soap-envelope"
	zimbraNS    = "urn:zimbra"
	zimbraAdmNS = "urn:zimbraAdmin"
)

// zimbraAccount is an AccountSelector: <account by="name">KEY</account>.
type zimbraAccount struct {
	By  string `xml:"by,attr"`
	Key string `xml:",chardata"`
}

type zimbraAuthRequest struct {
	XMLName  xml.Name      `xml:"urn:zimbraAdmin AuthRequest"`
	Account  zimbraAccount `xml:"account"`
	Password string        `xml:"password"`
}

type zimbraGetAccountRequest struct {
	XMLName xml.Name      `xml:"urn:zimbraAdmin GetAccountRequest"`
	Attrs   string        `xml:"attrs,attr"`
	Account zimbraAccount `xml:"account"`
}

type zimbraSetPasswordRequest struct {
	XMLName     xml.Name `xml:"urn:zimbraAdmin SetPasswordRequest"`
	ID          string   `xml:"id,attr"`
	NewPassword string   `xml:"newPassword,attr"`
}

// zimbraEnvelope is what a request sends: the context header carries the
// admin token once there is one.
type zimbraEnvelope struct {
	XMLName xml.Name `xml:"http://www.w3.org/2003/05/soap-envelope Envelope"`
	Header  struct {
		Context struct {
			XMLName   xml.Name `xml:"urn:zimbra context"`
			AuthToken string   `xml:"authToken,omitempty"`
		}
	} `xml:"Header"`
	Body struct {
		Request any
	} `xml:"Body"`
}

// zimbraAnswer is what comes back: one response element or a Fault.
type zimbraAnswer struct {
	Body struct {
		Fault *struct {
			Reason string `xml:"Reason>Text"`
			Code   string `xml:"Detail>Error>Code"`
		} `xml:"Fault"`
		Auth *struct {
			AuthToken string `xml:"authToken"`
		} `xml:"urn:zimbraAdmin AuthResponse"`
		GetAccount *struct {
			Account struct {
				ID   string `xml:"id,attr"`
				Name string `xml:"name,attr"`
			} `xml:"account"`
		} `xml:"urn:zimbraAdmin GetAccountResponse"`
		SetPassword *struct {
			Message string `xml:"message"`
		} `xml:"urn:zimbraAdmin SetPasswordResponse"`
	} `xml:"http://www.w3.org/2003/05/soap-envelope Body"`
}

func runZimbra(ctx context.Context, in Input) error {
	target, err := apiURL(zimbraURL, in.setting(zimbraURL), "/service/admin/soap")
	if err != nil {
		return err
	}
	admin, err := secretFile(zimbraAdmin, in.setting(zimbraAdmin))
	if err != nil {
		return err
	}
	name, pw, ok := strings.Cut(admin, ":")
	if !ok || name == "" {
		return badSetting("%s: write admin@domain:password on the first line", zimbraAdmin.Env)
	}
	soap := func(name, token string, req any) (*zimbraAnswer, error) {
		var env zimbraEnvelope
		env.Header.Context.AuthToken = token
		env.Body.Request = req
		body, err := xml.Marshal(env)
		if err != nil {
			return nil, err
		}
		defer clear(body)
		code, ans, err := send(ctx, http.MethodPost, target, "application/soap+xml; charset=utf-8", body, nil)
		if err != nil {
			return nil, err
		}
		var a zimbraAnswer
		if err := xml.NewDecoder(bytes.NewReader(ans)).Decode(&a); err != nil {
			return nil, fmt.Errorf("Zimbra's answer to %s is not SOAP (HTTP %d): %s", name, code, answer(ans))
		}
		if f := a.Body.Fault; f != nil {
			return nil, fmt.Errorf("Zimbra refused %s: %s (%s)", name, answer([]byte(f.Reason)), answer([]byte(f.Code)))
		}
		if code != http.StatusOK {
			return nil, fmt.Errorf("Zimbra refused %s (HTTP %d): %s", name, code, answer(ans))
		}
		return &a, nil
	}
	a, err := soap("AuthRequest", "", zimbraAuthRequest{Account: zimbraAccount{By: "name", Key: name}, Password: pw})
	if err != nil {
		return err
	}
	if a.Body.Auth == nil || a.Body.Auth.AuthToken == "" {
		return fmt.Errorf("Zimbra's AuthResponse holds no authToken")
	}
	token := a.Body.Auth.AuthToken
	a, err = soap("GetAccountRequest", token, zimbraGetAccountRequest{Attrs: "zimbraId", Account: zimbraAccount{By: "name", Key: in.user()}})
	if err != nil {
		return err
	}
	if a.Body.GetAccount == nil || a.Body.GetAccount.Account.ID == "" {
		return fmt.Errorf("Zimbra's GetAccountResponse for %s holds no account id", in.user())
	}
	a, err = soap("SetPasswordRequest", token, zimbraSetPasswordRequest{ID: a.Body.GetAccount.Account.ID, NewPassword: in.New})
	if err != nil {
		return err
	}
	if a.Body.SetPassword == nil {
		return fmt.Errorf("Zimbra answered SetPasswordRequest without a SetPasswordResponse")
	}
	if m := strings.TrimSpace(a.Body.SetPassword.Message); m != "" {
		fmt.Fprintf(in.Out, "Zimbra: warning: %s (the password was set anyway; the login will tell)\n", answer([]byte(m)))
	}
	fmt.Fprintf(in.Out, "Zimbra: password of %s set\n", in.user())
	return nil
}
