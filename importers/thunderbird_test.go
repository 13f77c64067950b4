package importers

import (
	"encoding/asn1"
	"encoding/json"
	"fmt"
	"path/filepath"
	"testing"

	"github.com/imapvault/imapvault/internal/nsstest"
)

var tbServers = []nsstest.Server{
	{ID: "server1", Name: "Work", Host: "imap.work.example", User: "jane@work.example", Pass: "tb-Work-pässword \"1\"", SocketType: 3, Type: "imap"},
	{ID: "server2", Name: "Home", Host: "mail.home.example", User: "jane", Pass: "tb-home-secret-2", Port: 143, SocketType: 2, Type: "imap"},
	{ID: "server3", Name: "Gmail", Host: "imap.gmail.com", User: "jane@gmail.com", SocketType: 3, Auth: 10, Type: "imap"},
	{ID: "server4", Name: "Old POP", Host: "pop.example", User: "jane", Pass: "pop-secret", SocketType: 3, Type: "pop3"},
	{ID: "server5", Name: "Lab", Host: "127.0.0.1", User: "tester", Port: 1143, SocketType: 0, Type: "imap"},
}

func TestThunderbirdProfile(t *testing.T) {
	for _, tc := range []struct {
		primary string
		legacy  bool
		alg     asn1.ObjectIdentifier
	}{
		{"", false, oidPBES2},
		{"correct horse primary", false, oidPBES2},
		{"", true, oidPBESHA13DES},
		{"old primary", true, oidPBESHA13DES},
	} {
		primary := tc.primary
		t.Run(fmt.Sprintf("primary=%v,legacy=%v", primary != "", tc.legacy), func(t *testing.T) {
			dir := nsstest.MakeProfile(t, primary, tc.legacy, tbServers)
			rows, err := readKey4(filepath.Join(dir, "key4.db"))
			if err != nil {
				t.Fatal(err)
			}
			var e nssEncrypted
			if _, err := asn1.Unmarshal(rows.check, &e); err != nil || !e.Alg.Algo.Equal(tc.alg) {
				t.Fatalf("key4.db uses %v, the test wants %v", e.Alg.Algo, tc.alg)
			}
			asked := 0
			res, err := ReadThunderbird(dir, func() ([]byte, error) { asked++; return []byte(primary), nil })
			if err != nil {
				t.Fatal(err)
			}
			if (primary != "") != (asked == 1) {
				t.Errorf("asked for the primary password %d times", asked)
			}
			got, _ := json.Marshal(res)
			want := `{"accounts":[` +
				`{"name":"Work","host":"imap.work.example","port":993,"security":"tls","username":"jane@work.example","password":"tb-Work-pässword \"1\"","where":"` + dir + `/prefs.js:10"},` +
				`{"name":"Home","host":"mail.home.example","port":143,"security":"starttls","username":"jane","password":"tb-home-secret-2","where":"` + dir + `/prefs.js:19"},` +
				`{"name":"Gmail","host":"imap.gmail.com","port":993,"security":"tls","username":"jane@gmail.com","oauth2":true,"where":"` + dir + `/prefs.js:29"},` +
				`{"name":"Lab","host":"127.0.0.1","port":1143,"security":"insecure","username":"tester","note":"Thunderbird has no saved password for this server","where":"` + dir + `/prefs.js:48"}],` +
				`"skipped":[{"where":"` + dir + `/prefs.js:39","why":"server server4 is pop3, not IMAP"}]}`
			if string(got) != want {
				t.Errorf("got\n%s\nwant\n%s", got, want)
			}
			if primary == "" {
				return
			}
			_, err = ReadThunderbird(dir, func() ([]byte, error) { return []byte("wrong"), nil })
			if err != ErrPrimaryPassword {
				t.Errorf("a wrong primary password gave %v", err)
			}
		})
	}
}
