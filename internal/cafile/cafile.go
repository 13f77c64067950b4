// Package cafile reads an account's private CA file (vault.Account.CAFile):
// a PEM file whose certificates are trusted beside the system's roots for
// that account's servers.
package cafile

import (
	"crypto/tls"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"os"
)

// MaxSize bounds what is read: a CA bundle of a few hundred certificates
// (the system's is ~200 KiB) fits many times over.
const MaxSize = 4 << 20

// ErrNoCertificate: the file holds no PEM certificate Go can parse.
var ErrNoCertificate = errors.New("no PEM certificate in it")

// Read returns the certificates in the file at path: a regular file of at
// most MaxSize bytes holding at least one PEM CERTIFICATE block. Other
// blocks (a key that came with it) are skipped; a CERTIFICATE block that
// does not parse is an error. Errors name the path.
func Read(path string) ([]*x509.Certificate, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("CA file: %w", err)
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, fmt.Errorf("CA file: %w", err)
	}
	if !st.Mode().IsRegular() {
		return nil, fmt.Errorf("CA file %s: not a regular file", path)
	}
	b, err := io.ReadAll(io.LimitReader(f, MaxSize+1))
	if err != nil {
		return nil, fmt.Errorf("CA file: %w", err)
	}
	if len(b) > MaxSize {
		return nil, fmt.Errorf("CA file %s: larger than %d MiB", path, MaxSize>>20)
	}
	var certs []*x509.Certificate
	for n := 1; ; n++ {
		var blk *pem.Block
		blk, b = pem.Decode(b)
		if blk == nil {
			break
		}
		if blk.Type != "CERTIFICATE" {
			continue
		}
		c, err := x509.ParseCertificate(blk.Bytes)
		if err != nil {
			return nil, fmt.Errorf("CA file %s: PEM block %d: %w", path, n, err)
		}
		certs = append(certs, c)
	}
	if len(certs) == 0 {
		return nil, fmt.Errorf("CA file %s: %w", path, ErrNoCertificate)
	}
	return certs, nil
}

// Pool is base (nil: a copy of the system's roots, which honour
// SSL_CERT_FILE and SSL_CERT_DIR) plus the certificates of the file at
// path. base itself is never changed.
func Pool(base *x509.CertPool, path string) (*x509.CertPool, error) {
	certs, err := Read(path)
	if err != nil {
		return nil, err
	}
	var pool *x509.CertPool
	if base != nil {
		pool = base.Clone()
	} else if pool, err = x509.SystemCertPool(); err != nil {
		pool = x509.NewCertPool() // no system store (some platforms): the file alone
	}
	for _, c := range certs {
		pool.AddCert(c)
	}
	return pool, nil
}

// TLSConfig is base with the file at path added to its roots (base's
// RootCAs, or the system's when it has none). An empty path returns base
// as it is; base is never changed.
func TLSConfig(base *tls.Config, path string) (*tls.Config, error) {
	if path == "" {
		return base, nil
	}
	var roots *x509.CertPool
	if base != nil {
		roots = base.RootCAs
	}
	pool, err := Pool(roots, path)
	if err != nil {
		return base, err
	}
	cfg := &tls.Config{}
	if base != nil {
		cfg = base.Clone()
	}
	cfg.RootCAs = pool
	return cfg, nil
}
