package testsmtp

type postfixConf struct {
	Dir                              string
	Submission, Strict, SMTPS, NoTLS int
	AuthAddr                         string
	AuthBeforeTLS                    bool
}

// postfixMain is main.cf (in Dir/etc, beside the queue, not above it:
// postfix check wants a config folder all root's): everything in Dir,
// nothing from /etc/postfix but its meta files; SASL by Dovecot over TCP; no mail ever leaves (every
// transport discards), and a check never gets that far anyway.
const postfixMain = `# written by internal/testsmtp
compatibility_level = 3.6
queue_directory = {{.Dir}}/queue
data_directory = {{.Dir}}/data
meta_directory = /etc/postfix
mail_owner = postfix
setgid_group = postdrop
syslog_name = testsmtp
maillog_file = /dev/stdout
myhostname = testsmtp.invalid
mydomain = testsmtp.invalid
myorigin = $myhostname
mydestination =
relayhost =
relay_domains =
inet_interfaces = 127.0.0.1
inet_protocols = ipv4
mynetworks = 127.0.0.1/32
alias_maps =
alias_database =
local_recipient_maps =
# discard, not error: smtpd refuses RCPT TO for an error: transport.
# Nothing is queued without DATA; the tests look for it in the log.
default_transport = discard:testsmtp delivers nothing
local_transport = discard:testsmtp delivers nothing
relay_transport = discard:testsmtp delivers nothing
biff = no
smtputf8_enable = no
smtpd_banner = $myhostname ESMTP testsmtp
smtpd_error_sleep_time = 0
smtpd_soft_error_limit = 100
smtpd_hard_error_limit = 200
smtpd_client_connection_rate_limit = 0

smtpd_tls_cert_file = {{.Dir}}/cert.pem
smtpd_tls_key_file = {{.Dir}}/key.pem
smtpd_tls_security_level = encrypt
smtpd_tls_auth_only = yes
smtpd_tls_loglevel = 0

smtpd_sasl_auth_enable = yes
smtpd_sasl_type = dovecot
smtpd_sasl_path = inet:{{.AuthAddr}}
smtpd_sasl_authenticated_header = no
smtpd_relay_restrictions = permit_sasl_authenticated, reject
smtpd_recipient_restrictions = permit_sasl_authenticated, reject
`

// postfixMaster is master.cf: four submission services on high ports and
// the daemons smtpd needs, none chrooted (the queue is in Dir).
const postfixMaster = `# written by internal/testsmtp
127.0.0.1:{{.Submission}} inet n - n - - smtpd
  -o syslog_name=testsmtp/submission
{{- if .AuthBeforeTLS}}
  -o smtpd_tls_security_level=may
  -o smtpd_tls_auth_only=no
{{- end}}
127.0.0.1:{{.Strict}} inet n - n - - smtpd
  -o syslog_name=testsmtp/strict
  -o smtpd_sender_login_maps=texthash:{{.Dir}}/sender_logins
  -o smtpd_sender_restrictions=reject_sender_login_mismatch
127.0.0.1:{{.SMTPS}} inet n - n - - smtpd
  -o syslog_name=testsmtp/smtps
  -o smtpd_tls_wrappermode=yes
127.0.0.1:{{.NoTLS}} inet n - n - - smtpd
  -o syslog_name=testsmtp/notls
  -o smtpd_tls_security_level=none
  -o smtpd_tls_auth_only=no
cleanup   unix  n - n - 0 cleanup
qmgr      unix  n - n 300 1 qmgr
tlsmgr    unix  - - n 1000? 1 tlsmgr
rewrite   unix  - - n - - trivial-rewrite
bounce    unix  - - n - 0 bounce
defer     unix  - - n - 0 bounce
trace     unix  - - n - 0 bounce
verify    unix  - - n - 1 verify
flush     unix  n - n 1000? 0 flush
proxymap  unix  - - n - - proxymap
anvil     unix  - - n - 1 anvil
scache    unix  - - n - 1 scache
error     unix  - - n - - error
retry     unix  - - n - - error
discard   unix  - - n - - discard
postlog   unix-dgram n - n - 1 postlogd
`
