package doctor

import (
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/imapvault/imapvault/importers"
)

// Bounds on what doctor reads: a config bigger than this is not a config.
const (
	maxFileBytes = 1 << 20
	maxFiles     = 64
)

// file is one config file doctor read.
type file struct {
	path  string
	lines []string
}

// entry is one account a client config describes.
type entry struct {
	client     string // mbsync, msmtp, aerc, mutt, offlineimap, himalaya, netrc
	file       string
	line       int
	name       string // the config's own name for it
	host, user string
	smtp       bool   // an SMTP server (msmtp)
	password   string // a literal password, when the config holds one
	passCmd    string // the command that prints it
	oauth      bool
	mech       string
	tokenCmd   string
}

// setup is what gather found: the files read, the accounts they describe
// and the scheduled jobs.
type setup struct {
	files   []*file
	client  map[string]string // file -> the client whose config it is (sourced files too)
	entries []entry
	jobs    []job
}

func (s *setup) read(path string) ([]byte, error) {
	for _, f := range s.files {
		if f.path == path {
			return []byte(strings.Join(f.lines, "\n")), nil
		}
	}
	if len(s.files) >= maxFiles {
		return nil, errors.New("too many files")
	}
	st, err := os.Stat(path)
	if err != nil {
		return nil, err
	}
	if !st.Mode().IsRegular() || st.Size() > maxFileBytes {
		return nil, errors.New("not a config file")
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	if len(b) > maxFileBytes {
		b = b[:maxFileBytes]
	}
	s.files = append(s.files, &file{path: path, lines: strings.Split(string(b), "\n")})
	return b, nil
}

// clientPaths are the configs doctor reads, by client.
func clientPaths(in *Input) map[string][]string {
	home, xdg := in.Home, in.xdgConfig()
	paths := map[string][]string{
		"msmtp": {filepath.Join(home, ".msmtprc"), filepath.Join(xdg, "msmtp", "config")},
		"netrc": {filepath.Join(home, ".netrc"), filepath.Join(home, ".authinfo")},
	}
	for _, k := range []string{"mbsync", "aerc", "mutt", "offlineimap", "himalaya"} {
		paths[k] = importers.DefaultPaths(k, home, xdg)
	}
	return paths
}

// clients in the order doctor reads them (findings are sorted anyway).
var clients = []string{"mbsync", "msmtp", "mutt", "aerc", "offlineimap", "himalaya", "netrc"}

func gather(in *Input) *setup {
	s := &setup{client: map[string]string{}}
	paths := clientPaths(in)
	for _, client := range clients {
		for _, p := range paths[client] {
			n := len(s.files)
			data, err := s.read(p)
			if err != nil {
				continue
			}
			s.entries = append(s.entries, parseClient(s, client, p, data)...)
			for _, f := range s.files[n:] {
				s.client[f.path] = client
			}
		}
	}
	s.jobs = append(cronJobs(in), timerJobs(in)...)
	return s
}

// parseClient turns one config into entries; a config its parser refuses
// yields none (it is still searched for plaintext copies).
func parseClient(s *setup, client, path string, data []byte) []entry {
	switch client {
	case "msmtp":
		return parseMsmtp(path, data)
	case "netrc":
		return parseNetrc(path, data)
	}
	var r *importers.Result
	var err error
	if client == "mutt" {
		r, err = importers.ParseMuttFiles(path, data, s.read) // sourced files are read, bounded, and scanned
	} else {
		r, err = importers.Parse(client, path, data)
	}
	if err != nil {
		return nil
	}
	var out []entry
	for _, a := range r.Accounts {
		f, line := splitWhere(a.Where, path)
		out = append(out, entry{client: client, file: f, line: line, name: a.Name, host: a.Host, user: a.Username,
			password: a.Password, passCmd: a.PassCmd, oauth: a.OAuth2, mech: a.Mech, tokenCmd: a.TokenCmd})
	}
	return out
}

// splitWhere reads an importer's "FILE:LINE".
func splitWhere(where, def string) (string, int) {
	i := strings.LastIndexByte(where, ':')
	if i < 0 {
		return def, 0
	}
	n, err := strconv.Atoi(where[i+1:])
	if err != nil {
		return def, 0
	}
	return where[:i], n
}
