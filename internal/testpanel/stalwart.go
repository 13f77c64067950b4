package testpanel

import (
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"slices"
	"strings"
)

// Stalwart is Stalwart's management endpoint as 0.16+ serves it
// (crates/http/src/request.rs, crates/jmap/src/registry/): GET
// /jmap/session (authenticated) lists urn:stalwart:jmap, POST /jmap/ takes
// methodCalls; x:Domain/query and x:Account/query filter by name (and
// domainId), x:Account/get returns credentials as a map of
// {"@type": ...} with secrets masked, x:Account/set takes the JSON-pointer
// patch "credentials/KEY/secret". Legacy serves a server before 0.16:
// no urn:stalwart:jmap, PATCH /api/principal/NAME instead.
type Stalwart struct {
	Panel
	Token  string // accepted Bearer token
	Admin  string // accepted "admin:password" (basic)
	Legacy bool
	// Weak refuses a password with x:Account/set's notUpdated, as
	// is_secure_password does.
	Weak func(pw string) bool

	accounts []stalwartAccount
}

type stalwartAccount struct {
	ID, Name, Domain, DomainID string
	// Credentials in their map order; the Password one is not first when
	// the account was made with an app password before (tests set it so).
	Keys []string
}

const stalwartAccountID = "b" // the admin's primary account

// NewStalwart starts the fake with accounts "name@domain" (or bare names).
// passwordKey is the credentials key of each Password credential ("0"
// normally); an app password sits beside it under another key.
func NewStalwart(logins []string, passwordKey string) *Stalwart {
	s := &Stalwart{}
	for i, l := range logins {
		name, domain, _ := strings.Cut(l, "@")
		keys := []string{passwordKey}
		if passwordKey != "0" {
			keys = []string{"0", passwordKey} // "0" an app password
		}
		s.accounts = append(s.accounts, stalwartAccount{ID: "a" + string(rune('a'+i)), Name: name, Domain: domain,
			DomainID: "d" + domain, Keys: keys})
	}
	s.start(http.HandlerFunc(s.serve))
	return s
}

func (s *Stalwart) authorized(r *http.Request) bool {
	h := r.Header.Get("Authorization")
	switch {
	case s.Token != "" && h == "Bearer "+s.Token:
		return true
	case s.Admin != "" && h == "Basic "+base64.StdEncoding.EncodeToString([]byte(s.Admin)):
		return true
	}
	return false
}

func (s *Stalwart) serve(w http.ResponseWriter, r *http.Request) {
	s.saw(r.Method + " " + r.URL.Path)
	if r.URL.RawQuery != "" {
		s.problem("query string %q: Stalwart takes everything in the body", r.URL.RawQuery)
	}
	if !s.authorized(r) {
		w.Header().Set("Content-Type", "application/problem+json")
		w.WriteHeader(http.StatusUnauthorized)
		io.WriteString(w, `{"type":"about:blank","title":"Unauthorized","status":401,"detail":"You have to authenticate first."}`)
		return
	}
	switch {
	case r.Method == http.MethodGet && r.URL.Path == "/jmap/session":
		s.session(w)
	case !s.Legacy && r.Method == http.MethodPost && r.URL.Path == "/jmap/":
		s.api(w, r)
	case s.Legacy && r.Method == http.MethodPatch && strings.HasPrefix(r.URL.Path, "/api/principal/"):
		s.rest(w, r)
	default:
		s.problem("unexpected %s %s", r.Method, r.URL.Path)
		w.WriteHeader(http.StatusNotFound)
		io.WriteString(w, `{"type":"about:blank","title":"Not Found","status":404,"detail":"The requested resource does not exist on this server."}`)
	}
}

