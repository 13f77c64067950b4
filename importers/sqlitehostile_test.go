package importers

import (
	"encoding/binary"
	"runtime"
	"strings"
	"testing"
)

// Hostile key4.db files, built page by page: the seeds of FuzzSQLiteReader
// (also in testdata/fuzz) and the cases the red-team pass reproduced.

const testPage = 512

// sqliteVarint is SQLite's big-endian varint.
func sqliteVarint(v uint64) []byte {
	if v > 1<<56-1 {
		b := make([]byte, 9)
		b[8] = byte(v)
		v >>= 8
		for i := 7; i >= 0; i-- {
			b[i] = byte(v&0x7f) | 0x80
			v >>= 7
		}
		return b
	}
	var out []byte
	for {
		out = append([]byte{byte(v & 0x7f)}, out...)
		v >>= 7
		if v == 0 {
			break
		}
	}
	for i := 0; i < len(out)-1; i++ {
		out[i] |= 0x80
	}
	return out
}

// sqliteRec is a record of text and integer (one byte) values.
func sqliteRec(vals ...any) []byte {
	var types, body []byte
	for _, v := range vals {
		switch v := v.(type) {
		case string:
			types = append(types, sqliteVarint(uint64(13+2*len(v)))...)
			body = append(body, v...)
		case int:
			types = append(types, 1)
			body = append(body, byte(v))
		}
	}
	return append(append(sqliteVarint(uint64(len(types)+1)), types...), body...)
}

// leafPage is a table leaf page (h: 100 on page 1) whose cell pointers are
// ptrs (nil: one after another, from the end) over cells.
func leafPage(h int, cells [][]byte, ptrs []int) []byte {
	p := make([]byte, testPage)
	p[h] = 0x0d
	end := testPage
	for i, c := range cells {
		end -= len(c)
		copy(p[end:], c)
		if ptrs == nil {
			binary.BigEndian.PutUint16(p[h+8+2*i:], uint16(end))
		}
	}
	n := len(cells)
	for i, at := range ptrs {
		binary.BigEndian.PutUint16(p[h+8+2*i:], uint16(at))
		n = len(ptrs)
	}
	binary.BigEndian.PutUint16(p[h+3:], uint16(n))
	return p
}

// cell is a table leaf cell: payload size, rowid, the payload.
func cell(size uint64, payload []byte) []byte {
	return append(append(sqliteVarint(size), 1), payload...)
}

// sqliteDB is page 1 (the header and a sqlite_master naming metaData at
// page 2) followed by pages.
func sqliteDB(pages ...[]byte) []byte {
	master := sqliteRec("table", "metaData", "metaData", 2, "CREATE TABLE metaData (id PRIMARY KEY, item1, item2)")
	p1 := leafPage(100, [][]byte{cell(uint64(len(master)), master)}, nil)
	copy(p1, "SQLite format 3\x00")
	binary.BigEndian.PutUint16(p1[16:], testPage)
	p1[18], p1[19], p1[21], p1[22], p1[23] = 1, 1, 64, 32, 32
	binary.BigEndian.PutUint32(p1[28:], uint32(1+len(pages)))
	binary.BigEndian.PutUint32(p1[56:], 1)
	out := p1
	for _, p := range pages {
		out = append(out, p...)
	}
	return out
}

// hostileSQLite are the files that panicked or ate memory on the old
// reader, by name.
func hostileSQLite() map[string][]byte {
	good := sqliteRec("password", "x")
	// An overflowing cell claiming most of a 1 MiB file, pointed at by
	// sixty cell pointers, whose overflow page names itself next.
	const big = 2048
	size := uint64(big*testPage - 4096)
	u := testPage
	m := (u-12)*32/255 - 23
	local := m + (int(size)-m)%(u-4)
	if local > u-35 {
		local = m
	}
	loopCell := append(cell(size, make([]byte, local)), 0, 0, 0, 3)
	ptrs := make([]int, 60)
	for i := range ptrs {
		ptrs[i] = testPage - len(loopCell)
	}
	leaf := leafPage(0, [][]byte{loopCell}, nil)
	copy(leaf, leafPage(0, nil, ptrs)[:8+2*len(ptrs)])
	loop := make([]byte, testPage)
	binary.BigEndian.PutUint32(loop, 3)
	loopPages := [][]byte{leaf, loop}
	for len(loopPages) < big-1 {
		loopPages = append(loopPages, make([]byte, testPage))
	}
	return map[string][]byte{
		"good":               sqliteDB(leafPage(0, [][]byte{cell(uint64(len(good)), good)}, nil)),
		"payload size -1":    sqliteDB(leafPage(0, [][]byte{cell(1<<64-1, good)}, nil)),
		"header size -1":     sqliteDB(leafPage(0, [][]byte{cell(12, append(sqliteVarint(1<<64-1), 1, 1, 1))}, nil)),
		"serial type 2^64-1": sqliteDB(leafPage(0, [][]byte{cell(11, append(append([]byte{10}, sqliteVarint(1<<64-1)...), 0))}, nil)),
		"cell past the end":  sqliteDB(leafPage(0, [][]byte{{0}}, []int{testPage - 1})),
		"root page missing":  sqliteDB(),
		"overflow loop":      sqliteDB(loopPages...),
	}
}

// No crafted file panics the reader or makes it gather more than the file
// holds: the old one panicked on the varints (int conversions) and spent
// sixty times the file's size on a looping overflow chain.
func TestSQLiteReaderSurvivesHostileFiles(t *testing.T) {
	for name, data := range hostileSQLite() {
		t.Run(strings.ReplaceAll(name, " ", "_"), func(t *testing.T) {
			db, err := openSQLite(data)
			if err != nil {
				t.Fatalf("open: %v", err)
			}
			var before, after runtime.MemStats
			runtime.ReadMemStats(&before)
			rows, err := db.table("metaData")
			runtime.ReadMemStats(&after)
			if name == "good" {
				if err != nil || len(rows) != 1 || rows[0]["id"] != "password" {
					t.Fatalf("good file: %v %v", rows, err)
				}
				return
			}
			if err == nil {
				t.Errorf("no error (rows %v)", rows)
			}
			if grew := after.TotalAlloc - before.TotalAlloc; grew > 4*uint64(len(data))+1<<20 {
				t.Errorf("allocated %d MiB for a %d KiB file", grew>>20, len(data)>>10)
			}
		})
	}
}
