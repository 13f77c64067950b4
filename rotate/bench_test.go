//go:build unix

package rotate

import (
	"context"
	"testing"
)

// BenchmarkRun is one whole rotation against the in-process server: four
// atomic vault saves (pending, applied, verified, committed), a login with
// the new password and one with the old. By hand (Confirm) it leaves the
// shell out; with a hook it includes the `sh -c` fork.
func BenchmarkRun(b *testing.B) {
	for _, mode := range []string{"by hand", "hook"} {
		b.Run(mode, func(b *testing.B) {
			srv := startServer(b, "inproc")
			f, _, _ := testVault(b, srv)
			opts := Options{TLSConfig: srv.tls, Confirm: func(_ context.Context, r *Rotation) error {
				return srv.setPw(r.NewPassword())
			}}
			if mode == "hook" {
				opts.Hook = newRelay(b, func(pw string) { srv.setPw(pw) }).hook()
			}
			for b.Loop() {
				if _, err := Run(context.Background(), f, accountName, opts); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
