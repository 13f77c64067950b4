package zxcvbn

import "testing"

// BenchmarkPasswordStrength scores human-chosen and generated passwords
// with an account's words, as a cold audit does for each.
func BenchmarkPasswordStrength(b *testing.B) {
	pws := []string{"SunshineDragon1987", "Pw-48213-77-sum4821", "monkey-92811-13", "Football123!", "x7#Kq9!vR2@mZp4&Lw8$Nt",
		"Welcome2026!", "princessShadow2001", "qwerty-1234-asdf"}
	inputs := []string{"user00042@example.com", "user00042", "example", "com", "imap42.example.com", "imap42", "box00042"}
	i := 0
	for b.Loop() {
		PasswordStrength(pws[i%len(pws)], inputs)
		i++
	}
}
