package recipe

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"strings"
)

var (
	ldapURI      = Setting{Env: "IMAPVAULT_RECIPE_LDAP_URI", Required: true, About: "the directory, ldaps://ldap.example.org (or ldap:// with STARTTLS)"}
	ldapUserDN   = Setting{Env: "IMAPVAULT_RECIPE_LDAP_USER_DN", Required: true, About: "the user's DN, %u standing for the username: uid=%u,ou=people,dc=example,dc=org"}
	ldapBindDN   = Setting{Env: "IMAPVAULT_RECIPE_LDAP_BIND_DN", About: "DN to bind as to change it (an admin); unset: the user binds with the old password"}
	ldapBindFile = Setting{Env: "IMAPVAULT_RECIPE_LDAP_BIND_PW_FILE", About: "file holding the bind DN's password (0600; a trailing newline is dropped)"}
	ldapStartTLS = Setting{Env: "IMAPVAULT_RECIPE_LDAP_STARTTLS", About: "yes: require STARTTLS on an ldap:// URI (-ZZ)"}
	ldapPasswd   = Setting{Env: "IMAPVAULT_RECIPE_LDAPPASSWD", Default: "ldappasswd", About: "the ldappasswd program (ldap-utils)"}
)

func init() {
	register(Recipe{
		Name:     "ldap",
		Summary:  "LDAP Password Modify (RFC 3062) with ldappasswd; passwords reach it through pipes (-T, -t, -y /dev/fd/N), never argv",
		Settings: []Setting{ldapURI, ldapUserDN, ldapBindDN, ldapBindFile, ldapStartTLS, ldapPasswd, userSetting},
		run:      runLDAP,
	})
}

// runLDAP runs `ldappasswd -x -H URI -D BINDDN -y /dev/fd/4 -T /dev/fd/3
// USERDN`: each password goes in a pipe of its own that ldappasswd opens as
// a file (no trailing newline: ldappasswd takes a file's whole content).
// Without a bind DN the user binds as itself with the old password, which
// also goes as -t (the old password the server checks).
func runLDAP(ctx context.Context, in Input) error {
	user := in.user()
	if user == "" {
		return badSetting("no username (IMAPVAULT_USERNAME or IMAPVAULT_RECIPE_USER)")
	}
	userDN := strings.ReplaceAll(in.setting(ldapUserDN), "%u", escapeDNValue(user))
	bindDN, bindPw := in.setting(ldapBindDN), in.Old
	if bindDN != "" {
		if in.setting(ldapBindFile) == "" {
			return badSetting("%s is set: set %s too", ldapBindDN.Env, ldapBindFile.Env)
		}
		var err error
		if bindPw, err = secretFile(ldapBindFile, in.setting(ldapBindFile)); err != nil {
			return err
		}
	} else {
		bindDN = userDN
	}
	secrets := []string{in.New, bindPw}
	args := []string{"-x", "-H", in.setting(ldapURI), "-D", bindDN, "-T", "/dev/fd/3", "-y", "/dev/fd/4"}
	if in.setting(ldapBindDN) == "" {
		args = append(args, "-t", "/dev/fd/5")
		secrets = append(secrets, in.Old)
	}
	if strings.EqualFold(in.setting(ldapStartTLS), "yes") {
		args = append(args, "-ZZ")
	}
	args = append(args, userDN)
	cmd := exec.CommandContext(ctx, in.setting(ldapPasswd), args...)
	cmd.Env = os.Environ() // the hook's allow-list: LDAPTLS_CACERT and the like come by HookEnv
	var closers []*os.File
	defer func() {
		for _, f := range closers {
			f.Close()
		}
	}()
	for _, s := range secrets {
		r, w, err := os.Pipe()
		if err != nil {
			return err
		}
		closers = append(closers, r, w)
		// Far below a pipe's buffer, so the write does not block.
		if _, err := w.WriteString(s); err != nil {
			return err
		}
		w.Close()
		cmd.ExtraFiles = append(cmd.ExtraFiles, r)
	}
	if err := runTool(cmd, in, "ldappasswd"); err != nil {
		return fmt.Errorf("%w (as %s on %s)", err, bindDN, in.setting(ldapURI))
	}
	fmt.Fprintf(in.Out, "LDAP: password of %s set\n", userDN)
	return nil
}

// escapeDNValue escapes a username for an RFC 4514 attribute value.
func escapeDNValue(s string) string {
	var b strings.Builder
	for i, r := range s {
		switch {
		case strings.ContainsRune(`,+"\<>;=`, r), r == '#' && i == 0, r == ' ' && (i == 0 || i == len(s)-1):
			b.WriteByte('\\')
			b.WriteRune(r)
		case r == 0:
			b.WriteString(`\00`)
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}
