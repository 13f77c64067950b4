package secretservice

import (
	"github.com/godbus/dbus/v5"
)

// org.freedesktop.Secret.Collection: the one collection, read-only.
func (s *Service) collectionMethods() map[string]any {
	return map[string]any{
		"SearchItems": s.collectionSearch,
		"CreateItem":  s.createItem,
		"Delete":      s.deleteObject,
	}
}

// org.freedesktop.Secret.Item: reading a secret; writes are refused.
func (s *Service) itemMethods() map[string]any {
	return map[string]any{
		"GetSecret": s.getSecret,
		"SetSecret": s.setSecret,
		"Delete":    s.deleteObject,
	}
}

func onKind(msg dbus.Message, want kind) (string, *dbus.Error) {
	k, elem := parsePath(pathOf(msg))
	if k != want {
		return "", dbusErr(errUnknownMethod, "no such method on %s", pathOf(msg))
	}
	return elem, nil
}

func (s *Service) collectionSearch(msg dbus.Message, q map[string]string) ([]dbus.ObjectPath, *dbus.Error) {
	if _, err := onKind(msg, kCollection); err != nil {
		return []dbus.ObjectPath{}, err
	}
	paths, _, err := s.search(q)
	return paths, err
}

func (s *Service) createItem(msg dbus.Message, _ map[string]dbus.Variant, _ secret, _ bool) (dbus.ObjectPath, dbus.ObjectPath, *dbus.Error) {
	if _, err := onKind(msg, kCollection); err != nil {
		return "/", "/", err
	}
	s.refused("CreateItem", msg)
	return "/", "/", readOnly("storing a secret")
}

// deleteObject is Delete on the collection or on an item.
func (s *Service) deleteObject(msg dbus.Message) (dbus.ObjectPath, *dbus.Error) {
	k, _ := parsePath(pathOf(msg))
	if k != kCollection && k != kItem {
		return "/", dbusErr(errUnknownMethod, "no such method on %s", pathOf(msg))
	}
	s.refused("Delete", msg)
	return "/", readOnly("deleting")
}

func (s *Service) setSecret(msg dbus.Message, _ secret) *dbus.Error {
	if _, err := onKind(msg, kItem); err != nil {
		return err
	}
	s.refused("SetSecret", msg)
	return readOnly("changing a secret")
}

func (s *Service) getSecret(msg dbus.Message, session dbus.ObjectPath) (secret, *dbus.Error) {
	elem, err := onKind(msg, kItem)
	if err != nil {
		return secret{}, err
	}
	x, err := s.sess.get(session, senderOf(msg))
	if err != nil {
		return secret{}, err
	}
	if err := s.enter(); err != nil {
		return secret{}, err
	}
	defer s.leave()
	items, isLocked, err := s.view()
	if err != nil {
		return secret{}, err
	}
	it := find(items, elem)
	if it == nil {
		return secret{}, noObject(pathOf(msg))
	}
	if isLocked {
		return secret{}, lockedErr(nil)
	}
	return s.secretOf(msg, it, x, session)
}
