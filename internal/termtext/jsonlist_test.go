package termtext

import (
	"bytes"
	"fmt"
	"testing"
)

type jsonItem struct {
	Name  string            `json:"name"`
	Port  int               `json:"port,omitempty"`
	Tags  []string          `json:"tags"`
	Extra map[string]string `json:"extra,omitempty"`
	Inner *jsonItem         `json:"inner,omitempty"`
}

// The streamed writers must write exactly what WriteJSON writes: scripts
// and goldens read it.
func TestStreamedJSONMatchesWriteJSON(t *testing.T) {
	many := make([]jsonItem, 50)
	for i := range many {
		many[i] = jsonItem{Name: fmt.Sprintf("box-%d", i), Port: i, Tags: []string{"a", "b"}}
	}
	lists := map[string][]jsonItem{
		"nil":   nil,
		"empty": {},
		"one":   {{Name: "x"}},
		"many":  many,
		"odd": {
			{Name: "esc \x1b]52;c;AAAA\x07 c1 \u009b bidi \u202e del \x7f <&> \"q\" \\", Tags: []string{}},
			{Name: "nested", Extra: map[string]string{"k": "v", "e": ""}, Inner: &jsonItem{Name: "in", Tags: []string{"\u0085"}}},
		},
	}
	for name, items := range lists {
		t.Run(name, func(t *testing.T) {
			var want, got bytes.Buffer
			if err := WriteJSON(&want, items); err != nil {
				t.Fatal(err)
			}
			if err := WriteJSONArray(&got, items); err != nil {
				t.Fatal(err)
			}
			if got.String() != want.String() {
				t.Errorf("array:\n%s\nwant:\n%s", got.String(), want.String())
			}
			want.Reset()
			got.Reset()
			if err := WriteJSON(&want, struct {
				Findings []jsonItem `json:"findings"`
			}{items}); err != nil {
				t.Fatal(err)
			}
			if err := WriteJSONList(&got, "findings", items); err != nil {
				t.Fatal(err)
			}
			if got.String() != want.String() {
				t.Errorf("list:\n%s\nwant:\n%s", got.String(), want.String())
			}
		})
	}
}
