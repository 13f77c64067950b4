package recipe

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	"github.com/imapvault/imapvault/internal/procgroup"
)

var (
	passwdFileSetting = Setting{Env: "IMAPVAULT_RECIPE_PASSWD_FILE", Required: true, About: "the Dovecot passwd-file to change"}
	schemeSetting     = Setting{Env: "IMAPVAULT_RECIPE_SCHEME", Default: "SHA512-CRYPT", About: "doveadm pw scheme: SHA512-CRYPT, BLF-CRYPT, ARGON2ID (where the build has them, see 'doveadm pw -l')"}
	doveadmSetting    = Setting{Env: "IMAPVAULT_RECIPE_DOVEADM", Default: "doveadm", About: "the doveadm program"}
)

func init() {
	register(Recipe{
		Name:     "dovecot-passwd-file",
		Summary:  "hash with 'doveadm pw' and rewrite that user's line of a Dovecot passwd-file, atomically under a lock",
		Settings: []Setting{passwdFileSetting, schemeSetting, doveadmSetting, userSetting},
		Cannot:   ":",
		run:      runPasswdFile,
	})
}

// testCheckpoint, set by this package's tests in a child, is called at the
// points where a kill must leave the file whole.
var testCheckpoint func(point string)

func checkpoint(p string) {
	if testCheckpoint != nil {
		testCheckpoint(p)
	}
}

func runPasswdFile(ctx context.Context, in Input) error {
	path := in.setting(passwdFileSetting)
	user := in.user()
	if user == "" || strings.ContainsAny(user, ":\n") {
		return badSetting("no usable user name (IMAPVAULT_USERNAME or IMAPVAULT_RECIPE_USER)")
	}
	if strings.ContainsAny(in.New, ":\n") {
		return errors.New("the new password holds ':' or a line break, which a passwd-file cannot hold")
	}
	hash, err := doveadmHash(ctx, in.setting(doveadmSetting), in.setting(schemeSetting), in.New)
	if err != nil {
		return err
	}
	if err := setPasswdLine(path, user, hash); err != nil {
		return err
	}
	fmt.Fprintf(in.Out, "%s: password of %s set (%s)\n", path, user, in.setting(schemeSetting))
	return nil
}

// doveadmHash hashes pw with `doveadm pw -s scheme`. doveadm reads the
// password from its terminal, or from stdin when it has none: it runs in a
// new session (no controlling terminal) with the password typed twice on
// stdin, never in argv. doveadm checks the hash against the password
// before printing it; we check the answer's shape.
func doveadmHash(ctx context.Context, doveadm, scheme, pw string) (string, error) {
	if strings.ContainsAny(scheme, " \t\n{}:") {
		return "", badSetting("%s: %q is not a scheme name", schemeSetting.Env, scheme)
	}
	cmd := exec.CommandContext(ctx, doveadm, "pw", "-s", scheme)
	cmd.Stdin = strings.NewReader(pw + "\n" + pw + "\n")
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	procgroup.NoTerminal(cmd)
	if err := cmd.Run(); err != nil {
		return "", fmt.Errorf("doveadm pw -s %s: %w: %s", scheme, err, strings.TrimSpace(redact(errb.String(), pw)))
	}
	h := strings.TrimSpace(out.String())
	if errb.Len() > 0 || !strings.HasPrefix(h, "{"+scheme+"}") || strings.ContainsAny(h, "\n:") || strings.Contains(h, pw) {
		return "", fmt.Errorf("doveadm pw -s %s: unexpected answer: %s", scheme, strings.TrimSpace(redact(errb.String(), pw)))
	}
	return h, nil
}

// setPasswdLine replaces the password field (the second, ':'-separated)
// of user's line in the passwd-file at path with hash. Every other byte of
// the file stays as it was. Writers take an exclusive flock on path+".lock"
// (so two rotations of different users both land); the new contents go to
// a temporary file beside it with the old one's mode and owner, synced,
// then renamed over it, so Dovecot and a killed writer never see half a
// file.
func setPasswdLine(path, user, hash string) error {
	lock, err := lockFile(path + ".lock")
	if err != nil {
		return fmt.Errorf("lock %s: %w", path, err)
	}
	defer lock.Close()
	checkpoint("locked")
	st, err := os.Lstat(path)
	if err != nil {
		return fmt.Errorf("passwd-file: %w", err)
	}
	if !st.Mode().IsRegular() {
		return badSetting("%s is not a regular file (a symlink is not followed)", path)
	}
	old, err := os.ReadFile(path)
	if err != nil {
		return fmt.Errorf("passwd-file: %w", err)
	}
	updated, err := replaceField(old, user, hash)
	if err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".imapvault-*")
	if err != nil {
		return fmt.Errorf("passwd-file: %w", err)
	}
	defer os.Remove(tmp.Name()) // gone after the rename; left behind only on failure
	err = tmp.Chmod(st.Mode().Perm())
	if uid, gid, ok := owner(st); err == nil && ok && os.Geteuid() == 0 {
		err = tmp.Chown(uid, gid)
	}
	if err == nil {
		_, err = tmp.Write(updated)
	}
	checkpoint("written")
	if err == nil {
		err = tmp.Sync()
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("passwd-file: write %s: %w", tmp.Name(), err)
	}
	// Dovecot rereads the file when its mtime (whole seconds) or size
	// changed. Hashes of one scheme have one length, so a rewrite within the
	// same second as the last change would go unseen and the old password
	// would keep working: stamp the new file in a later second. Always
	// explicitly: the kernel stamps a write with a clock that lags
	// time.Now by up to a tick, so a write just after a second turned can
	// carry the second before.
	if err := os.Chtimes(tmp.Name(), time.Time{}, nextStamp(st.ModTime(), time.Now())); err != nil {
		return fmt.Errorf("passwd-file: %w", err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return fmt.Errorf("passwd-file: %w", err)
	}
	if d, err := os.Open(filepath.Dir(path)); err == nil {
		_ = d.Sync()
		d.Close()
	}
	checkpoint("renamed")
	return nil
}

// nextStamp is the mtime for a rewrite of a file whose mtime was old: now,
// or the start of the second after old's when now falls in the same
// second (or before it, for a file stamped ahead).
func nextStamp(old, now time.Time) time.Time {
	if next := old.Truncate(time.Second).Add(time.Second); now.Before(next) {
		return next
	}
	return now
}

// replaceField returns file with the second field of user's line set to
// value. Exactly one line must belong to user.
func replaceField(file []byte, user, value string) ([]byte, error) {
	var out bytes.Buffer
	out.Grow(len(file) + len(value))
	found := 0
	rest := file
	for len(rest) > 0 {
		line := rest
		if i := bytes.IndexByte(rest, '\n'); i >= 0 {
			line, rest = rest[:i+1], rest[i+1:]
		} else {
			rest = nil
		}
		name, after, ok := bytes.Cut(line, []byte(":"))
		if !ok || string(name) != user {
			out.Write(line)
			continue
		}
		found++
		out.Write(name)
		out.WriteByte(':')
		out.WriteString(value)
		if i := bytes.IndexAny(after, ":\r\n"); i >= 0 {
			out.Write(after[i:]) // the other fields and the line end, byte for byte
		}
	}
	switch found {
	case 0:
		return nil, fmt.Errorf("no line for user %q", user)
	case 1:
		return out.Bytes(), nil
	}
	return nil, fmt.Errorf("%d lines for user %q; fix the file by hand", found, user)
}
