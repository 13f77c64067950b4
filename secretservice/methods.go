package secretservice

import (
	"github.com/godbus/dbus/v5"

	"github.com/imapvault/imapvault/internal/termtext"
)

// org.freedesktop.Secret.Service, on /org/freedesktop/secrets only.
func (s *Service) serviceMethods() map[string]any {
	return map[string]any{
		"OpenSession":      s.openSession,
		"CreateCollection": s.createCollection,
		"SearchItems":      s.searchItems,
		"Unlock":           s.unlock,
		"Lock":             s.lock,
		"GetSecrets":       s.getSecrets,
		"ReadAlias":        s.readAlias,
		"SetAlias":         s.setAlias,
	}
}

// onService refuses a Service method called on another path (the tables
// are exported over the whole subtree).
func onService(msg dbus.Message) *dbus.Error {
	if k, _ := parsePath(pathOf(msg)); k != kService {
		return dbusErr(errUnknownMethod, "no such method on %s", pathOf(msg))
	}
	return nil
}

func (s *Service) openSession(msg dbus.Message, alg string, input dbus.Variant) (dbus.Variant, dbus.ObjectPath, *dbus.Error) {
	none := dbus.MakeVariant("")
	if err := onService(msg); err != nil {
		return none, "/", err
	}
	var key []byte
	out := dbus.MakeVariant("")
	switch alg {
	case AlgPlain:
	case AlgDH:
		peer, ok := input.Value().([]byte)
		if !ok || len(peer) > maxInputBytes {
			return none, "/", dbusErr(errInvalidArgs, "%s takes the client's public key as bytes", AlgDH)
		}
		pub, k, err := dhExchange(peer)
		if err != nil {
			return none, "/", dbusErr(errInvalidArgs, "%v", err)
		}
		key, out = k, dbus.MakeVariant(pub)
	default:
		return none, "/", dbusErr(errNotSupported, "algorithm %q is not supported (use %s or %s)", termtext.LineN(alg, 64), AlgDH, AlgPlain)
	}
	p, err := s.sess.open(senderOf(msg), alg, key)
	if err != nil {
		clear(key)
		return none, "/", err
	}
	s.logf("session %s (%s) for %s", p, alg, s.peer(senderOf(msg)))
	return out, p, nil
}

func (s *Service) closeSession(msg dbus.Message) *dbus.Error {
	if k, _ := parsePath(pathOf(msg)); k != kSession {
		return dbusErr(errUnknownMethod, "no such method on %s", pathOf(msg))
	}
	return s.sess.close(pathOf(msg), senderOf(msg))
}

func (s *Service) createCollection(msg dbus.Message, _ map[string]dbus.Variant, _ string) (dbus.ObjectPath, dbus.ObjectPath, *dbus.Error) {
	if err := onService(msg); err != nil {
		return "/", "/", err
	}
	s.refused("CreateCollection", msg)
	return "/", "/", readOnly("creating a collection")
}

// checkAttrs bounds a search's attributes.
func checkAttrs(q map[string]string) *dbus.Error {
	n := 0
	for k, v := range q {
		n += len(k) + len(v)
	}
	if len(q) > maxAttributes || n > maxAttrBytes {
		return dbusErr(errLimitsExceeded, "a search takes at most %d attributes of %d bytes in all", maxAttributes, maxAttrBytes)
	}
	return nil
}

func (s *Service) searchItems(msg dbus.Message, q map[string]string) ([]dbus.ObjectPath, []dbus.ObjectPath, *dbus.Error) {
	unlocked, locked := []dbus.ObjectPath{}, []dbus.ObjectPath{}
	if err := onService(msg); err != nil {
		return unlocked, locked, err
	}
	paths, isLocked, err := s.search(q)
	if isLocked {
		return unlocked, paths, err
	}
	return paths, locked, err
}

// search is SearchItems for the service and the collection.
func (s *Service) search(q map[string]string) ([]dbus.ObjectPath, bool, *dbus.Error) {
	paths := []dbus.ObjectPath{}
	if err := checkAttrs(q); err != nil {
		return paths, false, err
	}
	if err := s.enter(); err != nil {
		return paths, false, err
	}
	defer s.leave()
	items, isLocked, err := s.view()
	if err != nil {
		return paths, isLocked, err
	}
	for i := range items {
		if items[i].matches(q) {
			paths = append(paths, itemPath(items[i].elem))
		}
	}
	return paths, isLocked, nil
}

