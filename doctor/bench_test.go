package doctor

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/imapvault/imapvault/internal/testvault"
)

// BenchmarkDoctor: a 1,000-account vault against a home with a 2,000-line
// muttrc and a 500-account mbsyncrc (every line scanned for every secret).
func BenchmarkDoctor(b *testing.B) {
	home := b.TempDir()
	var mutt, mbsync strings.Builder
	for i := range 2000 {
		fmt.Fprintf(&mutt, "set my_var_%d = \"some value number %d of the config\"\n", i, i)
	}
	for i := range 500 {
		fmt.Fprintf(&mbsync, "IMAPAccount a%d\nHost imap%d.example.com\nUser user%05d@example.com\nPassCmd \"pass show mail/a%d\"\n\n", i, i%300, i, i)
	}
	os.WriteFile(filepath.Join(home, ".muttrc"), []byte(mutt.String()), 0o600)
	os.WriteFile(filepath.Join(home, ".mbsyncrc"), []byte(mbsync.String()), 0o600)
	in := &Input{Home: home, Getenv: func(string) string { return "" }, Vault: testvault.Realistic(1000, time.Now()),
		DefaultTTL: 15 * time.Minute, Now: time.Now()}
	b.ResetTimer()
	for range b.N {
		Run(in)
	}
}
