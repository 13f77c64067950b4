package secretservice

import (
	"fmt"
	"sync"

	"github.com/godbus/dbus/v5"
)

// Limits on what one client can make the service hold.
const (
	maxSessionsPerPeer = 16
	maxSessions        = 256
)

// session is one client's transfer session: how its secrets are sent.
type session struct {
	owner string // the bus name that opened it; no one else may use it
	alg   string
	key   []byte // AES-128 key for AlgDH; nil for plain
}

// sessions are the open sessions by object path.
type sessions struct {
	mu   sync.Mutex
	next uint64
	m    map[dbus.ObjectPath]*session
}

func (s *sessions) open(owner, alg string, key []byte) (dbus.ObjectPath, *dbus.Error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.m == nil {
		s.m = map[dbus.ObjectPath]*session{}
	}
	n := 0
	for _, x := range s.m {
		if x.owner == owner {
			n++
		}
	}
	if n >= maxSessionsPerPeer || len(s.m) >= maxSessions {
		return "/", dbusErr(errLimitsExceeded, "too many open sessions: close some (Session.Close)")
	}
	s.next++
	p := dbus.ObjectPath(fmt.Sprintf("%s/%d", sessionPrefix, s.next))
	s.m[p] = &session{owner: owner, alg: alg, key: key}
	return p, nil
}

// get returns the session at p when it is the caller's.
func (s *sessions) get(p dbus.ObjectPath, caller string) (*session, *dbus.Error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	x := s.m[p]
	if x == nil || x.owner != caller {
		return nil, dbusErr(errNoSession, "no such session %s: open one with OpenSession", p)
	}
	return x, nil
}

func (s *sessions) close(p dbus.ObjectPath, caller string) *dbus.Error {
	s.mu.Lock()
	defer s.mu.Unlock()
	x := s.m[p]
	if x == nil || x.owner != caller {
		return dbusErr(errNoSession, "no such session %s", p)
	}
	clear(x.key)
	delete(s.m, p)
	return nil
}

// dropOwner closes every session of a client that left the bus.
func (s *sessions) dropOwner(owner string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for p, x := range s.m {
		if x.owner == owner {
			clear(x.key)
			delete(s.m, p)
		}
	}
}

func (s *sessions) count() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.m)
}

// secret is the spec's Secret struct (oayays).
type secret struct {
	Session     dbus.ObjectPath
	Parameters  []byte
	Value       []byte
	ContentType string
}

// wrap puts a password into a Secret for this session.
func (x *session) wrap(path dbus.ObjectPath, pw string) (secret, error) {
	plain := []byte(pw)
	if x.alg == AlgPlain {
		return secret{path, []byte{}, plain, "text/plain"}, nil
	}
	defer clear(plain)
	iv, ct, err := seal(x.key, plain)
	if err != nil {
		return secret{}, err
	}
	return secret{path, iv, ct, "text/plain"}, nil
}
