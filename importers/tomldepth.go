package importers

import "bytes"

// MaxTOMLNesting is how deep arrays and inline tables may nest in a TOML
// file we read. The TOML parser recurses once per level, and Go ends the
// whole process, with no error to catch, when a goroutine's stack passes
// 1 GB: 10 MB of '[' did. A real himalaya config nests two or three deep.
const MaxTOMLNesting = 32

// tomlTooDeep finds the line where [ and { (outside strings and comments)
// nest deeper than MaxTOMLNesting, before the parser sees the file; 0 when
// they never do. Table headers ([a], [[a]]) count too, which costs them
// nothing.
func tomlTooDeep(data []byte) int {
	line, depth := 1, 0
	for i := 0; i < len(data); i++ {
		switch c := data[i]; c {
		case '\n':
			line++
		case '#':
			for i+1 < len(data) && data[i+1] != '\n' {
				i++
			}
		case '"', '\'':
			delim := data[i : i+1]
			if bytes.HasPrefix(data[i:], []byte{c, c, c}) {
				delim = data[i : i+3]
			}
			end := len(delim) > 1
			j := i + len(delim)
			for ; j < len(data); j++ {
				if data[j] == '\n' {
					if !end {
						break // an unclosed one-line string: the parser says so
					}
					line++
				}
				if c == '"' && data[j] == '\\' {
					j++
					continue
				}
				if bytes.HasPrefix(data[j:], delim) {
					j += len(delim) - 1
					break
				}
			}
			i = j
		case '[', '{':
			if depth++; depth > MaxTOMLNesting {
				return line
			}
		case ']', '}':
			depth = max(depth-1, 0)
		}
	}
	return 0
}
