package cli

import (
	"fmt"
)

func init() {
	register(command{name: "completion", summary: "print a shell completion script (bash, zsh or fish)", run: runCompletion})
}

func runCompletion(e *env, args []string) error {
	fs := e.flags("completion", "completion bash|zsh|fish", `
Prints a script that completes imapvault's commands, flags, flag values
(security modes, finding kinds, rotation recipes, clients, import kinds)
and account names in your shell. Account names come from the unlock agent
when it is unlocked, or from the vault when your identity needs no
passphrase; a completion never asks for anything.

  bash:  imapvault completion bash > ~/.local/share/bash-completion/completions/imapvault
  zsh:   imapvault completion zsh > "${fpath[1]}/_imapvault"   (then: compinit)
  fish:  imapvault completion fish > ~/.config/fish/completions/imapvault.fish`)
	pos, err := parse(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return usageErr(fmt.Errorf("completion wants one shell: bash, zsh or fish"), "run 'imapvault completion --help'")
	}
	script, ok := completionScripts[pos[0]]
	if !ok {
		return usageErr(fmt.Errorf("no completion for shell %q (want bash, zsh or fish)", pos[0]), "")
	}
	_, err = fmt.Fprint(e.stdout, script)
	return err
}

// The scripts only hand the line to `imapvault __complete`, which knows
// the commands, flags and values (complete.go).
var completionScripts = map[string]string{
	"bash": `# bash completion for imapvault; install with:
#   imapvault completion bash > ~/.local/share/bash-completion/completions/imapvault
_imapvault() {
    local IFS=$'\n' out directive
    out=$("${COMP_WORDS[0]}" __complete bash "${COMP_LINE:0:COMP_POINT}" 2>/dev/null) || return 0
    directive=${out%%$'\n'*}
    if [[ $directive == '!files' ]]; then
        COMPREPLY=($(compgen -f -- "${COMP_WORDS[COMP_CWORD]}"))
        compopt -o filenames 2>/dev/null
        return 0
    fi
    [[ $directive == '!message' ]] && return 0   # bash has nowhere to show it
    [[ $out == *$'\n'* ]] || return 0
    COMPREPLY=(${out#*$'\n'})
}
complete -F _imapvault imapvault
`,
	"zsh": `#compdef imapvault
# zsh completion for imapvault; install with:
#   imapvault completion zsh > "${fpath[1]}/_imapvault"
_imapvault() {
    local -a out
    out=("${(@f)$(${words[1]} __complete zsh -- "${(@)words[1,CURRENT]}" 2>/dev/null)}")
    if [[ $out[1] == '!files' ]]; then
        _files
    elif [[ $out[1] == '!message' ]]; then
        _message -r "$out[2]"
    elif (( $#out > 1 )); then
        compadd -- "${(@)out[2,-1]}"
    fi
}
if [[ $funcstack[1] == _imapvault ]]; then
    _imapvault "$@"
else
    compdef _imapvault imapvault
fi
`,
	"fish": `# fish completion for imapvault; install with:
#   imapvault completion fish > ~/.config/fish/completions/imapvault.fish
function __imapvault_complete
    set -l out (imapvault __complete fish -- (commandline -opc) (commandline -ct) 2>/dev/null)
    if test "$out[1]" = '!files'
        __fish_complete_path (commandline -ct)
    else if test "$out[1]" = '!message'
        return 0
    else
        printf '%s\n' $out[2..-1]
    end
end
complete -c imapvault -f -a '(__imapvault_complete)'
`,
}
