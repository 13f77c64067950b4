// Command imapvault keeps IMAP mailbox credentials in one age-encrypted
// vault, logs in to each server to prove they work, audits them and rotates
// passwords without ever losing one. Run bare, it opens the TUI.
package main

import (
	"os"

	"github.com/imapvault/imapvault/cli"
)

func main() { os.Exit(cli.Main(os.Args[1:])) }
