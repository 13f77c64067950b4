// Package secretservice serves the vault to desktop programs and to
// msmtp's default setup as the freedesktop Secret Service
// (org.freedesktop.secrets on the session bus, what libsecret talks to).
//
// It is read-only and holds nothing of its own: every answer comes from
// the unlock agent (Source), asked again on each request, so a rotation
// or an edit is served at once, and a locked agent means locked items.
// One collection (aliased "default") holds one item per account that logs
// in with a password, and one per SMTP endpoint. Writes are refused with a
// message that points at `imapvault edit` and `imapvault rotate`.
package secretservice

import (
	"errors"
	"fmt"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/godbus/dbus/v5"

	"github.com/imapvault/imapvault/agent/wire"
	"github.com/imapvault/imapvault/internal/termtext"
)

// Limits on one request and on requests at once: a flood waits for a slot
// a short while, then gets LimitsExceeded instead of piling up agent calls.
const (
	maxConcurrent  = 8
	slotWait       = 2 * time.Second
	maxAttributes  = 32
	maxAttrBytes   = 4096
	maxItemsPerGet = 1024
	maxInputBytes  = 1024 // OpenSession's input: a DH public key is 128
)

// Service is the provider on one bus connection.
type Service struct {
	conn  *dbus.Conn
	src   Source
	logf  func(format string, args ...any)
	slots chan struct{}
	sess  sessions

	mu    sync.Mutex
	known []item // the items as last seen unlocked: locked items are these
}

// New exports the service's objects on conn (before the name is claimed,
// so a client activated onto us finds them at once). logf gets what
// happened, never a secret; nil discards it.
func New(conn *dbus.Conn, src Source, logf func(format string, args ...any)) (*Service, error) {
	if logf == nil {
		logf = func(string, ...any) {}
	}
	s := &Service{conn: conn, src: src, logf: logf, slots: make(chan struct{}, maxConcurrent)}
	tables := map[string]map[string]any{
		ifaceService:    s.serviceMethods(),
		ifaceCollection: s.collectionMethods(),
		ifaceItem:       s.itemMethods(),
		ifaceSession:    {"Close": s.closeSession},
		ifaceProps:      {"Get": s.propGet, "GetAll": s.propGetAll, "Set": s.propSet},
		ifaceIntrospect: {"Introspect": s.introspect},
	}
	for iface, m := range tables {
		if err := conn.ExportSubtreeMethodTable(m, "/org/freedesktop/secrets", iface); err != nil {
			return nil, fmt.Errorf("secret service: export %s: %w", iface, err)
		}
	}
	return s, nil
}

// Interfaces served.
const (
	ifaceService    = "org.freedesktop.Secret.Service"
	ifaceCollection = "org.freedesktop.Secret.Collection"
	ifaceItem       = "org.freedesktop.Secret.Item"
	ifaceSession    = "org.freedesktop.Secret.Session"
	ifaceProps      = "org.freedesktop.DBus.Properties"
	ifaceIntrospect = "org.freedesktop.DBus.Introspectable"
)

// NameTakenError: another program owns org.freedesktop.secrets.
type NameTakenError struct {
	Owner string // its process name and pid, when the bus says
	// Replace says --replace was asked for and the owner refused to go.
	Replace bool
}

func (e *NameTakenError) Error() string {
	who := "another Secret Service provider"
	if e.Owner != "" {
		who += " (" + e.Owner + ")"
	}
	if e.Replace {
		return fmt.Sprintf("%s owns %s and does not let it be replaced", who, BusName)
	}
	return fmt.Sprintf("%s owns %s", who, BusName)
}

// ErrReplaced ends Serve when another provider took the name (--replace).
var ErrReplaced = errors.New("another provider took " + BusName)

// Claim takes org.freedesktop.secrets; replace takes it from its owner.
// Either way we let the next provider replace us.
func (s *Service) Claim(replace bool) error {
	flags := dbus.NameFlagDoNotQueue | dbus.NameFlagAllowReplacement
	if replace {
		flags |= dbus.NameFlagReplaceExisting
	}
	reply, err := s.conn.RequestName(BusName, flags)
	if err != nil {
		return fmt.Errorf("claim %s on the session bus: %w", BusName, err)
	}
	switch reply {
	case dbus.RequestNameReplyPrimaryOwner, dbus.RequestNameReplyAlreadyOwner:
		s.logf("serving %s (pid %d)", BusName, os.Getpid())
		return nil
	}
	return &NameTakenError{Owner: s.nameOwner(), Replace: replace}
}

