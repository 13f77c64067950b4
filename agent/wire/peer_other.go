//go:build unix && !linux && !darwin && !freebsd

package wire

import "errors"

// peerUID can't be asked here: refuse rather than trust whoever listens.
// (The agent's own peer check is Linux-only too, so no agent runs here.)
func peerUID(int) (int, error) {
	return -1, errors.New("peer credentials are not checked on this system")
}