func (s *Stalwart) session(w http.ResponseWriter) {
	caps := map[string]any{jmapCoreCap: map[string]any{"maxSizeRequest": 10000000, "maxCallsInRequest": 16}}
	primary := map[string]string{jmapCoreCap: stalwartAccountID, "urn:ietf:params:jmap:mail": stalwartAccountID}
	if !s.Legacy {
		caps["urn:stalwart:jmap"] = map[string]any{}
		primary["urn:stalwart:jmap"] = stalwartAccountID
	}
	json.NewEncoder(w).Encode(map[string]any{
		"capabilities":    caps,
		"accounts":        map[string]any{stalwartAccountID: map[string]any{"name": "admin", "isPersonal": true}},
		"primaryAccounts": primary,
		"username":        "admin",
		"apiUrl":          s.URL + "/jmap/",
		"state":           "s0",
	})
}

const jmapCoreCap = "urn:ietf:params:jmap:core"

func (s *Stalwart) api(w http.ResponseWriter, r *http.Request) {
	if mediaType(r) != "application/json" {
		s.problem("POST /jmap/ with Content-Type %q", r.Header.Get("Content-Type"))
		w.WriteHeader(http.StatusBadRequest)
		io.WriteString(w, `{"type":"urn:ietf:params:jmap:error:notJSON","status":400,"detail":"The Content-Type header must be application/json."}`)
		return
	}
	var req struct {
		Using       []string            `json:"using"`
		MethodCalls [][]json.RawMessage `json:"methodCalls"`
	}
	if err := json.NewDecoder(io.LimitReader(r.Body, 1<<20)).Decode(&req); err != nil {
		s.problem("request body is not JSON: %v", err)
		w.WriteHeader(http.StatusBadRequest)
		io.WriteString(w, `{"type":"urn:ietf:params:jmap:error:notRequest","status":400,"detail":"Invalid JMAP request"}`)
		return
	}
	if !slices.Contains(req.Using, jmapCoreCap) {
		s.problem("using %v lacks %s", req.Using, jmapCoreCap)
	}
	var out [][]any
	for _, call := range req.MethodCalls {
		var name, id string
		var args map[string]json.RawMessage
		if len(call) != 3 || json.Unmarshal(call[0], &name) != nil || json.Unmarshal(call[1], &args) != nil ||
			json.Unmarshal(call[2], &id) != nil {
			s.problem("a method call is not [name, args, id]")
			continue
		}
		s.saw(name)
		var acct string
		_ = json.Unmarshal(args["accountId"], &acct)
		if acct != stalwartAccountID {
			s.problem("%s: accountId %q, not the session's %q", name, acct, stalwartAccountID)
			out = append(out, []any{"error", map[string]any{"type": "accountNotFound"}, id})
			continue
		}
		name2, res := s.method(name, args)
		out = append(out, []any{name2, res, id})
	}
	json.NewEncoder(w).Encode(map[string]any{"methodResponses": out, "sessionState": "s0"})
}

func (s *Stalwart) method(name string, args map[string]json.RawMessage) (string, any) {
	var filter map[string]string
	_ = json.Unmarshal(args["filter"], &filter)
	switch name {
	case "x:Domain/query":
		ids := []string{}
		for _, a := range s.accounts {
			if a.Domain != "" && a.Domain == filter["name"] && !slices.Contains(ids, a.DomainID) {
				ids = append(ids, a.DomainID)
			}
		}
		return name, map[string]any{"accountId": stalwartAccountID, "queryState": "q0", "ids": ids, "position": 0}
	case "x:Account/query":
		ids := []string{}
		for k := range filter {
			if k != "name" && k != "domainId" {
				s.problem("x:Account/query filter on %q, which Account's index does not have", k)
			}
		}
		for _, a := range s.accounts {
			if a.Name == filter["name"] && (filter["domainId"] == "" || filter["domainId"] == a.DomainID) {
				ids = append(ids, a.ID)
			}
		}
		return name, map[string]any{"accountId": stalwartAccountID, "queryState": "q0", "ids": ids, "position": 0}
	case "x:Account/get":
		var ids []string
		_ = json.Unmarshal(args["ids"], &ids)
		list, notFound := []any{}, []string{}
		for _, id := range ids {
			a := s.find(id)
			if a == nil {
				notFound = append(notFound, id)
				continue
			}
			creds := map[string]any{}
			for i, k := range a.Keys {
				if i == len(a.Keys)-1 {
					creds[k] = map[string]any{"@type": "Password", "secret": "********"}
				} else {
					creds[k] = map[string]any{"@type": "AppPassword", "description": "phone", "secret": "********"}
				}
			}
			list = append(list, map[string]any{"id": a.ID, "@type": "User", "name": a.Name, "domainId": a.DomainID, "credentials": creds})
		}
		return name, map[string]any{"accountId": stalwartAccountID, "state": "r0", "list": list, "notFound": notFound}
	case "x:Account/set":
		return name, s.set(args)
	}
	s.problem("unknown method %s", name)
	return "error", map[string]any{"type": "unknownMethod"}
}

