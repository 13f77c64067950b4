package secretservice

import (
	"github.com/godbus/dbus/v5"
)

// org.freedesktop.DBus.Properties over every object, read-only.

func (s *Service) propGetAll(msg dbus.Message, iface string) (map[string]dbus.Variant, *dbus.Error) {
	if err := s.enter(); err != nil {
		return nil, err
	}
	defer s.leave()
	return s.props(pathOf(msg), iface)
}

func (s *Service) propGet(msg dbus.Message, iface, name string) (dbus.Variant, *dbus.Error) {
	if err := s.enter(); err != nil {
		return dbus.MakeVariant(""), err
	}
	defer s.leave()
	all, err := s.props(pathOf(msg), iface)
	if err != nil {
		return dbus.MakeVariant(""), err
	}
	v, ok := all[name]
	if !ok {
		return dbus.MakeVariant(""), dbusErr(errUnknownProp, "no property %s on %s", name, iface)
	}
	return v, nil
}

func (s *Service) propSet(msg dbus.Message, iface, name string, _ dbus.Variant) *dbus.Error {
	s.refused("setting "+name, msg)
	return readOnly("changing " + name)
}

// props are the properties of the object at p for one interface ("" all
// of the object's).
func (s *Service) props(p dbus.ObjectPath, iface string) (map[string]dbus.Variant, *dbus.Error) {
	k, elem := parsePath(p)
	want := map[kind]string{kService: ifaceService, kCollection: ifaceCollection, kItem: ifaceItem, kSession: ifaceSession}[k]
	if k == kNone {
		return nil, dbusErr(errUnknownObject, "no such object %s", p)
	}
	if iface != "" && iface != want || want == "" || k == kSession {
		return map[string]dbus.Variant{}, nil
	}
	if k == kService {
		return map[string]dbus.Variant{"Collections": dbus.MakeVariant([]dbus.ObjectPath{collectionPath})}, nil
	}
	items, locked, err := s.view()
	if err != nil && !locked {
		return nil, err
	}
	if k == kCollection {
		paths := []dbus.ObjectPath{}
		var created, modified uint64
		for _, it := range items {
			paths = append(paths, itemPath(it.elem))
			if created == 0 || it.created < created {
				created = it.created
			}
			modified = max(modified, it.changed)
		}
		return map[string]dbus.Variant{
			"Items": dbus.MakeVariant(paths), "Label": dbus.MakeVariant(collectionName),
			"Locked": dbus.MakeVariant(locked), "Created": dbus.MakeVariant(created), "Modified": dbus.MakeVariant(modified),
		}, nil
	}
	it := find(items, elem)
	if it == nil {
		return nil, noObject(p)
	}
	return map[string]dbus.Variant{
		"Locked": dbus.MakeVariant(locked), "Attributes": dbus.MakeVariant(it.attrs),
		"Label": dbus.MakeVariant(it.label), "Created": dbus.MakeVariant(it.created),
		"Modified": dbus.MakeVariant(it.changed), "Type": dbus.MakeVariant("org.freedesktop.Secret.Generic"),
	}, nil
}
