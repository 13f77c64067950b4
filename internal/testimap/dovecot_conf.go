package testimap

type dovecotConf struct {
	Dir                         string
	Implicit, StartTLS          int
	AuthPort                    int // auth service's inet_listener; 0: none
	InternalUser, InternalGroup string
	LoginUser                   string
	MailUID, MailGID            string
	AuthMechanisms              string // default "plain login"
	Passdb                      string // a whole passdb block (2.3 syntax); default the passwd-file
	Extra                       string // appended to the config
	Listen                      string // address of both listeners
	MinProtocol, CipherList     string // ssl_min_protocol, ssl_cipher_list ("" Dovecot's)
	PlaintextAuth               bool   // disable_plaintext_auth = no
}

// dovecot23 is the config for Dovecot 2.3 (Debian 12). Everything lives in
// Dir; nothing from /etc/dovecot is read. Cleartext login is refused on
// non-secure connections, and login_trusted_networks stays empty, so only
// 127.0.0.1 -> 127.0.0.1 counts as secure (Dovecot's own rule).
const dovecot23 = `# written by internal/testimap
base_dir = {{.Dir}}/run
state_dir = {{.Dir}}/state
instance_name = testimap-{{.Implicit}}
log_path = {{.Dir}}/dovecot.log
info_log_path = {{.Dir}}/dovecot.log
protocols = imap
listen = {{.Listen}}
login_trusted_networks =

ssl = yes
ssl_cert = <{{.Dir}}/cert.pem
ssl_key = <{{.Dir}}/key.pem
ssl_min_protocol = {{.MinProtocol}}
{{if .CipherList}}ssl_cipher_list = {{.CipherList}}
{{end}}disable_plaintext_auth = {{if .PlaintextAuth}}no{{else}}yes{{end}}
auth_mechanisms = {{.AuthMechanisms}}
auth_cache_size = 0
# Tests log in with wrong passwords on purpose (a rotation verifying before
# the server caught up): no 2 s failure delay, no growing per-IP penalty
# (2 -> 15 s), which only make those tests slow and their timeouts flaky.
auth_failure_delay = 0

default_internal_user = {{.InternalUser}}
{{if .InternalGroup}}default_internal_group = {{.InternalGroup}}
{{end}}default_login_user = {{.LoginUser}}
first_valid_uid = 1
first_valid_gid = 1

{{if .Passdb}}{{.Passdb}}{{else}}passdb {
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {{.Dir}}/passwd
}{{end}}
userdb {
  driver = static
  args = uid={{.MailUID}} gid={{.MailGID}} home={{.Dir}}/home/%u
}
mail_location = maildir:~/Maildir

service imap-login {
  inet_listener imap {
    address = {{.Listen}}
    port = {{.StartTLS}}
  }
  inet_listener imaps {
    address = {{.Listen}}
    port = {{.Implicit}}
    ssl = yes
  }
}
service anvil {
  unix_listener anvil-auth-penalty {
    mode = 0
  }
}
{{if .AuthPort}}service auth {
  inet_listener auth-inet {
    address = 127.0.0.1
    port = {{.AuthPort}}
  }
}
{{end}}service pop3-login {
  inet_listener pop3 {
    port = 0
  }
  inet_listener pop3s {
    port = 0
  }
}
{{.Extra}}
`

// dovecot24 is the same for Dovecot 2.4, whose settings were renamed.
// Written from the 2.4 documentation; not yet run here (this machine has
// 2.3), so a failure to start on 2.4 most likely lies in this text.
const dovecot24 = `# written by internal/testimap
dovecot_config_version = 2.4.0
dovecot_storage_version = 2.4.0
base_dir = {{.Dir}}/run
state_dir = {{.Dir}}/state
instance_name = testimap-{{.Implicit}}
log_path = {{.Dir}}/dovecot.log
info_log_path = {{.Dir}}/dovecot.log
protocols = imap
listen = {{.Listen}}
login_trusted_networks =

ssl = yes
ssl_server_cert_file = {{.Dir}}/cert.pem
ssl_server_key_file = {{.Dir}}/key.pem
ssl_min_protocol = {{.MinProtocol}}
{{if .CipherList}}ssl_cipher_list = {{.CipherList}}
{{end}}auth_allow_cleartext = {{if .PlaintextAuth}}yes{{else}}no{{end}}
auth_mechanisms = plain login
auth_cache_size = 0

default_internal_user = {{.InternalUser}}
{{if .InternalGroup}}default_internal_group = {{.InternalGroup}}
{{end}}default_login_user = {{.LoginUser}}
first_valid_uid = 1
first_valid_gid = 1

passdb passwd-file {
  passwd_file_path = {{.Dir}}/passwd
  default_password_scheme = PLAIN
}
userdb static {
  fields {
    uid = {{.MailUID}}
    gid = {{.MailGID}}
    home = {{.Dir}}/home/%{user}
  }
}
mail_driver = maildir
mail_path = ~/Maildir

service imap-login {
  inet_listener imap {
    listen = {{.Listen}}
    port = {{.StartTLS}}
  }
  inet_listener imaps {
    listen = {{.Listen}}
    port = {{.Implicit}}
    ssl = yes
  }
}
{{if .AuthPort}}service auth {
  inet_listener auth-inet {
    listen = 127.0.0.1
    port = {{.AuthPort}}
  }
}
{{end}}`
