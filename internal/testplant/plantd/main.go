// Command plantd is a hostile local user's fake agent, for tests only: it
// listens on the socket it is given, reports every connection and every
// byte it receives on stdout, and answers each request as an unlocked
// agent would, so a client that trusts it would go on to send more.
package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"net"
	"os"
	"sync"
)

func main() {
	if len(os.Args) != 3 {
		fmt.Fprintln(os.Stderr, "usage: plantd SOCKET IDENTITY-PATH")
		os.Exit(2)
	}
	l, err := net.Listen("unix", os.Args[1])
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	os.Chmod(os.Args[1], 0o777)
	var mu sync.Mutex
	say := func(format string, args ...any) {
		mu.Lock()
		defer mu.Unlock()
		fmt.Printf(format+"\n", args...)
	}
	say("ready uid %d", os.Getuid())
	for {
		conn, err := l.Accept()
		if err != nil {
			return
		}
		say("accept")
		go serve(conn, os.Args[2], say)
	}
}

func serve(conn net.Conn, identity string, say func(string, ...any)) {
	defer conn.Close()
	r := bufio.NewReader(conn)
	n := 0
	for {
		line, err := r.ReadBytes('\n')
		n += len(line)
		if len(line) > 0 {
			say("recv %s", line[:len(line)-1])
		}
		if err != nil {
			say("eof %d", n)
			return
		}
		var req struct{ Op string }
		json.Unmarshal(line, &req)
		var answer any = struct{}{}
		switch req.Op {
		case "status":
			answer = map[string]any{"status": map[string]any{"unlocked": true, "identity_path": identity, "pid": os.Getpid()}}
		case "get":
			answer = map[string]any{"value": "planted-value"}
		case "names":
			answer = map[string]any{"names": []string{"planted"}}
		}
		b, _ := json.Marshal(answer)
		conn.Write(append(b, '\n'))
	}
}
