package importers

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/url"
	"strconv"
	"strings"

	"github.com/imapvault/imapvault/vault"
)

// ParseKeePassXC reads KeePassXC's CSV export (Database > Export > CSV):
// a header line naming Group, Title, Username, Password, URL, Notes... An
// entry is an IMAP account when its URL is imap:// or imaps://; every
// other entry is counted and skipped.
func ParseKeePassXC(file string, data []byte) (*Result, error) {
	cr := csv.NewReader(bytes.NewReader(bytes.TrimPrefix(data, []byte("\ufeff"))))
	cr.FieldsPerRecord = -1
	head, err := cr.Read()
	if err != nil {
		return nil, csvSynErr(file, err)
	}
	col := map[string]int{}
	for i, h := range head {
		col[strings.ToLower(strings.TrimSpace(h))] = i
	}
	for _, need := range []string{"title", "username", "password", "url"} {
		if _, ok := col[need]; !ok {
			return nil, synErr(file, 1, "the header has no %q column; is this a KeePassXC CSV export?", need)
		}
	}
	r := &Result{}
	for {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, csvSynErr(file, err)
		}
		line, _ := cr.FieldPos(0)
		if len(rec) != len(head) {
			return nil, synErr(file, line, "%d fields where the header has %d", len(rec), len(head))
		}
		get := func(k string) string { return rec[col[k]] }
		at := where(file, line)
		a, ok, err := imapURL(get("url"))
		if err != nil {
			return nil, synErr(file, line, "entry %q: %v", get("title"), err)
		}
		if !ok {
			r.Skipped = append(r.Skipped, Skip{at, "not an IMAP entry (no imap:// or imaps:// URL)"})
			continue
		}
		a.Name, a.Where = strings.TrimSpace(get("title")), at
		if a.Username == "" {
			a.Username = get("username")
		}
		a.Password = get("password")
		r.Accounts = append(r.Accounts, a)
	}
	return finish(r), nil
}

// imapURL reads an imap:// or imaps:// URL; ok is false for anything else.
func imapURL(s string) (Account, bool, error) {
	s = strings.TrimSpace(s)
	low := strings.ToLower(s)
	if !strings.HasPrefix(low, "imap://") && !strings.HasPrefix(low, "imaps://") {
		return Account{}, false, nil
	}
	u, err := url.Parse(s)
	if err != nil || u.Hostname() == "" {
		return Account{}, false, errors.New("the imap URL has no host")
	}
	a := Account{Host: u.Hostname(), Security: vault.STARTTLS}
	if strings.EqualFold(u.Scheme, "imaps") {
		a.Security = vault.TLS
	}
	if p := u.Port(); p != "" {
		n, err := strconv.Atoi(p)
		if err != nil || n < 1 || n > 65535 {
			return Account{}, false, errors.New("bad port in the imap URL")
		}
		a.Port = n
	}
	if u.User != nil {
		a.Username = u.User.Username()
	}
	return a, true, nil
}

func csvSynErr(file string, err error) error {
	var pe *csv.ParseError
	if errors.As(err, &pe) {
		return synErr(file, pe.Line, "%v", pe.Err)
	}
	if errors.Is(err, io.EOF) {
		return synErr(file, 1, "the file is empty")
	}
	return synErr(file, 0, "%v", err)
}

// bitwardenExport is the part of Bitwarden's unencrypted JSON export
// import reads.
type bitwardenExport struct {
	Encrypted bool `json:"encrypted"`
	Items     []struct {
		Name  string `json:"name"`
		Type  int    `json:"type"`
		Login *struct {
			Username string `json:"username"`
			Password string `json:"password"`
			URIs     []struct {
				URI string `json:"uri"`
			} `json:"uris"`
		} `json:"login"`
		Fields []struct {
			Name  string `json:"name"`
			Value string `json:"value"`
		} `json:"fields"`
	} `json:"items"`
}

// ParseBitwarden reads Bitwarden's unencrypted JSON export. A login item
// is an IMAP account when one of its URIs is imap:// or imaps://, or when
// its custom fields give an IMAP host (a field named "imap host", "imap
// server" or "host"/"server" with a "port" of 993 or 143); everything else
// is counted and skipped.
func ParseBitwarden(file string, data []byte) (*Result, error) {
	var ex bitwardenExport
	if err := json.Unmarshal(data, &ex); err != nil {
		var se *json.SyntaxError
		if errors.As(err, &se) {
			return nil, synErr(file, 1+bytes.Count(data[:se.Offset], []byte("\n")), "not valid JSON")
		}
		var te *json.UnmarshalTypeError
		if errors.As(err, &te) {
			return nil, synErr(file, 1+bytes.Count(data[:te.Offset], []byte("\n")), "field %s has the wrong type; is this a Bitwarden JSON export?", te.Field)
		}
		return nil, synErr(file, 0, "not a Bitwarden JSON export")
	}
	if ex.Encrypted {
		return nil, synErr(file, 0, "this export is encrypted: export again as plain JSON (File > Export vault > .json)")
	}
	r := &Result{}
	for i, it := range ex.Items {
		at := fmt.Sprintf("%s: item %d", file, i+1)
		if it.Type != 1 || it.Login == nil {
			r.Skipped = append(r.Skipped, Skip{at, "not a login item"})
			continue
		}
		var a Account
		found := false
		for _, u := range it.Login.URIs {
			acc, ok, err := imapURL(u.URI)
			if err != nil {
				return nil, synErr(file, 0, "item %d (%q): %v", i+1, it.Name, err)
			}
			if ok {
				a, found = acc, true
				break
			}
		}
		if !found {
			acc, ok, err := bitwardenFields(it.Fields)
			if err != nil {
				return nil, synErr(file, 0, "item %d (%q): %v", i+1, it.Name, err)
			}
			a, found = acc, ok
		}
		if !found {
			r.Skipped = append(r.Skipped, Skip{at, "not an IMAP login"})
			continue
		}
		a.Name, a.Where = strings.TrimSpace(it.Name), at
		if a.Username == "" {
			a.Username = it.Login.Username
		}
		a.Password = it.Login.Password
		r.Accounts = append(r.Accounts, a)
	}
	return finish(r), nil
}

func bitwardenFields(fields []struct {
	Name  string `json:"name"`
	Value string `json:"value"`
}) (Account, bool, error) {
	f := map[string]string{}
	for _, x := range fields {
		k := strings.NewReplacer("_", " ", "-", " ").Replace(strings.ToLower(strings.TrimSpace(x.Name)))
		f[k] = strings.TrimSpace(x.Value)
	}
	first := func(keys ...string) (string, string) {
		for _, k := range keys {
			if v := f[k]; v != "" {
				return k, v
			}
		}
		return "", ""
	}
	hk, host := first("imap host", "imap server", "host", "server")
	_, port := first("imap port", "port")
	if host == "" {
		return Account{}, false, nil
	}
	a := Account{Host: host}
	if port != "" {
		n, err := strconv.Atoi(port)
		if err != nil || n < 1 || n > 65535 {
			return Account{}, false, errors.New("the port field is not a port number")
		}
		a.Port = n
	}
	if !strings.HasPrefix(hk, "imap") && a.Port != 993 && a.Port != 143 {
		return Account{}, false, nil
	}
	_, sec := first("imap security", "security", "encryption")
	if sec == "" && a.Port == 143 {
		sec = "starttls"
	}
	s, err := vault.ParseSecurity(sec)
	if err != nil {
		return Account{}, false, errors.New("the security field is not tls, starttls or insecure")
	}
	a.Security = s
	return a, true, nil
}