// unlock can't unlock: that takes the passphrase in a terminal. Unlocked
// objects come back as they are; a locked agent is a clear failure, never
// a prompt left waiting.
func (s *Service) unlock(msg dbus.Message, objects []dbus.ObjectPath) ([]dbus.ObjectPath, dbus.ObjectPath, *dbus.Error) {
	done := []dbus.ObjectPath{}
	if err := onService(msg); err != nil {
		return done, "/", err
	}
	if err := s.enter(); err != nil {
		return done, "/", err
	}
	defer s.leave()
	if _, err := s.src.Accounts(); err != nil {
		if isLocked(err) {
			s.logf("unlock asked by %s while the agent is locked: it needs 'imapvault unlock'", s.peer(senderOf(msg)))
			return done, "/", lockedErr(err)
		}
		return done, "/", dbusErr(errFailed, "imapvault: the agent could not read the vault: %v", err)
	}
	for _, o := range objects {
		if k, _ := parsePath(o); k == kCollection || k == kItem {
			done = append(done, o)
		}
	}
	return done, "/", nil
}

// lock makes the agent forget the identity: every item locks.
func (s *Service) lock(msg dbus.Message, objects []dbus.ObjectPath) ([]dbus.ObjectPath, dbus.ObjectPath, *dbus.Error) {
	done := []dbus.ObjectPath{}
	if err := onService(msg); err != nil {
		return done, "/", err
	}
	if err := s.src.Lock(); err != nil {
		return done, "/", dbusErr(errFailed, "imapvault: lock the agent: %v", err)
	}
	s.logf("locked the agent for %s", s.peer(senderOf(msg)))
	for _, o := range objects {
		if k, _ := parsePath(o); k == kCollection || k == kItem {
			done = append(done, o)
		}
	}
	return done, "/", nil
}

func (s *Service) getSecrets(msg dbus.Message, items []dbus.ObjectPath, session dbus.ObjectPath) (map[dbus.ObjectPath]secret, *dbus.Error) {
	out := map[dbus.ObjectPath]secret{}
	if err := onService(msg); err != nil {
		return out, err
	}
	if len(items) > maxItemsPerGet {
		return out, dbusErr(errLimitsExceeded, "GetSecrets takes at most %d items", maxItemsPerGet)
	}
	x, err := s.sess.get(session, senderOf(msg))
	if err != nil {
		return out, err
	}
	if err := s.enter(); err != nil {
		return out, err
	}
	defer s.leave()
	current, isLocked, err := s.view()
	if err != nil {
		return out, err
	}
	if isLocked {
		return out, lockedErr(nil)
	}
	for _, p := range items {
		k, elem := parsePath(p)
		if k != kItem {
			continue
		}
		it := find(current, elem)
		if it == nil {
			continue
		}
		sec, err := s.secretOf(msg, it, x, session)
		if err != nil {
			return map[dbus.ObjectPath]secret{}, err
		}
		out[p] = sec
	}
	return out, nil
}

// secretOf asks the agent for an item's password and wraps it for the
// session. The log names the account and who asked, never the secret.
func (s *Service) secretOf(msg dbus.Message, it *item, x *session, session dbus.ObjectPath) (secret, *dbus.Error) {
	pw, err := s.src.Password(it.account)
	if err != nil {
		if isLocked(err) {
			return secret{}, lockedErr(err)
		}
		return secret{}, dbusErr(errFailed, "imapvault: no password for %s: %v", it.label, err)
	}
	sec, err := x.wrap(session, pw)
	if err != nil {
		return secret{}, dbusErr(errFailed, "imapvault: encrypt the secret: %v", err)
	}
	s.logf("secret of %s (%s) to %s", termtext.Line(it.account), it.proto, s.peer(senderOf(msg)))
	return sec, nil
}

func (s *Service) readAlias(msg dbus.Message, name string) (dbus.ObjectPath, *dbus.Error) {
	if err := onService(msg); err != nil {
		return "/", err
	}
	if name == "default" {
		return collectionPath, nil
	}
	return "/", nil
}

func (s *Service) setAlias(msg dbus.Message, _ string, _ dbus.ObjectPath) *dbus.Error {
	if err := onService(msg); err != nil {
		return err
	}
	s.refused("SetAlias", msg)
	return readOnly("setting an alias")
}

// refused logs a write that was turned away.
func (s *Service) refused(what string, msg dbus.Message) {
	s.logf("refused %s on %s from %s: the vault is read-only here", what, pathOf(msg), s.peer(senderOf(msg)))
}
