package importers

import (
	"encoding/binary"
	"errors"
	"fmt"
	"strings"
)

// sqliteFile reads rows of tables from an SQLite 3 database file, read
// only and only what key4.db needs: table b-trees, records, overflow
// pages. It follows https://www.sqlite.org/fileformat.html. See the report
// in the package tests for why this is not a full SQLite driver.
//
// Nothing in the file is trusted: every size and offset is checked before
// it is used, each page may be used once (a second visit is a loop), and
// what is gathered never adds up to more than the file itself, as in any
// well-formed database, whose payloads are disjoint.
type sqliteFile struct {
	data     []byte
	pageSize int
	usable   int
	used     map[uint32]bool // pages visited by this read: b-tree or overflow
	budget   int             // payload bytes still allowed
}

var errSQLite = errors.New("not an SQLite database this reader understands")

func openSQLite(data []byte) (*sqliteFile, error) {
	if len(data) < 100 || string(data[:16]) != "SQLite format 3\x00" {
		return nil, errSQLite
	}
	ps := int(binary.BigEndian.Uint16(data[16:18]))
	if ps == 1 {
		ps = 65536
	}
	// SQLite requires at least 480 usable bytes a page: the payload
	// arithmetic below relies on it.
	if ps < 512 || ps&(ps-1) != 0 || len(data)%ps != 0 || ps-int(data[20]) < 480 {
		return nil, errSQLite
	}
	if enc := binary.BigEndian.Uint32(data[56:60]); enc > 1 {
		return nil, fmt.Errorf("%w: text encoding %d", errSQLite, enc)
	}
	return &sqliteFile{data: data, pageSize: ps, usable: ps - int(data[20]), used: map[uint32]bool{}, budget: len(data)}, nil
}

func (f *sqliteFile) page(n uint32) ([]byte, error) {
	if n == 0 || uint64(n) > uint64(len(f.data)/f.pageSize) {
		return nil, errSQLite
	}
	off := int(n-1) * f.pageSize
	return f.data[off : off+f.pageSize], nil
}

// visit marks a page used; false when it already was (a loop).
func (f *sqliteFile) visit(n uint32) bool {
	if f.used[n] {
		return false
	}
	f.used[n] = true
	return true
}

// table returns the rows of a table as column name -> value.
func (f *sqliteFile) table(name string) ([]map[string]any, error) {
	// Each read starts afresh: a page may serve two reads of one file.
	clear(f.used)
	f.budget = len(f.data)
	master, err := f.rows(1)
	if err != nil {
		return nil, err
	}
	for _, r := range master {
		if len(r) < 5 || r[0] != "table" || !strings.EqualFold(fmt.Sprint(r[1]), name) {
			continue
		}
		root, ok := r[3].(int64)
		sql, _ := r[4].(string)
		if !ok || root < 1 || root > 1<<31 {
			return nil, errSQLite
		}
		cols := sqliteColumns(sql)
		recs, err := f.rows(uint32(root))
		if err != nil {
			return nil, err
		}
		out := make([]map[string]any, 0, len(recs))
		for _, rec := range recs {
			m := map[string]any{}
			for i, c := range cols {
				if i < len(rec) {
					m[c] = rec[i]
				}
			}
			out = append(out, m)
		}
		return out, nil
	}
	return nil, fmt.Errorf("no table %s", name)
}

// sqliteColumns takes the column names from a CREATE TABLE statement.
func sqliteColumns(sql string) []string {
	open, end := strings.IndexByte(sql, '('), strings.LastIndexByte(sql, ')')
	if open < 0 || end < open {
		return nil
	}
	var cols []string
	for _, def := range strings.Split(sql[open+1:end], ",") {
		f := strings.Fields(def)
		if len(f) == 0 {
			continue
		}
		switch strings.ToUpper(f[0]) {
		case "PRIMARY", "UNIQUE", "CHECK", "FOREIGN", "CONSTRAINT":
			continue
		}
		cols = append(cols, strings.Trim(f[0], "\"`[]"))
	}
	return cols
}

