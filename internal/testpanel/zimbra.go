package testpanel

import (
	"encoding/xml"
	"fmt"
	"io"
	"net/http"
	"strings"
)

// Zimbra is Zimbra's admin SOAP service as docs.zextras.com's apidoc gives
// it: POST /service/admin/soap, SOAP 1.2 (application/soap+xml), requests
// in urn:zimbraAdmin; AuthRequest (account by="name" + password) answers an
// authToken, which later requests carry in <context xmlns="urn:zimbra">;
// GetAccountRequest (account by="name") answers <account id name>;
// SetPasswordRequest (id, newPassword attributes) answers
// SetPasswordResponse, with <message> when a policy is broken (the password
// is set all the same). Errors are SOAP faults with HTTP 500.
type Zimbra struct {
	Panel
	Admin string // "admin@domain:password"
	// PolicyMessage, when set, is returned in SetPasswordResponse.
	PolicyMessage string

	users map[string]string // name -> zimbraId
}

const zimbraToken = "0_zimbra-admin-token-7f3a"

// NewZimbra starts the fake with these account names.
func NewZimbra(names []string) *Zimbra {
	z := &Zimbra{users: map[string]string{}}
	for i, n := range names {
		z.users[n] = fmt.Sprintf("4f7c1e9a-0000-4000-8000-%012d", i+1)
	}
	z.start(http.HandlerFunc(z.serve))
	return z
}

type zimbraIn struct {
	XMLName xml.Name
	Header  struct {
		Context struct {
			XMLName   xml.Name
			AuthToken string `xml:"authToken"`
		} `xml:"context"`
	} `xml:"Header"`
	Body struct {
		XMLName xml.Name
		Req     struct {
			XMLName     xml.Name
			ID          string `xml:"id,attr"`
			NewPassword string `xml:"newPassword,attr"`
			Account     struct {
				By  string `xml:"by,attr"`
				Key string `xml:",chardata"`
			} `xml:"account"`
			Password string `xml:"password"`
		} `xml:",any"`
	} `xml:"Body"`
}

