//go:build !unix

package wire

import (
	"io"
	"net"
	"time"
)

func dialUnix(path string, timeout time.Duration) (io.ReadWriteCloser, error) {
	return net.DialTimeout("unix", path, timeout)
}
