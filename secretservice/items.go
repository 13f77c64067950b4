package secretservice

import (
	"strconv"
	"strings"

	"github.com/imapvault/imapvault/agent/wire"
)

// Schemas an item answers to in xdg:schema (libsecret adds the schema's
// name to every search made with one).
const (
	// SchemaAccount is ours: every item carries it.
	SchemaAccount = "com.github.imapvault.Account"
	// SchemaMsmtp is the schema msmtp looks its password up with (host,
	// service=smtp, user): SMTP items answer to it too.
	SchemaMsmtp = "de.marlam.msmtp.password"
)

// item is one served secret: an account's IMAP login, or its SMTP one.
type item struct {
	elem    string // object path element under the collection
	account string // the account's name: how the secret is asked for
	proto   string // "imap" or "smtp"
	label   string
	attrs   map[string]string   // what the Attributes property shows
	also    map[string][]string // further values a search may match
	created uint64
	changed uint64
}

// itemsOf turns the agent's account list into items: one per account that
// logs in with a password, and one more per SMTP endpoint. OAuth2 accounts
// have no password to serve (their clients ask `imapvault get --field token`).
func itemsOf(accts []wire.AccountInfo) []item {
	var out []item
	for _, a := range accts {
		if a.OAuth2 {
			continue
		}
		created, changed := unix(a.Created.Unix()), unix(a.Modified.Unix())
		out = append(out, item{
			elem: pathElem(a.ID) + "_imap", account: a.Name, proto: "imap",
			label:   "imapvault: " + a.Name,
			attrs:   attrsFor(a.Name, a.Host, a.Port, a.Username, "imap", SchemaAccount),
			created: created, changed: changed,
		})
		if e := a.SMTP; e != nil && e.Host != "" {
			out = append(out, item{
				elem: pathElem(a.ID) + "_smtp", account: a.Name, proto: "smtp",
				label:   "imapvault: " + a.Name + " (smtp)",
				attrs:   attrsFor(a.Name, e.Host, e.Port, e.Username, "smtp", SchemaMsmtp),
				also:    map[string][]string{"xdg:schema": {SchemaAccount}},
				created: created, changed: changed,
			})
		}
	}
	return out
}

func unix(s int64) uint64 {
	if s < 0 {
		return 0
	}
	return uint64(s)
}

// attrsFor are the attributes clients search by: the names several
// clients use for one thing all answer.
func attrsFor(name, host string, port int, user, proto, schema string) map[string]string {
	return map[string]string{
		"account": name,
		"user":    user, "username": user, "login": user,
		"host": host, "server": host,
		"port":    strconv.Itoa(port),
		"service": proto, "protocol": proto,
		"xdg:schema": schema,
	}
}

// caseless are attributes compared without case: host names.
var caseless = map[string]bool{"host": true, "server": true}

// matches reports whether every attribute of a search has the item's value.
func (it *item) matches(q map[string]string) bool {
	for k, want := range q {
		if !it.has(k, want) {
			return false
		}
	}
	return true
}

func (it *item) has(k, want string) bool {
	vals := append([]string{}, it.also[k]...)
	if v, ok := it.attrs[k]; ok {
		vals = append(vals, v)
	}
	for _, v := range vals {
		if v == want || caseless[k] && strings.EqualFold(v, want) {
			return true
		}
	}
	return false
}

// pathElem makes an account id fit an object path element ([A-Za-z0-9_]),
// encoding anything else as _XX so two ids never meet.
func pathElem(id string) string {
	var b strings.Builder
	for i := 0; i < len(id); i++ {
		c := id[i]
		if c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' {
			b.WriteByte(c)
		} else {
			b.WriteString("_" + strconv.FormatUint(uint64(c)>>4, 16) + strconv.FormatUint(uint64(c)&15, 16))
		}
	}
	if b.Len() == 0 {
		return "_"
	}
	return b.String()
}
