// Command age-plugin-ivtest is a real age plugin for imapvault's tests: its
// recipients and identities wrap an X25519 key, and unwrapping asks the
// client for a PIN (through the client's plugin UI), as a hardware key would.
package main

import (
	"errors"
	"os"

	"filippo.io/age"
	"filippo.io/age/plugin"
)

// pin is what the identity asks for before it unwraps.
const pin = "4321"

type identity struct {
	p  *plugin.Plugin
	id *age.X25519Identity
}

func (i *identity) Unwrap(ss []*age.Stanza) ([]byte, error) {
	got, err := i.p.RequestValue("PIN for the ivtest key", true)
	if err != nil {
		return nil, err
	}
	if got != pin {
		return nil, errors.New("wrong PIN")
	}
	return i.id.Unwrap(ss)
}

func main() {
	p, err := plugin.New("ivtest")
	if err != nil {
		os.Exit(1)
	}
	p.HandleRecipient(func(data []byte) (age.Recipient, error) {
		return age.ParseX25519Recipient(string(data))
	})
	p.HandleIdentity(func(data []byte) (age.Identity, error) {
		k, err := age.ParseX25519Identity(string(data))
		if err != nil {
			return nil, err
		}
		return &identity{p: p, id: k}, nil
	})
	os.Exit(p.Main())
}
