package doctor

import (
	"strings"
)

// parseNetrc reads ~/.netrc or ~/.authinfo: "machine H login U password P
// [port N]" tokens, over any number of lines; macdef bodies are skipped.
func parseNetrc(path string, data []byte) []entry {
	var out []entry
	var cur *entry
	flush := func() {
		if cur != nil && cur.host != "" {
			out = append(out, *cur)
		}
		cur = nil
	}
	lines := strings.Split(string(data), "\n")
	for i := 0; i < len(lines); i++ {
		toks := strings.Fields(lines[i])
		for j := 0; j < len(toks); j++ {
			t := toks[j]
			if strings.HasPrefix(t, "#") {
				break
			}
			next := ""
			if j+1 < len(toks) {
				next = toks[j+1]
			}
			switch t {
			case "machine", "default":
				flush()
				cur = &entry{client: "netrc", file: path, line: i + 1}
				if t == "machine" {
					cur.host, cur.name = next, next
					j++
				}
			case "login", "user":
				if cur != nil {
					cur.user = next
				}
				j++
			case "password", "passwd":
				if cur != nil {
					cur.password = next
				}
				j++
			case "port", "account", "protocol":
				j++
			case "macdef":
				flush()
				for i+1 < len(lines) && strings.TrimSpace(lines[i+1]) != "" {
					i++
				}
				j = len(toks)
			}
		}
	}
	flush()
	return out
}
