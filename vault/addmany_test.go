package vault

import (
	"errors"
	"testing"
	"time"
)

func TestAddManyAllOrNothing(t *testing.T) {
	v := New()
	now := time.Now()
	if err := v.Add(&Account{Name: "Work", Host: "h", Username: "u", Password: "p"}, now); err != nil {
		t.Fatal(err)
	}
	err := v.AddMany([]*Account{{Name: "a", Host: "h", Username: "u"}, {Name: "WORK", Host: "h", Username: "u"}}, now)
	if !errors.Is(err, ErrDuplicateName) || len(v.Accounts) != 1 {
		t.Fatalf("a name the vault has: %v, %d accounts", err, len(v.Accounts))
	}
	err = v.AddMany([]*Account{{Name: "a", Host: "h", Username: "u"}, {Name: "A", Host: "h", Username: "u"}}, now)
	if !errors.Is(err, ErrDuplicateName) || len(v.Accounts) != 1 {
		t.Fatalf("a name twice: %v, %d accounts", err, len(v.Accounts))
	}
	if err := v.AddMany([]*Account{{Name: "a", Host: "h", Username: "u"}, {Name: "ſb", Host: "h", Username: "u"}}, now); err != nil {
		t.Fatal(err)
	}
	if len(v.Accounts) != 3 || v.Accounts[1].ID == "" || v.Accounts[2].Created.IsZero() || v.Find("SB") == nil {
		t.Fatalf("added: %+v", v.Accounts)
	}
}
