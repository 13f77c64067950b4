package rotate

import (
	"github.com/imapvault/imapvault/imapcheck"
	"github.com/imapvault/imapvault/smtpcheck"
)

// Step names what an Event reports.
type Step string

const (
	StepSaved     Step = "saved"     // a new password was generated and saved as pending
	StepApplying  Step = "applying"  // the hook started
	StepApplied   Step = "applied"   // the hook succeeded or the person confirmed
	StepVerifying Step = "verifying" // logins with the new password begin
	StepAttempt   Step = "attempt"   // one login with the new password; Result says how it went
	StepVerified  Step = "verified"  // the new password logged in and is saved as verified
	StepWarning   Step = "warning"   // something the person should know, e.g. the old password still works
	StepCommitted Step = "committed" // the new password is current, the old one in history
	StepAborted   Step = "aborted"   // the pending password moved to history unverified
	StepAfter     Step = "after"     // the after command ran (or runs) after a commit
	StepFailed    Step = "failed"    // a step failed; the rotation stays pending
)

// Event is one piece of progress, for the command line and the TUI to show.
// No field ever holds a password.
type Event struct {
	Account string
	Step    Step
	Message string            // a sentence for a person
	Attempt int               // StepAttempt: 1, 2, ...
	Result  *imapcheck.Result // StepAttempt, and StepWarning about the old password
	SMTP    *smtpcheck.Result // StepAttempt on the account's SMTP endpoint (Result is nil then)
	Output  string            // after a hook: its combined output, passwords redacted
}

// State is how far a rotation got.
type State string

const (
	StatePending   State = "pending"   // saved, not yet applied at the provider
	StateApplied   State = "applied"   // applied, not yet verified
	StateVerified  State = "verified"  // the new password logs in; commit is next
	StateCommitted State = "committed" // finished: the new password is current
	StateAborted   State = "aborted"   // finished: the old password stayed current
)
