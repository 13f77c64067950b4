package vault

import "slices"

// Clone returns a deep copy of v: no slice, map or pointer is shared, so the
// copy can serve as a merge base while v goes on changing. Strings are
// immutable and shared. A field added to the model must be copied here too;
// TestCloneCoversEveryField fails until it is.
func (v *Vault) Clone() *Vault {
	if v == nil {
		return nil
	}
	c := *v
	c.Accounts = make([]*Account, len(v.Accounts))
	for i, a := range v.Accounts {
		c.Accounts[i] = a.Clone()
	}
	c.KeyHistory = slices.Clone(v.KeyHistory)
	c.Recipients = slices.Clone(v.Recipients)
	for i := range c.Recipients {
		c.Recipients[i].Removed = clonePtr(c.Recipients[i].Removed)
	}
	return &c
}

// Clone returns a deep copy of a.
func (a *Account) Clone() *Account {
	if a == nil {
		return nil
	}
	c := *a
	c.Tags = slices.Clone(a.Tags)
	c.Policy = clonePtr(a.Policy)
	c.History = slices.Clone(a.History)
	c.Pending = clonePtr(a.Pending)
	c.LastCheck = a.LastCheck.clone()
	c.Accepted = slices.Clone(a.Accepted)
	for i := range c.Accepted {
		c.Accepted[i].Until = clonePtr(c.Accepted[i].Until)
	}
	c.HookEnv = slices.Clone(a.HookEnv)
	if a.OAuth != nil {
		o := *a.OAuth
		o.Scopes = slices.Clone(a.OAuth.Scopes)
		c.OAuth = &o
	}
	c.Strength = clonePtr(a.Strength)
	c.SMTP = clonePtr(a.SMTP)
	c.RecipeSettings = slices.Clone(a.RecipeSettings)
	return &c
}

func (c *Check) clone() *Check {
	if c == nil {
		return nil
	}
	d := *c
	d.TLS = clonePtr(c.TLS)
	d.Capabilities = slices.Clone(c.Capabilities)
	d.SMTP = c.SMTP.clone()
	if c.Posture != nil {
		p := *c.Posture
		p.Findings = slices.Clone(c.Posture.Findings)
		d.Posture = &p
	}
	return &d
}

func clonePtr[T any](p *T) *T {
	if p == nil {
		return nil
	}
	c := *p
	return &c
}
