// Upstream's comparison with the reference implementation's output,
// without the testify dependency.
package zxcvbn

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/imapvault/imapvault/internal/zxcvbn/match"
	"github.com/imapvault/imapvault/internal/zxcvbn/scoring"
)

func TestPasswordStrength(t *testing.T) {
	// testdata/output.json was made in 2019; date guesses count years from
	// the reference year, which upstream takes from the clock.
	defer func(y int) { scoring.ReferenceYear = y }(scoring.ReferenceYear)
	scoring.ReferenceYear = 2019
	var testdata []struct {
		Password string         `json:"password"`
		Guesses  float64        `json:"guesses"`
		Score    int            `json:"score"`
		Sequence []*match.Match `json:"sequence"`
	}

	b, err := os.ReadFile(filepath.Join("testdata", "output.json"))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, &testdata); err != nil {
		t.Fatal(err)
	}

	for _, td := range testdata {
		t.Run(td.Password, func(t *testing.T) {
			// map character positions to rune position
			runeMap := make(map[int]int, len(td.Password))
			c := 0
			for i := range td.Password {
				runeMap[i] = c
				c++
			}
			runeMap[len(td.Password)] = c
			s := PasswordStrength(td.Password, nil)
			if len(s.Sequence) == len(td.Sequence) {
				for j := range td.Sequence {
					expect, _ := json.Marshal(td.Sequence[j])
					got, _ := json.Marshal(s.Sequence[j])
					msg := func(f string) string {
						return fmt.Sprintf("Password %+q, field %s: expect=%s got=%s",
							td.Password,
							f,
							string(expect),
							string(got))
					}
					if want, got := any(td.Sequence[j].I), any(runeMap[s.Sequence[j].I]); want != got {
						t.Error(msg("i"))
						return
					}
					if want, got := any(td.Sequence[j].J), any(runeMap[s.Sequence[j].J+1]-1); want != got {
						t.Error(msg("j"))
						t.Logf("runeMap %v\n", runeMap)
						return
					}
					if want, got := any(td.Sequence[j].Pattern), any(s.Sequence[j].Pattern); want != got {
						t.Error(msg("pattern"))
						return
					}
					if want, got := any(td.Sequence[j].Token), any(s.Sequence[j].Token); want != got {
						t.Error(msg("token"))
						return
					}
					if want, got := any(td.Sequence[j].Guesses), any(s.Sequence[j].Guesses); want != got {
						t.Error(msg("guesses"))
						return
					}
				}
			} else {
				b, _ := json.Marshal(td.Sequence)
				t.Errorf("Expected sequence:\n%s\nGot:\n%s\n",
					string(b),
					match.ToString(s.Sequence))
				return
			}
			if td.Guesses != s.Guesses || td.Score != s.Score {
				t.Errorf("guesses %v score %d, want %v and %d", s.Guesses, s.Score, td.Guesses, td.Score)
			}
		})
	}

}

func TestCornerCases(t *testing.T) {
	testdata := []string{
		"",
		"wen\x8e\xc6",
	}

	for _, td := range testdata {
		_ = PasswordStrength(td, nil)
	}
}
