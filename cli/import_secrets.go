package cli

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/imapvault/imapvault/importers"
	"github.com/imapvault/imapvault/internal/termtext"
)

// dryRunCommand and dryRunFile are passwords a real import would get from
// a command or a file.
const (
	dryRunCommand = "from its command (not run in a dry run)"
	dryRunFile    = "from its file (not read in a dry run)"
)

// secretJob is one password command to run, or one password file to
// read, and the steps that get what it yields.
type secretJob struct {
	cmd, file string
	shown     string // what the prompt shows: every byte that will run
	users     []int
}

func (j *secretJob) names(steps []importers.Step) string {
	var names []string
	for _, i := range j.users {
		names = append(names, termtext.Line(steps[i].Account.Name))
	}
	return strings.Join(names, ", ")
}

// secretJobs collects the distinct commands and files of the steps that
// want their password (Step.WantsSecret), each once. A command too long to
// show whole is never run, consent or not.
func secretJobs(e *env, o importOpts, steps []importers.Step, missing map[int]string) []*secretJob {
	var jobs []*secretJob
	byKey := map[string]*secretJob{}
	for i, st := range steps {
		if !st.WantsSecret(o.update) {
			continue
		}
		a := st.Account
		key := "cmd\x00" + a.PassCmd
		if a.PassCmd == "" {
			key = "file\x00" + importers.ExpandHome(a.PassFile, e.getenv("HOME"))
		}
		if j := byKey[key]; j != nil {
			j.users = append(j.users, i)
			continue
		}
		j := &secretJob{cmd: a.PassCmd, users: []int{i}}
		if a.PassCmd == "" {
			j.file = importers.ExpandHome(a.PassFile, e.getenv("HOME"))
			j.shown = "the first line of " + termtext.Line(j.file)
		} else if shown, ok := showCommand(a.PassCmd); ok {
			j.shown = shown
		} else {
			missing[i] = fmt.Sprintf("its password command is too long to show whole (%d bytes, at most %d), so it was not run", len(a.PassCmd), maxShownCommand)
			continue
		}
		byKey[key] = j
		jobs = append(jobs, j)
	}
	return jobs
}

// showJobs lists what will be run and read, as the prompt and a dry run
// show it.
func showJobs(w io.Writer, o importOpts, steps []importers.Step, jobs []*secretJob) {
	cmds, files := 0, 0
	for _, j := range jobs {
		if j.cmd != "" {
			cmds++
		} else {
			files++
		}
	}
	if cmds > 0 {
		fmt.Fprintf(w, "%d password commands will run, once each, without stdin, killed after %s:\n", cmds, o.cmdTimeout)
		for _, j := range jobs {
			if j.cmd != "" {
				fmt.Fprintf(w, "  for %s:\n    %s\n", j.names(steps), j.shown)
			}
		}
	}
	if files > 0 {
		fmt.Fprintf(w, "%d password files will be read:\n", files)
		for _, j := range jobs {
			if j.file != "" {
				fmt.Fprintf(w, "  for %s:\n    %s\n", j.names(steps), j.shown)
			}
		}
	}
}

// fetchSecrets runs the password commands and reads the password files of
// the steps that want them, once each, after the person at the terminal
// agreed (or --yes). Without a terminal and without --yes nobody can
// agree: those steps are held (not imported) and held is true. It reports
// whether it fetched any.
func fetchSecrets(e *env, o importOpts, steps []importers.Step, missing map[int]string) (fetched, held bool, err error) {
	jobs := secretJobs(e, o, steps, missing)
	if len(jobs) == 0 {
		return false, false, nil
	}
	if o.dryRun {
		fmt.Fprintln(e.stdout, "a real import would ask before it does this (--yes: without asking):")
		showJobs(e.stdout, o, steps, jobs)
		for _, j := range jobs {
			for _, i := range j.users {
				missing[i] = dryRunCommand
				if j.file != "" {
					missing[i] = dryRunFile
				}
			}
		}
		return false, false, nil
	}
	if !o.yes {
		agreed, err := askConsent(e, o, steps, jobs)
		if errors.Is(err, errNoTerminal) {
			for _, j := range jobs {
				for _, i := range j.users {
					steps[i].Action = importers.Held
				}
			}
			return false, true, nil
		}
		if err != nil {
			return false, false, err
		}
		if !agreed {
			fmt.Fprintln(e.stderr, "not running or reading them: those accounts are imported without a password")
			for _, j := range jobs {
				for _, i := range j.users {
					missing[i] = "its password command was not run (you said no)"
					if j.file != "" {
						missing[i] = "its password file was not read (you said no)"
					}
				}
			}
			return false, false, nil
		}
	}
	for _, j := range jobs {
		pw, why := runJob(e, o, j)
		if why != "" {
			for _, i := range j.users {
				missing[i] = why
			}
			fmt.Fprintf(e.stderr, "imapvault: %s: %s\n", j.names(steps), termtext.Line(why))
			continue
		}
		e.secrets = append(e.secrets, pw)
		for _, i := range j.users {
			steps[i].Account.Password = pw
		}
	}
	return true, false, nil
}

// askConsent shows the jobs and asks on the terminal (never on a piped
// stdin: a script agrees with --yes). errNoTerminal: nobody to ask.
func askConsent(e *env, o importOpts, steps []importers.Step, jobs []*secretJob) (bool, error) {
	t, owned, err := e.terminal()
	if err != nil {
		return false, err
	}
	if owned {
		defer t.Close()
	}
	showJobs(e.stderr, o, steps, jobs)
	fmt.Fprint(e.stderr, "Go ahead? [y/N] ")
	answer, err := bufio.NewReader(t).ReadString('\n')
	if err != nil && !errors.Is(err, io.EOF) {
		return false, fmt.Errorf("import: read answer: %w", err)
	}
	a := strings.ToLower(strings.TrimSpace(answer))
	return a == "y" || a == "yes", nil
}

// runJob runs a command or reads a file; why says what failed (starting
// "the password command ..." or "the password file ...").
func runJob(e *env, o importOpts, j *secretJob) (pw, why string) {
	if j.file != "" {
		pw, err := importers.ReadPassFile(j.file, e.getenv("HOME"))
		if err != nil {
			var pe *os.PathError
			if errors.As(err, &pe) {
				err = pe.Err
			}
			return "", "the password file " + termtext.Line(j.file) + " could not be read: " + err.Error()
		}
		return pw, ""
	}
	pw, err := importers.RunCommand(context.Background(), j.cmd, o.cmdTimeout)
	if err != nil {
		why := "the password command " + err.Error()
		var ce *importers.CommandError
		if errors.As(err, &ce) && strings.TrimSpace(ce.Stderr) != "" {
			why += "; it said: " + termtext.LineN(strings.TrimSpace(ce.Stderr), 200)
		}
		return "", why
	}
	return pw, ""
}
