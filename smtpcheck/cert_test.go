package smtpcheck_test

import "github.com/imapvault/imapvault/internal/testimap"

var certExpired = testimap.CertSpec{Days: -1}
