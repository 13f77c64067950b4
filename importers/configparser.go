package importers

import (
	"bufio"
	"bytes"
	"regexp"
	"strings"
)

// pyConfig is a file read the way Python's configparser.ConfigParser reads
// it with its defaults (offlineimap's CustomConfigParser): [section]
// headers, "key = value" or "key: value", keys lower-cased, full-line #
// and ; comments only, indented lines continue a value, [DEFAULT] fills
// every section, duplicates are errors, %(name)s interpolation on get.
type pyConfig struct {
	file     string
	defaults map[string]string
	sections map[string]map[string]string
	lines    map[string]int // section -> line of its header
	order    []string
}

var (
	pySection = regexp.MustCompile(`^\[(.+)\]`)
	pyOption  = regexp.MustCompile(`^(.*?)\s*([=:])\s*(.*)$`)
)

func parsePyConfig(file string, data []byte) (*pyConfig, error) {
	c := &pyConfig{file: file, defaults: map[string]string{}, sections: map[string]map[string]string{}, lines: map[string]int{}}
	var cur map[string]string
	var optName string
	var optVal []string
	indent := 0
	endOpt := func() {
		if cur != nil && optName != "" {
			cur[optName] = strings.TrimRight(strings.Join(optVal, "\n"), "\n")
		}
		optName, optVal = "", nil
	}
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(make([]byte, 0, 64*1024), 1<<20)
	n := 0
	for sc.Scan() {
		n++
		raw := strings.TrimRight(sc.Text(), "\r")
		if n == 1 {
			raw = strings.TrimPrefix(raw, "\ufeff")
		}
		stripped := strings.TrimSpace(raw)
		if strings.HasPrefix(stripped, "#") || strings.HasPrefix(stripped, ";") {
			continue
		}
		if stripped == "" {
			if optName != "" {
				optVal = append(optVal, "")
			} else {
				indent = 1 << 30
			}
			continue
		}
		lead := len(raw) - len(strings.TrimLeft(raw, " \t"))
		if cur != nil && optName != "" && lead > indent {
			optVal = append(optVal, stripped)
			continue
		}
		endOpt()
		indent = lead
		if m := pySection.FindStringSubmatch(stripped); m != nil {
			name := m[1]
			if name == "DEFAULT" {
				cur = c.defaults
				continue
			}
			if _, dup := c.sections[name]; dup {
				return nil, synErr(file, n, "section [%s] appears twice", name)
			}
			cur = map[string]string{}
			c.sections[name] = cur
			c.lines[name] = n
			c.order = append(c.order, name)
			continue
		}
		if cur == nil {
			return nil, synErr(file, n, "a setting before the first [section] header")
		}
		m := pyOption.FindStringSubmatch(stripped)
		if m == nil || strings.TrimSpace(m[1]) == "" {
			return nil, synErr(file, n, "not a 'key = value' line")
		}
		key := strings.ToLower(strings.TrimRight(m[1], " \t"))
		if _, dup := cur[key]; dup {
			return nil, synErr(file, n, "option %q appears twice in its section", key)
		}
		optName = key
		optVal = []string{strings.TrimSpace(m[3])}
		cur[key] = ""
	}
	endOpt()
	if err := sc.Err(); err != nil {
		return nil, synErr(file, n+1, "%v", err)
	}
	return c, nil
}

// raw returns a section's value or the default's, uninterpolated.
func (c *pyConfig) raw(section, key string) (string, bool) {
	if v, ok := c.sections[section][key]; ok {
		return v, true
	}
	v, ok := c.defaults[key]
	return v, ok
}

// get returns an interpolated value as configparser's BasicInterpolation
// does: %% is %, %(name)s is another option of the section or DEFAULT.
func (c *pyConfig) get(section, key string) (string, bool, error) {
	v, ok := c.raw(section, key)
	if !ok {
		return "", false, nil
	}
	out, err := c.interpolate(section, key, v, 1)
	return out, true, err
}

func (c *pyConfig) interpolate(section, key, v string, depth int) (string, error) {
	if depth > 10 {
		return "", synErr(c.file, c.lines[section], "option %q in [%s]: interpolation too deep", key, section)
	}
	var b strings.Builder
	for {
		i := strings.IndexByte(v, '%')
		if i < 0 {
			b.WriteString(v)
			return b.String(), nil
		}
		b.WriteString(v[:i])
		v = v[i:]
		switch {
		case strings.HasPrefix(v, "%%"):
			b.WriteByte('%')
			v = v[2:]
		case strings.HasPrefix(v, "%("):
			end := strings.Index(v, ")s")
			if end < 0 {
				return "", synErr(c.file, c.lines[section], "option %q in [%s]: bad %%-interpolation", key, section)
			}
			ref := strings.ToLower(v[2:end])
			rv, ok := c.raw(section, ref)
			if !ok {
				return "", synErr(c.file, c.lines[section], "option %q in [%s] refers to %q, which is not set", key, section, ref)
			}
			sub, err := c.interpolate(section, ref, rv, depth+1)
			if err != nil {
				return "", err
			}
			b.WriteString(sub)
			v = v[end+2:]
		default:
			return "", synErr(c.file, c.lines[section], "option %q in [%s]: a lone %% (write %%%% for a percent sign)", key, section)
		}
	}
}

// boolean reads a value as configparser's getboolean.
func pyBool(v string) (bool, bool) {
	switch strings.ToLower(v) {
	case "1", "yes", "true", "on":
		return true, true
	case "0", "no", "false", "off":
		return false, true
	}
	return false, false
}
