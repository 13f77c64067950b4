package audit

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// ParseMaxAge reads a --max-age value: a whole number of days ("365d"),
// weeks ("52w"), months of 30 days ("12mo") or years of 365 days ("1y"),
// or any Go duration ("8760h"). A bare "12m" is refused: in a Go duration
// it means minutes, which nobody means for a password age.
func ParseMaxAge(s string) (time.Duration, error) {
	s = strings.TrimSpace(strings.ToLower(s))
	units := []struct {
		suffix string
		days   int
	}{{"mo", 30}, {"d", 1}, {"w", 7}, {"y", 365}}
	for _, u := range units {
		num, ok := strings.CutSuffix(s, u.suffix)
		if !ok {
			continue
		}
		n, err := strconv.Atoi(num)
		if err != nil || n <= 0 || n > 100*365/u.days {
			break
		}
		return time.Duration(n*u.days) * 24 * time.Hour, nil
	}
	if strings.HasSuffix(s, "m") && strings.Trim(strings.TrimSuffix(s, "m"), "0123456789") == "" {
		return 0, fmt.Errorf("max age %q is ambiguous: write months as %smo or days as %s", s, strings.TrimSuffix(s, "m"), "365d")
	}
	d, err := time.ParseDuration(s)
	if err != nil || d <= 0 {
		return 0, fmt.Errorf("max age %q is not a positive age: use days, weeks, months or years like 365d, 52w, 12mo, 1y, or hours like 8760h", s)
	}
	return d, nil
}
