package cafile

import (
	"crypto/tls"
	"encoding/pem"
	"errors"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/imapvault/imapvault/internal/testimap"
)

func caPEM(t *testing.T, ca *testimap.CA) []byte {
	t.Helper()
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: ca.Cert.Raw})
}

func TestRead(t *testing.T) {
	ca, err := testimap.NewCA()
	if err != nil {
		t.Fatal(err)
	}
	_, keyPEM, err := ca.IssuePEM(testimap.CertSpec{})
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	write := func(name string, b []byte) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, b, 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	tests := []struct {
		name  string
		path  string
		certs int
		want  string // error text; "" for none
	}{
		{"one certificate", write("ca.pem", caPEM(t, ca)), 1, ""},
		{"a key beside two certificates", write("bundle.pem", append(append(keyPEM, caPEM(t, ca)...), caPEM(t, ca)...)), 2, ""},
		{"a key alone", write("key.pem", keyPEM), 0, "no PEM certificate"},
		{"not PEM", write("der.crt", ca.Cert.Raw), 0, "no PEM certificate"},
		{"a broken certificate", write("bad.pem", pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: []byte("nope")})), 0, "PEM block 1"},
		{"a folder", dir, 0, "not a regular file"},
		{"missing", filepath.Join(dir, "none.pem"), 0, "no such file"},
		{"too large", write("huge.pem", append(caPEM(t, ca), make([]byte, MaxSize)...)), 0, "larger than 4 MiB"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			certs, err := Read(tt.path)
			if tt.want == "" {
				if err != nil || len(certs) != tt.certs {
					t.Fatalf("Read = %d certificates, %v; want %d", len(certs), err, tt.certs)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.want) || !strings.Contains(err.Error(), "CA file") {
				t.Fatalf("Read = %v, want an error naming the CA file with %q", err, tt.want)
			}
		})
	}
	if _, err := Read(filepath.Join(dir, "key.pem")); !errors.Is(err, ErrNoCertificate) {
		t.Errorf("no certificate: %v is not ErrNoCertificate", err)
	}
}

// A server signed by a private CA is trusted with the file added, and not
// without it; the base's own roots stay trusted and the base is untouched.
func TestTLSConfigAddsTheFile(t *testing.T) {
	private, err := testimap.NewCA()
	if err != nil {
		t.Fatal(err)
	}
	other, err := testimap.NewCA()
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "ca.pem")
	if err := os.WriteFile(path, caPEM(t, private), 0o600); err != nil {
		t.Fatal(err)
	}
	serve := func(ca *testimap.CA) string {
		cert, err := ca.Issue(testimap.CertSpec{})
		if err != nil {
			t.Fatal(err)
		}
		ln, err := tls.Listen("tcp", "127.0.0.1:0", &tls.Config{Certificates: []tls.Certificate{cert}})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { ln.Close() })
		go func() {
			for {
				c, err := ln.Accept()
				if err != nil {
					return
				}
				go func() { c.(*tls.Conn).Handshake(); c.Close() }()
			}
		}()
		return ln.Addr().String()
	}
	dial := func(addr string, cfg *tls.Config) error {
		c, err := tls.DialWithDialer(&net.Dialer{}, "tcp", addr, cfg)
		if err == nil {
			c.Close()
		}
		return err
	}
	privateAddr, otherAddr := serve(private), serve(other)

	base := &tls.Config{ServerName: "127.0.0.1", RootCAs: other.Pool}
	if err := dial(privateAddr, base); err == nil {
		t.Fatal("the private CA's server was trusted without the file")
	}
	cfg, err := TLSConfig(base, path)
	if err != nil {
		t.Fatal(err)
	}
	if err := dial(privateAddr, cfg); err != nil {
		t.Errorf("with the file: %v", err)
	}
	if err := dial(otherAddr, cfg); err != nil {
		t.Errorf("the base's roots were lost: %v", err)
	}
	if err := dial(privateAddr, base); err == nil {
		t.Error("TLSConfig changed its base")
	}
	if got, _ := TLSConfig(base, ""); got != base {
		t.Error("no file: the base should come back as it is")
	}
	if _, err := TLSConfig(base, path+".missing"); err == nil {
		t.Error("a missing file gave no error")
	}
	// nil base: the system roots plus the file.
	cfg, err = TLSConfig(nil, path)
	if err != nil {
		t.Fatal(err)
	}
	cfg.ServerName = "127.0.0.1"
	if err := dial(privateAddr, cfg); err != nil {
		t.Errorf("system roots plus the file: %v", err)
	}
}
