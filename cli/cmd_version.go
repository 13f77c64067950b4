package cli

import (
	"fmt"
	"runtime"
	"runtime/debug"
)

func init() {
	register(command{name: "version", summary: "print the version, VCS revision and Go version", run: runVersion})
}

func runVersion(e *env, args []string) error {
	fs := e.flags("version", "version", `
Prints imapvault's version, the VCS revision it was built from (with
"modified" when the checkout had uncommitted changes) and the Go version,
from the build information Go stamps into the binary. 'imapvault --version'
prints the same.`)
	pos, err := parse(fs, args)
	if err != nil {
		return err
	}
	if len(pos) > 0 {
		return usageErr(fmt.Errorf("version takes no arguments"), "")
	}
	fmt.Fprintln(e.stdout, versionLine())
	return nil
}

// buildVersion is what the build info says about this binary.
type buildVersion struct {
	version, revision, time, goVersion string
	modified                           bool
}

func readBuildVersion() buildVersion {
	v := buildVersion{version: "(devel)", goVersion: runtime.Version()}
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return v
	}
	if bi.Main.Version != "" {
		v.version = bi.Main.Version
	}
	if bi.GoVersion != "" {
		v.goVersion = bi.GoVersion
	}
	for _, s := range bi.Settings {
		switch s.Key {
		case "vcs.revision":
			v.revision = s.Value
		case "vcs.time":
			v.time = s.Value
		case "vcs.modified":
			v.modified = s.Value == "true"
		}
	}
	return v
}

// versionLine is one line: version, revision (and date), Go version.
func versionLine() string {
	v := readBuildVersion()
	s := "imapvault " + v.version
	if v.revision != "" {
		s += ", revision " + v.revision
		if v.modified {
			s += " (modified)"
		}
		if v.time != "" {
			s += " of " + v.time
		}
	}
	return s + ", built with " + v.goVersion + " for " + runtime.GOOS + "/" + runtime.GOARCH
}
