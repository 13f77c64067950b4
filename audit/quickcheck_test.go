package audit

import (
	"math/rand/v2"
	"sort"
	"strings"
	"testing"

	"github.com/imapvault/imapvault/internal/zxcvbn/frequency"

	"github.com/imapvault/imapvault/vault"
)

// zxcvbnVectors are the passwords zxcvbn's own test data uses.
var zxcvbnVectors = []string{"zxcvbn", "qwER43@!", "Tr0ub4dour&3", "correcthorsebatterystaple", "coRrecth0rseba++ery9.23.2007staple$",
	"p@ssword", "p@$$word", "123456", "123456789", "11111111", "zxcvbnm,./", "love88", "angel08", "monkey13", "iloveyou", "woaini",
	"wang", "tianya", "zhang198822", "li4478", "a6a4Aa8a", "b6b4Bb8b", "z6z4Zz8z", "aiIiAaIA", "zxXxZzXZ", "alpha bravo charlie delta",
	"a b c d e f g h i j k l m n o p q r s t u v w x y z 0 1 2 3 4 5 6 7 8 9", "a b c 1 2 3", "correct-horse-battery-staple",
	"correct.horse.battery.staple", "correct,horse,battery,staple", "correct~horse~battery~staple",
	"LihiandthepeopleofMorianton", "establishedinthecityofZarahemla", "!\"$%^&*()", "D0g..................",
	"abcdefghijk987654321", "neverforget13/3/1997", "1qaz2wsx3edc\"", "temppass22", "briansmith", "briansmith4mayor", "password1",
	"viking", "thx1138", "ScoRpi0ns", "do you know", "ryanhunter2000", "rianhunter2000", "asdfghju7654rewq", "AOEUIDHG&*()LS_",
	"12345678", "defghi6789", "rosebud", "Rosebud", "ROSEBUD", "rosebuD", "ros3bud99", "r0s3bud99", "R0$38uD99",
	"verlineVANDERMARK", "eheuczkqyq", "rWibMFACxAUGZmxhVncy", "Ba9ZyWABu99[BK#6MBgbH88Tofv)vs$w",
	"buckmulliganstenderchant", "seethenthatyewalkcircumspectly", "Athena lavished a marvelous splendor"}

// corpus builds passwords near the weak/strong boundary: dictionary words
// of every rank, l33t, reversed and capitalised, with short random parts,
// keyboard walks, dates, repeats, sequences and account-derived words.
func corpus(n int) []string {
	r := rand.New(rand.NewPCG(2026, 11))
	var names []string
	for name := range frequency.FrequencyLists {
		names = append(names, name)
	}
	sort.Strings(names)
	word := func() string {
		l := frequency.FrequencyLists[names[r.IntN(len(names))]]
		if r.IntN(2) == 0 {
			return l[r.IntN(min(300, len(l)))] // common words: the cheapest matches
		}
		return l[r.IntN(len(l))]
	}
	const anyChar = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789!@#$%^&*()-_=+[]{};:,.<>/?|~ "
	random := func(k int) string {
		b := make([]byte, k)
		for i := range b {
			b[i] = anyChar[r.IntN(len(anyChar))]
		}
		return string(b)
	}
	leet := strings.NewReplacer("a", "4", "e", "3", "i", "1", "o", "0", "s", "$", "t", "7", "l", "|", "g", "9", "b", "8")
	dress := func(w string) string {
		switch r.IntN(6) {
		case 0:
			w = strings.ToUpper(w[:1]) + w[1:]
		case 1:
			w = strings.ToUpper(w)
		case 2:
			w = leet.Replace(w)
		case 3:
			w = reverseASCII(w)
		case 4:
			w = strings.ToUpper(w[:1]) + leet.Replace(w[1:])
		}
		return w
	}
	walks := []string{"qwertyuiop", "asdfghjkl", "zxcvbnm,./", "1qaz2wsx3edc4rfv", "!QAZ@WSX#EDC", "poiuytrewq", "qazwsxedc",
		"7894561230", "147258369", "aoeuidhtns", "mnbvcxz", "1234567890-=", "!@#$%^&*()_+"}
	seps := []string{"", "", "-", ".", "_", " ", "!", "1", "2024", "#"}
	var out []string
	out = append(out, zxcvbnVectors...)
	for len(out) < n {
		var pw string
		switch r.IntN(8) {
		case 0, 1, 2: // one or two words with short random parts
			pw = random(r.IntN(4)) + dress(word()) + seps[r.IntN(len(seps))]
			if r.IntN(2) == 0 {
				pw += dress(word())
			}
			pw += random(r.IntN(7))
		case 3: // keyboard walk
			w := walks[r.IntN(len(walks))]
			pw = random(r.IntN(3)) + w[r.IntN(3):] + random(r.IntN(7))
		case 4: // date with a word
			d := []string{"1991-11-11", "11.11.1991", "19911111", "1/2/1987", "2012_12_21", "04 07 1976"}[r.IntN(6)]
			pw = dress(word()) + seps[r.IntN(len(seps))] + d + random(r.IntN(3))
		case 5: // repeat
			base := random(1 + r.IntN(6))
			pw = random(r.IntN(3)) + strings.Repeat(base, 2+r.IntN(6)) + random(r.IntN(5))
		case 6: // sequence
			start, d, k := 33+r.IntN(60), 1+r.IntN(5), 6+r.IntN(12)
			if r.IntN(2) == 0 {
				d = -d
				start += 60
			}
			b := make([]byte, 0, k)
			for i := 0; i < k && start+i*d > 32 && start+i*d < 127; i++ {
				b = append(b, byte(start+i*d))
			}
			pw = random(r.IntN(4)) + string(b) + random(r.IntN(5))
		case 7: // derived from the account
			pw = dress("vrtqzmkx") + seps[r.IntN(len(seps))] + random(r.IntN(7))
		}
		out = append(out, pw)
	}
	return out
}

