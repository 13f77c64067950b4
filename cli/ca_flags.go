package cli

import (
	"flag"
	"fmt"
	"path/filepath"
	"strings"

	"github.com/imapvault/imapvault/internal/cafile"
)

// caHelp is the part of add's and edit's help about --ca-file.
const caHelp = `--ca-file names a PEM file with the certificate of a private CA (your own
mail server's): it is trusted, beside the system's roots, for this account's
IMAP and SMTP servers in check, rotate and --posture, and client-config
writes it into each client's CA setting. Only the path is stored: keep the
file there.`

// addCAFlag is --ca-file of add and edit.
func addCAFlag(fs *flag.FlagSet, edit bool) *string {
	clear := ""
	if edit {
		clear = " (\"-\" removes it)"
	}
	return fs.String("ca-file", "", "PEM `file` of a private CA trusted for this account's servers"+clear)
}

// caFilePath is the path to store for --ca-file: absolute, and a readable
// regular file holding at least one PEM certificate. "-" (edit) is none.
func caFilePath(v string, edit bool) (string, error) {
	v = strings.TrimSpace(v)
	if edit && v == "-" {
		return "", nil
	}
	if v == "" {
		return "", usageErr(fmt.Errorf("--ca-file needs a file"), "give the CA's PEM file (-----BEGIN CERTIFICATE-----)")
	}
	abs, err := filepath.Abs(v)
	if err != nil {
		return "", usageErr(fmt.Errorf("--ca-file: %w", err), "")
	}
	if _, err := cafile.Read(abs); err != nil {
		return "", usageErr(err, "give the CA's certificate in PEM form (-----BEGIN CERTIFICATE-----); convert a DER file with 'openssl x509 -inform der -in ca.crt -out ca.pem'")
	}
	return abs, nil
}
