package rotate_test

import (
	"context"
	"errors"
	"fmt"
	"log"

	"github.com/imapvault/imapvault/rotate"
	"github.com/imapvault/imapvault/vault"
)

func ExampleGenerate() {
	pw, err := rotate.Generate(vault.PasswordPolicy{Length: 16, Classes: "uld", Exclude: "0O1lI"})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(len(pw))
	// Output: 16
}

// The step-by-step API, as a wizard uses it: every step is saved before
// it returns, so the wizard can be closed (or the process die) anywhere
// and rotate.Load picks the rotation up again.
func ExampleStart() {
	var f *vault.File // opened with vault.Open or vault.OpenLocked
	if f == nil {
		return
	}
	ctx := context.Background()
	r, err := rotate.Start(f, "work", rotate.Options{Progress: func(e rotate.Event) { fmt.Println(e.Step, e.Message) }})
	var pending *rotate.PendingError
	if errors.As(err, &pending) {
		r, err = rotate.Load(f, "work", rotate.Options{}) // resume it instead
	}
	if err != nil {
		log.Fatal(err)
	}
	// Show r.NewPassword() to the person; once they set it at the provider:
	if err := r.MarkApplied(); err != nil {
		log.Fatal(err)
	}
	v, err := r.Verify(ctx)
	if errors.Is(err, rotate.ErrVerifyFailed) {
		// Still pending, old password current: offer to retry Verify or to Abort.
		return
	}
	if v.OldStillWorks {
		fmt.Println("warning: the old password still logs in")
	}
	if err := r.Commit(); err != nil {
		log.Fatal(err)
	}
}