// nameOwner describes the process that owns the bus name, "" unknown.
func (s *Service) nameOwner() string {
	var owner string
	if err := s.conn.BusObject().Call("org.freedesktop.DBus.GetNameOwner", 0, BusName).Store(&owner); err != nil {
		return ""
	}
	return s.peer(owner)
}

// peer describes a bus client for the log: its process name and pid.
func (s *Service) peer(name string) string {
	var pid uint32
	if err := s.conn.BusObject().Call("org.freedesktop.DBus.GetConnectionUnixProcessID", 0, name).Store(&pid); err != nil {
		return termtext.Line(name)
	}
	comm, _ := os.ReadFile(fmt.Sprintf("/proc/%d/comm", pid))
	if c := strings.TrimSpace(string(comm)); c != "" {
		return fmt.Sprintf("%s pid %d", termtext.LineN(c, 32), pid)
	}
	return fmt.Sprintf("pid %d", pid)
}

// Serve answers until the connection closes or another provider takes
// the name, closing the sessions of clients that leave the bus.
func (s *Service) Serve(stop <-chan struct{}) error {
	sigs := make(chan *dbus.Signal, 64)
	s.conn.Signal(sigs)
	defer s.conn.RemoveSignal(sigs)
	if err := s.conn.AddMatchSignal(dbus.WithMatchInterface("org.freedesktop.DBus"),
		dbus.WithMatchMember("NameOwnerChanged"), dbus.WithMatchSender("org.freedesktop.DBus")); err != nil {
		return fmt.Errorf("secret service: watch the bus: %w", err)
	}
	for {
		select {
		case <-stop:
			return nil
		case sig, ok := <-sigs:
			if !ok {
				return errors.New("secret service: the session bus closed the connection")
			}
			switch sig.Name {
			case "org.freedesktop.DBus.NameLost":
				if len(sig.Body) == 1 && sig.Body[0] == BusName {
					s.logf("stopping: another provider took %s", BusName)
					return ErrReplaced
				}
			case "org.freedesktop.DBus.NameOwnerChanged":
				if len(sig.Body) == 3 {
					name, _ := sig.Body[0].(string)
					newOwner, _ := sig.Body[2].(string)
					if strings.HasPrefix(name, ":") && newOwner == "" {
						s.sess.dropOwner(name)
					}
				}
			}
		}
	}
}

// enter takes a request slot; leave gives it back.
func (s *Service) enter() *dbus.Error {
	t := time.NewTimer(slotWait)
	defer t.Stop()
	select {
	case s.slots <- struct{}{}:
		return nil
	case <-t.C:
		return dbusErr(errLimitsExceeded, "too many requests at once: try again")
	}
}

func (s *Service) leave() { <-s.slots }

// view is the items now and whether they are locked. Locked, they are
// the items last seen unlocked; with none seen, the error says how to
// unlock.
func (s *Service) view() ([]item, bool, *dbus.Error) {
	accts, err := s.src.Accounts()
	if err == nil {
		items := itemsOf(accts)
		s.mu.Lock()
		s.known = items
		s.mu.Unlock()
		return items, false, nil
	}
	if !isLocked(err) {
		s.logf("the agent could not read the vault: %v", termtext.Line(err.Error()))
		return nil, false, dbusErr(errFailed, "imapvault: the agent could not read the vault: %v", err)
	}
	s.mu.Lock()
	known := s.known
	s.mu.Unlock()
	if len(known) == 0 {
		return nil, true, lockedErr(err)
	}
	return known, true, nil
}

// lockedErr says what to do when the agent can't serve.
func lockedErr(err error) *dbus.Error {
	what := "the imapvault agent is locked"
	switch {
	case errors.Is(err, wire.ErrNotRunning):
		what = "no imapvault agent is running"
	case err != nil && strings.Contains(err.Error(), "it holds"):
		what = "the imapvault agent holds another identity"
	}
	return dbusErr(errIsLocked, "%s: run 'imapvault unlock' in a terminal, then try again", what)
}

func find(items []item, elem string) *item {
	for i := range items {
		if items[i].elem == elem {
			return &items[i]
		}
	}
	return nil
}
