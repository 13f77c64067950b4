package testoauth

import (
	"fmt"
	"strings"

	"github.com/imapvault/imapvault/internal/testimap"
)

// DovecotOptions configure a Dovecot that takes this server's access
// tokens: passdb oauth2 asking the RFC 7662 introspection endpoint (POST,
// with the client's credentials) about each token. mechs is Dovecot's
// auth_mechanisms, e.g. "xoauth2 oauthbearer". The user logs in as Email.
func (s *Server) DovecotOptions(mechs string) testimap.DovecotOptions {
	u := strings.Replace(s.IntrospectURL(), "http://", fmt.Sprintf("http://%s:%s@", ClientID, ClientSecret), 1)
	conf := fmt.Sprintf(`introspection_mode = post
introspection_url = %s
force_introspection = yes
username_attribute = email
active_attribute = active
active_value = true
`, u)
	return testimap.DovecotOptions{
		AuthMechanisms: mechs,
		Passdb: `passdb {
  driver = oauth2
  mechanisms = ` + mechs + `
  args = {{.Dir}}/oauth2.conf.ext
}`,
		Files: map[string][]byte{"oauth2.conf.ext": []byte(conf)},
	}
}
