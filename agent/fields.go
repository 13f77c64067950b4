package agent

import (
	"fmt"
	"sort"
	"strconv"
	"strings"

	"github.com/imapvault/imapvault/vault"
)

// Fields are what `get --field` can print, each read from an account. A
// new field (OAuth2's "token", say) is one more entry here; the agent, the
// local path and the command line's check all use this table.
var Fields = map[string]func(a *vault.Account) (string, error){
	"password": func(a *vault.Account) (string, error) { return a.Password, nil },
	"username": func(a *vault.Account) (string, error) { return a.Username, nil },
	"host":     func(a *vault.Account) (string, error) { return a.Host, nil },
	"port":     func(a *vault.Account) (string, error) { return strconv.Itoa(a.PortOrDefault()), nil },
	"security": func(a *vault.Account) (string, error) { return string(a.SecurityOrDefault()), nil },
	// token is an OAuth2 account's access token. Refreshing one may rotate
	// the refresh token, which must be saved under the vault's lock, so
	// the agent never serves it: `get --field token` refreshes and saves
	// in its own process (with the agent's identity when unlocked).
	"token": func(a *vault.Account) (string, error) { return "", ErrTokenNotServed },
}

// FieldNames lists Fields, sorted, for help and error texts.
func FieldNames() []string {
	var names []string
	for n := range Fields {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// Find picks the account a query names.
func Find(v *vault.Vault, q Query) (*vault.Account, error) {
	if q.Name != "" {
		if a := v.Find(q.Name); a != nil {
			return a, nil
		}
		return nil, fmt.Errorf("%w named %q", ErrNoAccount, q.Name)
	}
	var found []*vault.Account
	for _, a := range v.Accounts {
		if strings.EqualFold(a.Host, q.Host) && (q.User == "" || a.Username == q.User) {
			found = append(found, a)
		}
	}
	switch {
	case len(found) == 0 && q.User != "":
		return nil, fmt.Errorf("%w for user %q on host %q", ErrNoAccount, q.User, q.Host)
	case len(found) == 0:
		return nil, fmt.Errorf("%w on host %q", ErrNoAccount, q.Host)
	case len(found) > 1:
		return nil, fmt.Errorf("%w on host %q (%d); name one with --user", ErrAmbiguous, q.Host, len(found))
	}
	return found[0], nil
}

// Lookup answers a query from a decrypted vault: the one function both
// the agent and a process that opened the vault itself use.
func Lookup(v *vault.Vault, q Query) (string, error) {
	field := q.Field
	if field == "" {
		field = "password"
	}
	get, ok := Fields[field]
	if !ok {
		return "", fmt.Errorf("%w %q (want one of %s)", ErrUnknownField, field, strings.Join(FieldNames(), ", "))
	}
	a, err := Find(v, q)
	if err != nil {
		return "", err
	}
	return get(a)
}

// AccountNames lists a vault's account names in file order.
func AccountNames(v *vault.Vault) []string {
	names := make([]string, len(v.Accounts))
	for i, a := range v.Accounts {
		names[i] = a.Name
	}
	return names
}

// Describe lists a vault's accounts without their secrets, in file order,
// defaults filled in.
func Describe(v *vault.Vault) []AccountInfo {
	out := make([]AccountInfo, len(v.Accounts))
	for i, a := range v.Accounts {
		out[i] = AccountInfo{ID: a.ID, Name: a.Name, Host: a.Host, Port: a.PortOrDefault(),
			Security: string(a.SecurityOrDefault()), Username: a.Username, Address: a.Address, OAuth2: a.IsOAuth2(),
			Created: a.Created, Modified: a.Modified}
		if e := a.SMTP; e != nil {
			user := e.Username
			if user == "" {
				user = a.Username
			}
			out[i].SMTP = &EndpointInfo{Host: e.Host, Port: e.PortOrDefault(), Security: string(e.SecurityOrDefault()), Username: user}
		}
	}
	return out
}
