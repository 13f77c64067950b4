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

// ImportError names the CSV line (and column, when one is to blame) of the
// first bad row. It never quotes a cell: after a stray comma any cell can
// hold a piece of a password.
type ImportError struct {
	Line   int
	Column string // header name of the bad cell; "" for the row as a whole
	Err    error
}

func (e *ImportError) Error() string {
	if e.Column != "" {
		return fmt.Sprintf("line %d, column %s: %v", e.Line, e.Column, e.Err)
	}
	return fmt.Sprintf("line %d: %v", e.Line, e.Err)
}

// cellError blames one column of a row.
type cellError struct {
	column string
	err    error
}

func (e *cellError) Error() string   { return e.err.Error() }
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
			ie := &ImportError{Line: line, Err: err}
			var ce *cellError
			if errors.As(err, &ce) {
				ie.Column, ie.Err = ce.column, ce.err
				if i, ok := col[ce.column]; ok && i < len(rec) {
					// A quoted cell can span lines: name the line the cell starts on.
					ie.Line, _ = cr.FieldPos(i)
				}
			}
			return nil, ie
		}
		key := strings.ToLower(a.Name)
		if first, dup := seen[key]; dup {
			l, _ := cr.FieldPos(col["name"])
			return nil, &ImportError{Line: l, Column: "name", Err: fmt.Errorf("duplicate name (first on line %d)", first)}
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
	cell := func(column string, err error) error { return &cellError{column: column, err: err} }
	a := &Account{
		Name:     strings.TrimSpace(get(rec, "name")),
		Host:     strings.TrimSpace(get(rec, "host")),
		Username: strings.TrimSpace(get(rec, "username")),
		Password: get(rec, "password"),
	}
	if p := strings.TrimSpace(get(rec, "port")); p != "" {
		n, err := strconv.Atoi(p)
		if err != nil || n < 1 || n > 65535 {
			return nil, cell("port", errors.New("bad port (want a number 1-65535)"))
		}
		a.Port = n
	}
	sec, err := ParseSecurity(get(rec, "security"))
	if err != nil {
		return nil, cell("security", errors.New("unknown security (want tls, starttls or insecure)"))
	}
	a.Security = sec
	if c := strings.TrimSpace(get(rec, "changed")); c != "" {
		d, err := time.ParseInLocation("2006-01-02", c, time.Local)
		if err != nil {
			return nil, cell("changed", errors.New("bad changed date (want YYYY-MM-DD)"))
		}
		a.Changed = d
	}
	if a.Password == "" {
		return nil, cell("password", fmt.Errorf("%w: password is required", ErrInvalidAccount))
	}
	if err := CheckPassword(a.Password); err != nil {
		return nil, cell("password", err)
	}
	if err := Validate(a); err != nil {
		return nil, cell(blame(err), err)
	}
	return a, nil
}

// blame picks the column a Validate error is about from its words (which
// never quote the value).
func blame(err error) string {
	msg := err.Error()
	for _, c := range []string{"name", "host", "username", "port"} {
		if strings.Contains(msg, ": "+c+" ") {
			return c
		}
	}
	return ""
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
			return &ImportError{Line: r.Line, Column: "name", Err: ErrDuplicateName}
		}
		names[key] = true
	}
	for _, r := range rows {
		v.insert(r.Account, now)
	}
	return nil
}
