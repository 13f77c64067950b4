package testpanel

import (
	"crypto/hmac"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"
)

// Mailu is Mailu's REST API (core/admin/mailu/api/v1/user.py and
// api/common.py): PATCH /api/v1/user/EMAIL with a JSON UserUpdate whose
// raw_password Mailu hashes; the Authorization header is the API token,
// "Bearer " optional. flask-restx validates the model: unknown fields are
// fine, a non-string raw_password is a 400.
type Mailu struct {
	Panel
	Token string
	users map[string]bool
}

// NewMailu starts the fake with these users (addresses).
func NewMailu(users []string) *Mailu {
	m := &Mailu{users: map[string]bool{}}
	for _, u := range users {
		m.users[u] = true
	}
	m.start(http.HandlerFunc(m.serve))
	return m
}

func (m *Mailu) serve(w http.ResponseWriter, r *http.Request) {
	m.saw(r.Method + " " + r.URL.Path)
	w.Header().Set("Content-Type", "application/json")
	h := r.Header.Get("Authorization")
	if h == "" {
		w.WriteHeader(http.StatusUnauthorized)
		io.WriteString(w, `{"message": "A valid Authorization header is mandatory"}`)
		return
	}
	if len(m.Token) < 4 || !hmac.Equal([]byte(strings.TrimPrefix(h, "Bearer ")), []byte(m.Token)) {
		w.WriteHeader(http.StatusForbidden)
		io.WriteString(w, `{"message": "Invalid API token"}`)
		return
	}
	email, ok := strings.CutPrefix(r.URL.EscapedPath(), "/api/v1/user/")
	if !ok || r.Method != http.MethodPatch {
		m.problem("unexpected %s %s", r.Method, r.URL.Path)
		w.WriteHeader(http.StatusNotFound)
		io.WriteString(w, `{"message": "The requested URL was not found on the server."}`)
		return
	}
	email, _ = url.PathUnescape(email)
	if mediaType(r) != "application/json" {
		m.problem("Content-Type %q", r.Header.Get("Content-Type"))
	}
	var body map[string]any
	if err := json.NewDecoder(io.LimitReader(r.Body, 1<<20)).Decode(&body); err != nil {
		m.problem("body is not JSON")
		w.WriteHeader(http.StatusBadRequest)
		io.WriteString(w, `{"message": "Failed to decode JSON object"}`)
		return
	}
	pw, ok := body["raw_password"].(string)
	if !ok {
		m.problem("no string raw_password in the body")
		w.WriteHeader(http.StatusBadRequest)
		io.WriteString(w, `{"errors": {"raw_password": "not of type 'string'"}, "message": "Input payload validation failed"}`)
		return
	}
	if !strings.Contains(email, "@") {
		w.WriteHeader(http.StatusBadRequest)
		json.NewEncoder(w).Encode(map[string]any{"code": 400, "message": "Provided email address " + email + " is not a valid email address"})
		return
	}
	if !m.users[email] {
		w.WriteHeader(http.StatusNotFound)
		json.NewEncoder(w).Encode(map[string]any{"code": 404, "message": "User " + email + " cannot be found"})
		return
	}
	if err := m.Set(email, pw); err != nil {
		w.WriteHeader(http.StatusInternalServerError)
		json.NewEncoder(w).Encode(map[string]any{"message": "Internal Server Error"})
		return
	}
	json.NewEncoder(w).Encode(map[string]any{"code": 200, "message": "User " + email + " has been updated"})
}