// TestSurelyStrongAgreesWithZxcvbn: whenever the shortcut says "not weak",
// zxcvbn itself must score 3 or 4; the corpus must hold plenty of weak
// passwords near the boundary for this to mean anything.
func TestSurelyStrongAgreesWithZxcvbn(t *testing.T) {
	n := 3000
	if testing.Short() {
		n = 600
	}
	inputs := userInputs(&vaultAccountForCorpus)
	var proven, weak, strongMissed int
	for _, pw := range corpus(n) {
		capped := scoredInput(pw)
		s := score(pw, inputs)
		if s <= weakScore {
			weak++
		}
		if surelyStrong(capped, inputs) {
			proven++
			if s <= weakScore {
				t.Errorf("surelyStrong(%q) but zxcvbn scores it %d", pw, s)
			}
		} else if s > weakScore && len(capped) >= minLength {
			strongMissed++
		}
	}
	t.Logf("%d passwords: %d weak by zxcvbn, %d proven strong by the shortcut, %d strong left to zxcvbn", n, weak, proven, strongMissed)
	if weak < n/4 || proven < n/10 {
		t.Fatalf("corpus too one-sided: %d weak, %d proven of %d", weak, proven, n)
	}
}

func TestSurelyStrongOnGeneratedPasswords(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 3))
	inputs := userInputs(&vaultAccountForCorpus)
	for i := range 500 {
		pw := genPw(r)
		if !surelyStrong(pw, inputs) {
			t.Errorf("generated password #%d not proven strong: the shortcut is too timid", i)
		}
	}
	// One weak password per kind of match the shortcut must notice.
	for _, pw := range []string{"Vrtqzmkx2024!", "qwertyuiop12", "abcabcabcabc", "1991-11-11abc", "abcdefghijkl",
		"password1234", "p4$$w0rdp4$$", "drowssap1234", "Dragonmonkey1"} {
		if s := score(pw, inputs); s > weakScore {
			t.Errorf("zxcvbn scores %q %d: not a weak example", pw, s)
		}
		if surelyStrong(pw, inputs) {
			t.Errorf("surelyStrong(%q) = true for a weak password", pw)
		}
	}
}

var vaultAccountForCorpus = vault.Account{Name: "work", Username: "vrtqzmkx@example.com", Host: "imap.example.com"}

// TestRunUsesShortcutSoundly audits a vault big enough for the shortcut
// and checks every weak verdict against zxcvbn itself.
func TestRunUsesShortcutSoundly(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 5))
	v := vault.New()
	pws := corpus(200)
	for i := range 60 {
		pw := genPw(r)
		if i%2 == 1 {
			pw = pws[i*3]
		}
		v.Accounts = append(v.Accounts, &vault.Account{ID: itoa(i), Name: "acct" + itoa(i), Host: "imap.example.com",
			Username: "vrtqzmkx@example.com", Password: pw, Changed: now})
	}
	fs, err := Run(v, Options{Now: now})
	if err != nil {
		t.Fatal(err)
	}
	if !trieReady() {
		t.Fatal("60 passwords should have taken the shortcut")
	}
	weak := 0
	for _, a := range v.Accounts {
		want := score(a.Password, userInputs(a)) <= weakScore || len([]rune(a.Password)) < minLength
		if got := findingOf(fs, a.Name, Weak) != nil; got != want {
			t.Errorf("%s: weak = %v, zxcvbn says %v", a.Name, got, want)
		}
		if want {
			weak++
		}
	}
	if weak < 5 {
		t.Fatalf("only %d weak passwords: the test proves little", weak)
	}
}
