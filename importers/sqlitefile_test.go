package importers

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/imapvault/imapvault/internal/testimap"
)

// TestSQLiteReaderAgainstRealSQLite checks the small key4.db reader on a
// database the real SQLite library wrote (through Python's sqlite3): many
// rows (interior pages), blobs larger than a page (overflow chains),
// integers of every width, NULLs and text.
func TestSQLiteReaderAgainstRealSQLite(t *testing.T) {
	py := testimap.LookBin(t, "python3", "python3")
	db := filepath.Join(t.TempDir(), "t.db")
	script := `
import sqlite3, sys
c = sqlite3.connect(sys.argv[1])
c.execute("PRAGMA page_size=1024")
c.execute("CREATE TABLE nssPrivate (id PRIMARY KEY UNIQUE ON CONFLICT ABORT, a11, a102, n, t)")
for i in range(3000):
    c.execute("INSERT INTO nssPrivate VALUES (?,?,?,?,?)",
              (i, bytes([i % 251]) * (i % 5000), ("k%d" % i).encode(), [0, 1, -1, 200, -70000, 2**40, -2**62][i % 7], None if i % 3 else "txt%d" % i))
c.commit()
`
	if out, err := exec.Command(py, "-c", script, db).CombinedOutput(); err != nil {
		t.Fatalf("python3 sqlite3: %v\n%s", err, out)
	}
	data, err := os.ReadFile(db)
	if err != nil {
		t.Fatal(err)
	}
	f, err := openSQLite(data)
	if err != nil {
		t.Fatal(err)
	}
	rows, err := f.table("nssPrivate")
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 3000 {
		t.Fatalf("%d rows", len(rows))
	}
	ints := []int64{0, 1, -1, 200, -70000, 1 << 40, -1 << 62}
	for _, r := range rows {
		i := r["id"].(int64)
		blob, _ := r["a11"].([]byte)
		if !bytes.Equal(blob, bytes.Repeat([]byte{byte(i % 251)}, int(i%5000))) && !(i%5000 == 0 && r["a11"] != nil) {
			t.Fatalf("row %d: blob of %d bytes wrong", i, len(blob))
		}
		if string(r["a102"].([]byte)) != fmt.Sprintf("k%d", i) || r["n"] != ints[i%7] {
			t.Fatalf("row %d: %v %v", i, r["a102"], r["n"])
		}
		if (i%3 == 0) != (r["t"] != nil) {
			t.Fatalf("row %d: t = %v", i, r["t"])
		}
	}
}

// FuzzSQLiteReader: a damaged or hostile key4.db gives an error, never a
// panic, a hang or more memory than the file's size. Seeds: a bare header,
// the hostile files of sqlitehostile_test.go (those under 64 KiB are in
// testdata/fuzz/FuzzSQLiteReader too; IMAPVAULT_WRITE_FUZZ_SEEDS=1 writes
// them again).
//
//	go test ./importers/ -run '^$' -fuzz FuzzSQLiteReader -fuzztime 60s
func FuzzSQLiteReader(f *testing.F) {
	hdr := append([]byte("SQLite format 3\x00\x02\x00"), make([]byte, 512-18)...)
	f.Add(hdr)
	for name, data := range hostileSQLite() {
		f.Add(data)
		if os.Getenv("IMAPVAULT_WRITE_FUZZ_SEEDS") == "1" && len(data) < 64<<10 {
			dir := filepath.Join("testdata", "fuzz", "FuzzSQLiteReader")
			os.MkdirAll(dir, 0o755)
			body := "go test fuzz v1\n[]byte(" + strconv.Quote(string(data)) + ")\n"
			if err := os.WriteFile(filepath.Join(dir, strings.ReplaceAll(name, " ", "-")), []byte(body), 0o644); err != nil {
				f.Fatal(err)
			}
		}
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		db, err := openSQLite(data)
		if err != nil {
			return
		}
		for _, table := range []string{"metaData", "nssPrivate"} {
			db.table(table)
		}
	})
}