func (s *Stalwart) set(args map[string]json.RawMessage) any {
	var update map[string]map[string]json.RawMessage
	if err := json.Unmarshal(args["update"], &update); err != nil || len(args) != 2 {
		s.problem("x:Account/set carries more than accountId and update, or update is not a patch map")
	}
	updated, notUpdated := map[string]any{}, map[string]any{}
	for id, patch := range update {
		a := s.find(id)
		if a == nil {
			notUpdated[id] = map[string]any{"type": "notFound"}
			continue
		}
		pwKey := a.Keys[len(a.Keys)-1]
		for ptr, v := range patch {
			var pw string
			if ptr != "credentials/"+pwKey+"/secret" || json.Unmarshal(v, &pw) != nil {
				s.problem("x:Account/set patch %q is not the Password credential's secret", ptr)
				notUpdated[id] = map[string]any{"type": "invalidProperties", "properties": []string{ptr}}
				continue
			}
			if s.Weak != nil && s.Weak(pw) {
				notUpdated[id] = map[string]any{"type": "invalidProperties", "properties": []string{"secret"},
					"description": "Password is too weak"}
				continue
			}
			if err := s.Set(s.login(a), pw); err != nil {
				notUpdated[id] = map[string]any{"type": "serverFail", "description": err.Error()}
				continue
			}
			updated[id] = nil
		}
	}
	res := map[string]any{"accountId": stalwartAccountID, "oldState": "r0", "newState": "r1", "updated": updated}
	if len(notUpdated) > 0 {
		res["notUpdated"] = notUpdated
	}
	return res
}

func (s *Stalwart) rest(w http.ResponseWriter, r *http.Request) {
	name := strings.TrimPrefix(r.URL.Path, "/api/principal/")
	var ops []struct {
		Action string   `json:"action"`
		Field  string   `json:"field"`
		Value  []string `json:"value"`
	}
	if err := json.NewDecoder(io.LimitReader(r.Body, 1<<20)).Decode(&ops); err != nil || len(ops) != 1 ||
		ops[0].Action != "set" || ops[0].Field != "secrets" || len(ops[0].Value) != 1 {
		s.problem("PATCH /api/principal body is not one set of secrets")
		w.WriteHeader(http.StatusBadRequest)
		return
	}
	for _, a := range s.accounts {
		if s.login(&a) == name || a.Name == name {
			if err := s.Set(s.login(&a), ops[0].Value[0]); err != nil {
				json.NewEncoder(w).Encode(map[string]string{"error": "other", "details": err.Error()})
				return
			}
			io.WriteString(w, `{"data":null}`)
			return
		}
	}
	w.WriteHeader(http.StatusNotFound)
	io.WriteString(w, `{"error":"notFound","details":"Principal not found"}`)
}

func (s *Stalwart) find(id string) *stalwartAccount {
	for i := range s.accounts {
		if s.accounts[i].ID == id {
			return &s.accounts[i]
		}
	}
	return nil
}

func (s *Stalwart) login(a *stalwartAccount) string {
	if a.Domain == "" {
		return a.Name
	}
	return a.Name + "@" + a.Domain
}
