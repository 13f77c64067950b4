package vault

import (
	"fmt"
	"strings"

	"filippo.io/age"
	"filippo.io/age/agessh"
)

// ParseRecipient parses one recipient key: age1... (X25519), age1pq1...
// (post-quantum hybrid), or an SSH public key (ssh-ed25519, ssh-rsa).
func ParseRecipient(key string) (age.Recipient, error) {
	key = strings.TrimSpace(key)
	switch {
	case strings.HasPrefix(key, "age1pq1"):
		return age.ParseHybridRecipient(key)
	case pluginName(key) != "":
		return parsePluginRecipient(key) // age1yubikey1... and friends (team.go)
	case strings.HasPrefix(key, "age1"):
		return age.ParseX25519Recipient(key)
	case strings.HasPrefix(key, "ssh-"):
		return agessh.ParseRecipient(key)
	}
	return nil, fmt.Errorf("unknown recipient type %q (want age1..., ssh-ed25519 or ssh-rsa)", key)
}

// ParseRecipients parses the keys of rs.
func ParseRecipients(rs []Recipient) ([]age.Recipient, error) {
	out := make([]age.Recipient, 0, len(rs))
	for _, r := range rs {
		p, err := ParseRecipient(r.Key)
		if err != nil {
			return nil, fmt.Errorf("recipient %s: %w", r.Label, err)
		}
		out = append(out, p)
	}
	return out, nil
}
