package agent

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"time"

	"github.com/imapvault/imapvault/agent/wire"
)

// ServeConn answers requests on one connection until it closes. The
// caller has checked the peer (see Serve).
func ServeConn(a Agent, conn net.Conn) error {
	defer conn.Close()
	r := bufio.NewReader(conn)
	for {
		var req request
		if err := wire.ReadMessage(r, &req); err != nil {
			if errors.Is(err, net.ErrClosed) || errors.Is(err, io.EOF) {
				return nil
			}
			return err
		}
		resp := handle(a, &req)
		if err := wire.WriteMessage(conn, resp); err != nil {
			return err
		}
		if req.Op == "stop" {
			// Stopped only once the answer is out: the process ends when
			// the keyring stops, and the caller would read EOF instead.
			return a.Stop()
		}
	}
}

func handle(a Agent, req *request) *response {
	var resp response
	var err error
	switch req.Op {
	case "status":
		var s Status
		s, err = a.Status()
		resp.Status = &s
	case "unlock":
		if req.Unlock == nil {
			err = errors.New("unlock: nothing to unlock with")
			break
		}
		err = a.Unlock(*req.Unlock)
		clear(req.Unlock.Keys)
	case "lock":
		err = a.Lock()
	case "unwrap":
		resp.FileKey, err = a.Unwrap(req.Stanzas)
	case "get":
		if req.Query == nil {
			err = errors.New("get: no query")
			break
		}
		var v string
		v, err = a.Get(req.Vault, *req.Query)
		resp.Value = &v
	case "names":
		resp.Names, err = a.Names(req.Vault)
	case "accounts":
		identity := ""
		if req.Query != nil {
			identity = req.Query.Identity
		}
		resp.Accounts, err = a.Accounts(req.Vault, identity)
	case "stop":
		err = a.Lock() // forgotten before we answer; ServeConn then stops

	default:
		err = fmt.Errorf("unknown request %q", req.Op)
	}
	if err != nil {
		return encodeErr(err)
	}
	return &resp
}

// Serve accepts connections on l until the keyring is stopped, refusing
// every peer whose uid is not this process's, and locks the keyring when
// its time runs out.
func Serve(k *Keyring, l *net.UnixListener) error {
	uid := os.Getuid()
	go func() {
		t := time.NewTicker(time.Second)
		defer t.Stop()
		for {
			select {
			case <-t.C:
				k.Expire()
			case <-k.Stopped():
				l.Close()
				return
			}
		}
	}()
	for {
		conn, err := l.AcceptUnix()
		if err != nil {
			select {
			case <-k.Stopped():
				return nil
			default:
			}
			if ne, ok := err.(net.Error); ok && ne.Timeout() {
				continue
			}
			return err
		}
		peer, err := peerUID(conn)
		if err != nil || peer != uid {
			k.logf("refused a connection from uid %d (%v)", peer, err)
			conn.Close()
			continue
		}
		go ServeConn(k, conn)
	}
}
