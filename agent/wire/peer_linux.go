package wire

import "syscall"

// peerUID is the uid of the process that listens on the connected socket
// fd (SO_PEERCRED: recorded by the kernel when it called listen).
func peerUID(fd int) (int, error) {
	cred, err := syscall.GetsockoptUcred(fd, syscall.SOL_SOCKET, syscall.SO_PEERCRED)
	if err != nil {
		return -1, err
	}
	return int(cred.Uid), nil
}
