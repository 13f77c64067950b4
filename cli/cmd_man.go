package cli

import (
	"fmt"
)

func init() {
	register(command{name: "man", summary: "print the imapvault(1) manual page (roff)", run: runMan})
}

func runMan(e *env, args []string) error {
	fs := e.flags("man", "man", `
Prints the manual page, made from the same help texts the commands print.
Read it with 'imapvault man | man -l -', or install it:

  imapvault man > /usr/local/share/man/man1/imapvault.1

The source tree ships it too, as contrib/man/imapvault.1.`)
	pos, err := parse(fs, args)
	if err != nil {
		return err
	}
	if len(pos) > 0 {
		return usageErr(fmt.Errorf("man takes no arguments"), "")
	}
	writeMan(e.stdout)
	return nil
}