// rows walks a table b-tree from its root page.
func (f *sqliteFile) rows(root uint32) ([][]any, error) {
	var out [][]any
	var walk func(n uint32, depth int) error
	walk = func(n uint32, depth int) error {
		// A page visited twice is a loop in a damaged or hostile file.
		if depth > 40 || !f.visit(n) {
			return errSQLite
		}
		p, err := f.page(n)
		if err != nil {
			return err
		}
		h := 0
		if n == 1 {
			h = 100
		}
		kind := p[h]
		cells := int(binary.BigEndian.Uint16(p[h+3 : h+5]))
		hdr := 8
		if kind == 0x05 {
			hdr = 12
		}
		for i := 0; i < cells; i++ {
			at := h + hdr + 2*i
			if at+2 > len(p) {
				return errSQLite
			}
			c := int(binary.BigEndian.Uint16(p[at : at+2]))
			if c >= len(p) {
				return errSQLite
			}
			switch kind {
			case 0x05:
				if c+4 > len(p) {
					return errSQLite
				}
				if err := walk(binary.BigEndian.Uint32(p[c:c+4]), depth+1); err != nil {
					return err
				}
			case 0x0d:
				size, k := uvarint(p[c:])
				_, k2 := uvarint(p[c+k:])
				if k == 0 || k2 == 0 || size > uint64(f.budget) {
					return errSQLite
				}
				payload, err := f.payload(p, c+k+k2, int(size))
				if err != nil {
					return err
				}
				rec, err := sqliteRecord(payload)
				if err != nil {
					return err
				}
				out = append(out, rec)
			default:
				return errSQLite
			}
		}
		if kind == 0x05 {
			return walk(binary.BigEndian.Uint32(p[h+8:h+12]), depth+1)
		}
		return nil
	}
	return out, walk(root, 0)
}

// payload gathers a cell's payload, following overflow pages.
func (f *sqliteFile) payload(p []byte, at, size int) ([]byte, error) {
	u := f.usable
	x := u - 35
	local := size
	if size > x {
		m := (u-12)*32/255 - 23
		k := m + (size-m)%(u-4)
		local = m
		if k <= x {
			local = k
		}
	}
	if size < 0 || size > f.budget || at > len(p) || at+local > len(p) {
		return nil, errSQLite
	}
	f.budget -= size
	out := append(make([]byte, 0, size), p[at:at+local]...)
	if local == size {
		return out, nil
	}
	if at+local+4 > len(p) {
		return nil, errSQLite
	}
	next := binary.BigEndian.Uint32(p[at+local : at+local+4])
	for len(out) < size {
		if !f.visit(next) {
			return nil, errSQLite // an overflow chain that loops
		}
		op, err := f.page(next)
		if err != nil {
			return nil, err
		}
		n := min(size-len(out), u-4)
		out = append(out, op[4:4+n]...)
		next = binary.BigEndian.Uint32(op[:4])
	}
	return out, nil
}

func sqliteRecord(b []byte) ([]any, error) {
	hsize, n := uvarint(b)
	if n == 0 || hsize > uint64(len(b)) || hsize < uint64(n) {
		return nil, errSQLite
	}
	var types []uint64
	for i := n; i < int(hsize); {
		t, k := uvarint(b[i:])
		if k == 0 {
			return nil, errSQLite
		}
		types = append(types, t)
		i += k
	}
	var out []any
	pos := int(hsize)
	for _, t := range types {
		var w int
		switch {
		case t <= 4:
			w = int(t)
		case t == 5:
			w = 6
		case t == 6 || t == 7:
			w = 8
		case t == 8 || t == 9:
			w = 0
		case t >= 12 && (t-12)/2 <= uint64(len(b)-pos):
			w = int((t - 12) / 2)
		default:
			return nil, errSQLite // 10, 11, or longer than the record
		}
		if pos+w > len(b) {
			return nil, errSQLite
		}
		v := b[pos : pos+w]
		pos += w
		switch {
		case t == 0:
			out = append(out, nil)
		case t <= 6:
			var n int64
			for _, c := range v {
				n = n<<8 | int64(c)
			}
			if w > 0 && v[0]&0x80 != 0 { // sign-extend
				n -= 1 << (8 * uint(w))
			}
			out = append(out, n)
		case t == 7:
			out = append(out, binary.BigEndian.Uint64(v))
		case t == 8:
			out = append(out, int64(0))
		case t == 9:
			out = append(out, int64(1))
		case t%2 == 0:
			out = append(out, append([]byte{}, v...))
		default:
			out = append(out, string(v))
		}
	}
	return out, nil
}

// uvarint is SQLite's big-endian varint (1-9 bytes); n is 0 on error.
func uvarint(b []byte) (uint64, int) {
	var v uint64
	for i := 0; i < 9 && i < len(b); i++ {
		if i == 8 {
			return v<<8 | uint64(b[i]), 9
		}
		v = v<<7 | uint64(b[i]&0x7f)
		if b[i]&0x80 == 0 {
			return v, i + 1
		}
	}
	return 0, 0
}
