package oauth

import (
	"errors"
	"runtime"

	"github.com/imapvault/imapvault/vault"
)

// Headless reports whether a browser opened here would be out of the
// person's reach: no X11 or Wayland display (on the systems that use
// them), or a session over ssh, whose person sits at another machine.
func Headless(getenv func(string) string) bool {
	if getenv("SSH_CONNECTION") != "" {
		return true
	}
	switch runtime.GOOS {
	case "darwin", "windows":
		return false
	}
	return getenv("DISPLAY") == "" && getenv("WAYLAND_DISPLAY") == ""
}

// ChooseFlow picks the login flow for o: --browser or --device when the
// person said so; Google always the browser (its device flow cannot grant
// the Gmail scope); Microsoft the device flow; elsewhere the device flow
// where a browser would be out of reach and the server has one. note says
// why when the choice is not what the person asked for.
func ChooseFlow(o *vault.OAuth, device, browser bool, getenv func(string) string) (useDevice bool, note string, err error) {
	if device && browser {
		return false, "", errors.New("--device and --browser exclude each other")
	}
	switch {
	case o.Provider == Google && !browser:
		if device {
			note = "Google's device flow cannot grant Gmail's scope (https://mail.google.com/): using the browser flow instead"
		}
		return false, note, nil
	case browser:
		if o.AuthURL == "" {
			return false, "", errors.New("this provider has no authorization endpoint for the browser flow (--auth-url); use --device")
		}
		return false, "", nil
	case device:
		if o.DeviceURL == "" {
			return false, "", errors.New("this provider has no device authorization endpoint (--device-url); use --browser")
		}
		return true, "", nil
	case o.DeviceURL == "":
		return false, "", nil
	case o.AuthURL == "", o.Provider == Microsoft, Headless(getenv):
		return true, "", nil
	}
	return false, "", nil
}
