package audit

import (
	"github.com/imapvault/imapvault/posture"
	"github.com/imapvault/imapvault/vault"
)

// The kinds of `check --posture` (package posture), carried as findings
// under the same names.
const (
	CleartextAuth     Kind = posture.CleartextAuth
	OldTLS            Kind = posture.OldTLS
	WeakCipher        Kind = posture.WeakCipher
	StartTLSInjection Kind = posture.StartTLSInjection
	StartTLSOnly      Kind = posture.StartTLSOnly
	CertHostname      Kind = posture.CertHostname
	CertChain         Kind = posture.CertChain
	CertKey           Kind = posture.CertKey
	CertExpiring      Kind = posture.CertExpiring
	BasicAuthSunset   Kind = posture.BasicAuthSunset
)

var postureKinds = []Kind{CleartextAuth, OldTLS, WeakCipher, StartTLSInjection, StartTLSOnly,
	CertHostname, CertChain, CertKey, CertExpiring, BasicAuthSunset}

// postureFindings: what the account's last posture probe found, one
// finding per weakness of each endpoint, with the probe's kind, severity
// and words (which name the endpoint). A stored kind this build does not
// know is left out rather than shown under a name nobody can accept.
func postureFindings(v *vault.Vault) []Finding {
	known := make(map[Kind]bool, len(postureKinds))
	for _, k := range postureKinds {
		known[k] = true
	}
	var out []Finding
	for _, a := range v.Accounts {
		if a.LastCheck == nil || a.LastCheck.Posture == nil {
			continue
		}
		for _, f := range a.LastCheck.Posture.Findings {
			if !known[Kind(f.Kind)] {
				continue
			}
			sev := Severity(f.Severity)
			if sev.Rank() == 0 {
				sev = Medium // a stored word is no severity; never shown as one
			}
			out = append(out, Finding{AccountID: a.ID, Account: a.Name, Kind: Kind(f.Kind),
				Severity: sev, Message: fold(f.Message, 600)})
		}
	}
	return out
}