func (z *Zimbra) serve(w http.ResponseWriter, r *http.Request) {
	z.saw(r.Method + " " + r.URL.Path)
	if r.Method != http.MethodPost || r.URL.Path != "/service/admin/soap" {
		z.problem("unexpected %s %s", r.Method, r.URL.Path)
		w.WriteHeader(http.StatusNotFound)
		return
	}
	if ct := mediaType(r); ct != "application/soap+xml" {
		z.problem("Content-Type %q, not SOAP 1.2's application/soap+xml", ct)
	}
	var in zimbraIn
	if err := xml.NewDecoder(io.LimitReader(r.Body, 1<<20)).Decode(&in); err != nil {
		z.problem("body is not XML: %v", err)
		z.fault(w, "soap:Sender", "invalid request: "+err.Error(), "service.PARSE_ERROR")
		return
	}
	const env = "http://www.w3.org/2003/05/soap-envelope"
	if in.XMLName.Space != env || in.XMLName.Local != "Envelope" || in.Body.XMLName.Space != env {
		z.problem("not a SOAP 1.2 envelope: %v / %v", in.XMLName, in.Body.XMLName)
	}
	req := in.Body.Req
	z.saw(req.XMLName.Local)
	if req.XMLName.Space != "urn:zimbraAdmin" {
		z.problem("%s in namespace %q, not urn:zimbraAdmin", req.XMLName.Local, req.XMLName.Space)
	}
	authed := in.Header.Context.AuthToken == zimbraToken
	if in.Header.Context.AuthToken != "" && in.Header.Context.XMLName.Space != "urn:zimbra" {
		z.problem("context header in namespace %q, not urn:zimbra", in.Header.Context.XMLName.Space)
	}
	switch req.XMLName.Local {
	case "AuthRequest":
		name, pw, _ := strings.Cut(z.Admin, ":")
		if req.Account.By != "name" {
			z.problem("AuthRequest account by=%q", req.Account.By)
		}
		if req.Account.Key != name || req.Password != pw {
			z.fault(w, "soap:Sender", "authentication failed for ["+req.Account.Key+"]", "account.AUTH_FAILED")
			return
		}
		z.reply(w, `<AuthResponse xmlns="urn:zimbraAdmin"><authToken>`+zimbraToken+`</authToken><lifetime>43199998</lifetime></AuthResponse>`)
	case "GetAccountRequest":
		if !authed {
			z.fault(w, "soap:Sender", "no valid authtoken present", "service.AUTH_REQUIRED")
			return
		}
		if req.Account.By != "name" {
			z.problem("GetAccountRequest account by=%q", req.Account.By)
		}
		id, ok := z.users[req.Account.Key]
		if !ok {
			z.fault(w, "soap:Sender", "no such account: "+req.Account.Key, "account.NO_SUCH_ACCOUNT")
			return
		}
		var b strings.Builder
		xml.EscapeText(&b, []byte(req.Account.Key))
		z.reply(w, `<GetAccountResponse xmlns="urn:zimbraAdmin"><account name="`+b.String()+`" id="`+id+`"><a n="zimbraId">`+id+`</a></account></GetAccountResponse>`)
	case "SetPasswordRequest":
		if !authed {
			z.fault(w, "soap:Sender", "no valid authtoken present", "service.AUTH_REQUIRED")
			return
		}
		name := ""
		for n, id := range z.users {
			if id == req.ID {
				name = n
			}
		}
		if name == "" || req.NewPassword == "" {
			z.problem("SetPasswordRequest id=%q with newPassword empty=%v", req.ID, req.NewPassword == "")
			z.fault(w, "soap:Sender", "no such account: "+req.ID, "account.NO_SUCH_ACCOUNT")
			return
		}
		if err := z.Set(name, req.NewPassword); err != nil {
			z.fault(w, "soap:Sender", "invalid password: "+err.Error(), "account.INVALID_PASSWORD")
			return
		}
		msg := ""
		if z.PolicyMessage != "" {
			var b strings.Builder
			xml.EscapeText(&b, []byte(z.PolicyMessage))
			msg = "<message>" + b.String() + "</message>"
		}
		z.reply(w, `<SetPasswordResponse xmlns="urn:zimbraAdmin">`+msg+`</SetPasswordResponse>`)
	default:
		z.problem("unexpected request %s", req.XMLName.Local)
		z.fault(w, "soap:Sender", "unknown document: "+req.XMLName.Local, "service.UNKNOWN_DOCUMENT")
	}
}

func (z *Zimbra) reply(w http.ResponseWriter, body string) {
	w.Header().Set("Content-Type", "application/soap+xml; charset=utf-8")
	io.WriteString(w, `<soap:Envelope xmlns:soap="http://www.w3.org/2003/05/soap-envelope"><soap:Header><context xmlns="urn:zimbra"/></soap:Header><soap:Body>`+
		body+`</soap:Body></soap:Envelope>`)
}

func (z *Zimbra) fault(w http.ResponseWriter, code, reason, zcode string) {
	var b strings.Builder
	xml.EscapeText(&b, []byte(reason))
	w.Header().Set("Content-Type", "application/soap+xml; charset=utf-8")
	w.WriteHeader(http.StatusInternalServerError)
	io.WriteString(w, `<soap:Envelope xmlns:soap="http://www.w3.org/2003/05/soap-envelope"><soap:Body><soap:Fault><soap:Code><soap:Value>`+code+
		`</soap:Value></soap:Code><soap:Reason><soap:Text>`+b.String()+`</soap:Text></soap:Reason><soap:Detail><Error xmlns="urn:zimbra"><Code>`+
		zcode+`</Code><Trace>qtp1-1:1700000000000:abc</Trace></Error></soap:Detail></soap:Fault></soap:Body></soap:Envelope>`)
}
