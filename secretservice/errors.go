package secretservice

import (
	"fmt"

	"github.com/godbus/dbus/v5"
)

// D-Bus error names a client branches on (the spec's "Errors", and the
// bus's own for what it does not name).
const (
	errIsLocked       = "org.freedesktop.Secret.Error.IsLocked"
	errNoSession      = "org.freedesktop.Secret.Error.NoSession"
	errNoSuchObject   = "org.freedesktop.Secret.Error.NoSuchObject"
	errNotSupported   = "org.freedesktop.DBus.Error.NotSupported"
	errInvalidArgs    = "org.freedesktop.DBus.Error.InvalidArgs"
	errLimitsExceeded = "org.freedesktop.DBus.Error.LimitsExceeded"
	errFailed         = "org.freedesktop.DBus.Error.Failed"
	errUnknownObject  = "org.freedesktop.DBus.Error.UnknownObject"
	errUnknownMethod  = "org.freedesktop.DBus.Error.UnknownMethod"
	errUnknownProp    = "org.freedesktop.DBus.Error.UnknownProperty"
)

func dbusErr(name, format string, args ...any) *dbus.Error {
	return dbus.NewError(name, []any{fmt.Sprintf(format, args...)})
}

// readOnly is every write's answer: the vault is where passwords change.
func readOnly(what string) *dbus.Error {
	return dbusErr(errNotSupported, "imapvault serves the vault read-only, so %s is refused: the vault is the source; "+
		"change an account with 'imapvault edit NAME' or 'imapvault rotate NAME'", what)
}

func noObject(path dbus.ObjectPath) *dbus.Error {
	return dbusErr(errNoSuchObject, "no such object %s", path)
}
