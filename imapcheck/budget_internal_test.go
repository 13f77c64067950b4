package imapcheck

import (
	"strings"
	"testing"
	"unicode/utf8"
)

func TestCutKeepsRunesWhole(t *testing.T) {
	for _, s := range []string{strings.Repeat("é", 700), strings.Repeat("a", 2000), strings.Repeat("€x", 400), "short"} {
		for _, max := range []int{16, 17, 18, 1024} {
			got := cut(s, max)
			if len(got) > max || !utf8.ValidString(got) {
				t.Errorf("cut(%d runes, %d) = %d bytes, valid %v", utf8.RuneCountInString(s), max, len(got), utf8.ValidString(got))
			}
			if len(s) > max && !strings.HasSuffix(got, "...") {
				t.Errorf("cut text not marked: %q", got)
			}
			if len(s) <= max && got != s {
				t.Errorf("short text changed: %q", got)
			}
		}
	}
}

func TestCapResult(t *testing.T) {
	big := strings.Repeat("x", 1<<20)
	r := Result{Message: big, Alert: big, Greeting: big, Code: big, TLS: &TLSInfo{Subject: big, Issuer: big, VerifyError: big}}
	for i := 0; i < 1000; i++ {
		r.Capabilities = append(r.Capabilities, big[:100])
	}
	capResult(&r)
	n := len(r.Message) + len(r.Alert) + len(r.Greeting) + len(r.Code) + len(r.TLS.Subject) + len(r.TLS.Issuer) + len(r.TLS.VerifyError)
	for _, c := range r.Capabilities {
		n += len(c)
	}
	if n > 10<<10 || len(r.Capabilities) != maxCaps {
		t.Errorf("capped result holds %d bytes and %d capabilities", n, len(r.Capabilities))
	}
}
