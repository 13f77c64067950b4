package recipe

import (
	"fmt"
	"os"
	"testing"
)

// childEnv makes the test binary run Main as the recipe child would
// (`imapvault __recipe NAME`); stallEnv makes that child stop at one
// checkpoint, say so on stdout and wait until fd 3 closes or it is killed.
const (
	childEnv = "RECIPE_TEST_CHILD"
	stallEnv = "RECIPE_TEST_STALL"
)

func TestMain(m *testing.M) {
	if os.Getenv(childEnv) == "1" {
		if at := os.Getenv(stallEnv); at != "" {
			testCheckpoint = func(p string) {
				if p == at {
					fmt.Printf("stalled at %s\n", p)
					_, _ = os.NewFile(3, "release").Read(make([]byte, 1))
				}
			}
		}
		args := os.Args[1:]
		if len(args) > 0 && args[0] == "__recipe" { // as imapvault is called on a remote host
			args = args[1:]
		}
		os.Exit(Main(args, os.Stdin, os.Stdout, os.Stderr))
	}
	os.Exit(m.Run())
}
