package secretservice

import (
	"strings"

	"github.com/godbus/dbus/v5"
)

// The object paths the spec names, and ours under them.
const (
	BusName        = "org.freedesktop.secrets"
	servicePath    = dbus.ObjectPath("/org/freedesktop/secrets")
	collectionPath = dbus.ObjectPath("/org/freedesktop/secrets/collection/imapvault")
	aliasPath      = dbus.ObjectPath("/org/freedesktop/secrets/aliases/default")
	sessionPrefix  = "/org/freedesktop/secrets/session"
	collectionName = "imapvault"
)

// kind is what an object path names.
type kind int

const (
	kNone kind = iota
	kNode      // a folder on the way (introspection only)
	kService
	kCollection
	kItem
	kSession
)

// parsePath says what p names; for an item, its element. An item is
// reached under the collection's path or under the default alias.
func parsePath(p dbus.ObjectPath) (kind, string) {
	switch p {
	case "/", "/org", "/org/freedesktop", "/org/freedesktop/secrets/collection",
		"/org/freedesktop/secrets/aliases", sessionPrefix:
		return kNode, ""
	case servicePath:
		return kService, ""
	case collectionPath, aliasPath:
		return kCollection, ""
	}
	s := string(p)
	for _, base := range []dbus.ObjectPath{collectionPath, aliasPath} {
		if rest, ok := strings.CutPrefix(s, string(base)+"/"); ok && rest != "" && !strings.Contains(rest, "/") {
			return kItem, rest
		}
	}
	if rest, ok := strings.CutPrefix(s, sessionPrefix+"/"); ok && rest != "" && !strings.Contains(rest, "/") {
		return kSession, ""
	}
	return kNone, ""
}

func itemPath(elem string) dbus.ObjectPath { return collectionPath + "/" + dbus.ObjectPath(elem) }

func pathOf(msg dbus.Message) dbus.ObjectPath {
	p, _ := msg.Headers[dbus.FieldPath].Value().(dbus.ObjectPath)
	return p
}

func senderOf(msg dbus.Message) string {
	s, _ := msg.Headers[dbus.FieldSender].Value().(string)
	return s
}
