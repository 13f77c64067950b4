package recipe

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
)

// jmapClient makes one JMAP method call per request (RFC 8620 section 3):
// each answer is checked on its own, so an error names the method.
type jmapClient struct {
	api     string
	header  http.Header
	account string
}

// jmapSetError is a SetError (RFC 8620 section 5.3).
type jmapSetError struct {
	Type        string   `json:"type"`
	Description string   `json:"description"`
	Properties  []string `json:"properties"`
}

func (e jmapSetError) String() string {
	s := e.Type
	if len(e.Properties) > 0 {
		s += " (" + strings.Join(e.Properties, ", ") + ")"
	}
	if e.Description != "" {
		s += ": " + e.Description
	}
	return answer([]byte(s))
}

// call sends method with args (accountId added) and returns its answer's
// arguments; a method-level or request-level error is an error naming it.
func (c *jmapClient) call(ctx context.Context, method string, args map[string]any) (json.RawMessage, error) {
	args["accountId"] = c.account
	body, err := json.Marshal(map[string]any{
		"using":       []string{jmapCore, jmapStalwart},
		"methodCalls": []any{[]any{method, args, "c0"}},
	})
	if err != nil {
		return nil, err
	}
	defer clear(body) // an x:Account/set carries the new password
	code, ans, err := send(ctx, http.MethodPost, c.api, "application/json", body, c.header)
	if err != nil {
		return nil, err
	}
	if code != http.StatusOK {
		// A request-level error is an RFC 7807 problem: type and detail.
		var p struct{ Type, Detail string }
		if json.Unmarshal(ans, &p) == nil && p.Type != "" {
			return nil, fmt.Errorf("Stalwart refused %s (HTTP %d): %s", method, code, answer([]byte(p.Type+": "+p.Detail)))
		}
		return nil, fmt.Errorf("Stalwart refused %s (HTTP %d): %s", method, code, answer(ans))
	}
	var resp struct {
		MethodResponses [][]json.RawMessage `json:"methodResponses"`
	}
	if err := json.Unmarshal(ans, &resp); err != nil || len(resp.MethodResponses) != 1 || len(resp.MethodResponses[0]) != 3 {
		return nil, fmt.Errorf("Stalwart's answer to %s is not a JMAP response: %s", method, answer(ans))
	}
	var name string
	_ = json.Unmarshal(resp.MethodResponses[0][0], &name)
	out := resp.MethodResponses[0][1]
	if name == "error" {
		var e jmapSetError
		_ = json.Unmarshal(out, &e)
		return nil, fmt.Errorf("Stalwart refused %s: %s", method, e)
	}
	if name != method {
		return nil, fmt.Errorf("Stalwart answered %s with %s", method, answer([]byte(name)))
	}
	return out, nil
}
