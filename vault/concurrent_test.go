package vault

import (
	"errors"
	"fmt"
	"path/filepath"
	"runtime"
	"sync"
	"testing"
	"time"
)

// TestNoLostUpdates: writers racing on one vault, each adding accounts in
// a read-modify-write loop, end with every account in the file. The lock
// turns a second writer away (*LockedError) and the change check turns
// away a stale one (ErrChangedOnDisk); whoever is turned away retries.
func TestNoLostUpdates(t *testing.T) {
	for _, tc := range []struct {
		name   string
		open   func(string, *Identity) (*File, error)
		stales bool // whether ErrChangedOnDisk may happen
	}{
		{"Open then Save", Open, true},
		{"OpenLocked", OpenLocked, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			path, id, _ := newVault(t)
			const writers, each = 6, 5
			var (
				wg     sync.WaitGroup
				mu     sync.Mutex
				stale  int
				errs   []error
				before = time.Now()
			)
			for w := range writers {
				wg.Go(func() {
					for j := range each {
						name := fmt.Sprintf("w%d-%d", w, j)
						for {
							err := addOne(tc.open, path, id, name)
							if err == nil {
								break
							}
							mu.Lock()
							switch {
							case errors.Is(err, ErrLocked):
							case errors.Is(err, ErrChangedOnDisk):
								stale++
							default:
								errs = append(errs, err)
							}
							mu.Unlock()
							if len(errs) > 0 {
								return
							}
							runtime.Gosched()
						}
					}
				})
			}
			wg.Wait()
			if len(errs) > 0 {
				t.Fatal(errs[0])
			}
			if stale > 0 && !tc.stales {
				t.Errorf("%d saves were refused as stale while holding the lock", stale)
			}
			f, err := Open(path, id)
			if err != nil {
				t.Fatal(err)
			}
			for w := range writers {
				for j := range each {
					if f.Vault.Find(fmt.Sprintf("w%d-%d", w, j)) == nil {
						t.Errorf("account w%d-%d was lost", w, j)
					}
				}
			}
			if got := len(f.Vault.Accounts); got != writers*each+1 {
				t.Errorf("%d accounts; want %d", got, writers*each+1)
			}
			t.Logf("%d stale saves retried in %v", stale, time.Since(before).Round(time.Millisecond))
			assertNoTemp(t, filepath.Join(filepath.Dir(path), "vault.age"))
		})
	}
}

func addOne(open func(string, *Identity) (*File, error), path string, id *Identity, name string) error {
	f, err := open(path, id)
	if err != nil {
		return err
	}
	defer f.Close()
	if err := f.Vault.Add(&Account{Name: name, Host: "h", Username: "u"}, time.Now()); err != nil {
		return err
	}
	time.Sleep(time.Millisecond) // widen the read-modify-write window so writers interleave
	return f.Save()
}
