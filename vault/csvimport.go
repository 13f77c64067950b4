package vault

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"
)

// ImportColumns are the CSV header names import understands.
var ImportColumns = []string{"name", "host", "port", "security", "username", "password", "changed"}

// ImportRow is one parsed CSV row and its line, for error messages.
type ImportRow struct {
	Line    int
	Account *Account
}

// ImportError names the CSV line of the first bad row. It never quotes the
// row, which holds a password.
type ImportError struct {
	Line int
	Err  error
}

func (e *ImportError) Error() string { return fmt.Sprintf("line %d: %v", e.Line, e.Err) }
func (e *ImportError) Unwrap() error { return e.Err }

// ParseCSV reads accounts from CSV with a header of ImportColumns (any
// order; port, security and changed may be missing or empty). It returns
// every account or, at the first bad row, none.
func ParseCSV(r io.Reader, now time.Time) ([]ImportRow, error) {
	cr := csv.NewReader(r)
	cr.ReuseRecord = false
	head, err := cr.Read()
	if errors.Is(err, io.EOF) {
		return nil, &ImportError{Line: 1, Err: errors.New("the file is empty; the first line must be the header " + strings.Join(ImportColumns, ","))}
	}
	if err != nil {
		return nil, csvErr(err)
	}
	col := map[string]int{}
	for i, h := range head {
		h = strings.ToLower(strings.TrimSpace(strings.TrimPrefix(h, "\ufeff")))
		if !known(h) {
			// The value is not quoted: without a header line it would be a row, password and all.
			return nil, &ImportError{Line: 1, Err: fmt.Errorf("column %d of the header is not one of %s; is the header line missing?", i+1, strings.Join(ImportColumns, ","))}
		}
		col[h] = i
	}
	for _, need := range []string{"name", "host", "username", "password"} {
		if _, ok := col[need]; !ok {
			return nil, &ImportError{Line: 1, Err: fmt.Errorf("missing column %q in the header", need)}
		}
	}
	get := func(rec []string, name string) string {
		if i, ok := col[name]; ok && i < len(rec) {
			return rec[i]
		}
		return ""
	}
	var out []ImportRow
	seen := map[string]int{}
	for {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, csvErr(err)
		}
		line, _ := cr.FieldPos(0)
		a, err := rowAccount(rec, get, now)
		if err != nil {
			return nil, &ImportError{Line: line, Err: err}
		}
		key := strings.ToLower(a.Name)
		if first, dup := seen[key]; dup {
			return nil, &ImportError{Line: line, Err: fmt.Errorf("duplicate name %q (first on line %d)", a.Name, first)}
		}
		seen[key] = line
		out = append(out, ImportRow{Line: line, Account: a})
	}
	return out, nil
}

func known(h string) bool {
	for _, c := range ImportColumns {
		if c == h {
			return true
		}
	}
	return false
}

func rowAccount(rec []string, get func([]string, string) string, now time.Time) (*Account, error) {
	a := &Account{
		Name:     strings.TrimSpace(get(rec, "name")),
		Host:     strings.TrimSpace(get(rec, "host")),
		Username: strings.TrimSpace(get(rec, "username")),
		Password: get(rec, "password"),
		Security: Security(get(rec, "security")),
	}
	if p := strings.TrimSpace(get(rec, "port")); p != "" {
		n, err := strconv.Atoi(p)
		if err != nil || n < 1 || n > 65535 {
			return nil, fmt.Errorf("bad port %q (want 1-65535)", p)
		}
		a.Port = n
	}
	if c := strings.TrimSpace(get(rec, "changed")); c != "" {
		d, err := time.ParseInLocation("2006-01-02", c, time.Local)
		if err != nil {
			return nil, fmt.Errorf("bad changed date %q (want YYYY-MM-DD)", c)
		}
		a.Changed = d
	}
	if err := Validate(a); err != nil {
		return nil, err
	}
	if a.Password == "" {
		return nil, fmt.Errorf("%w: password is required", ErrInvalidAccount)
	}
	return a, nil
}

// csvErr keeps the line of a CSV syntax error but drops the record text.
func csvErr(err error) error {
	var pe *csv.ParseError
	if errors.As(err, &pe) {
		return &ImportError{Line: pe.Line, Err: pe.Err}
	}
	return err
}

// Import adds accounts all-or-nothing: a name already in the vault fails
// the whole import and leaves the vault as it was.
func (v *Vault) Import(rows []ImportRow, now time.Time) error {
	// One set of names, not a scan of the vault per row: imports run to
	// thousands of rows.
	names := make(map[string]bool, len(v.Accounts)+len(rows))
	for _, a := range v.Accounts {
		names[strings.ToLower(a.Name)] = true
	}
	for _, r := range rows {
		if err := Validate(r.Account); err != nil {
			return &ImportError{Line: r.Line, Err: err}
		}
		key := strings.ToLower(r.Account.Name)
		if names[key] {
			return &ImportError{Line: r.Line, Err: fmt.Errorf("account %q: %w", r.Account.Name, ErrDuplicateName)}
		}
		names[key] = true
	}
	for _, r := range rows {
		v.insert(r.Account, now)
	}
	return nil
}
