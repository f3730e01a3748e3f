package integrations

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/billy-mcp/billy-mcp/plugins/internal/confirm"
	"github.com/billy-mcp/billy-mcp/sdk"
)

// What the user answered the confirmation form of a write.
type answer int

const (
	// noForm: the client cannot show a form, or showing it failed; the
	// tool hands out a confirmation token instead.
	noForm answer = iota
	confirmed
	cancelled
	declined
)

// askUser shows the user a yes/no form for a write (question is its text,
// tick the checkbox's) when the client can show one. sdk.ErrInputRequired
// comes back as it is: a client of MCP 2026-07-28 answers in a round trip.
// writePolicy is its one caller, so every write tool asks alike.
func askUser(ctx context.Context, call *sdk.Call, tool, question, tick string) (answer, error) {
	if !call.ClientCanElicit {
		return noForm, nil
	}
	form := map[string]any{
		"type": "object",
		"properties": map[string]any{
			"confirm": map[string]any{"type": "boolean", "title": "Confirm", "description": tick},
		},
		"required": []string{"confirm"},
	}
	res, err := call.Host.Elicit(ctx, question, form)
	switch {
	case err == nil && res.Action == "accept" && res.Content["confirm"] == true:
		return confirmed, nil
	case err == nil && res.Action == "cancel":
		return cancelled, nil
	case err == nil:
		return declined, nil
	case errors.Is(err, sdk.ErrInputRequired):
		return noForm, err
	}
	_ = call.Host.Log(ctx, sdk.LogWarning, "confirmation form failed; returning a confirmation token instead", map[string]any{"tool": tool})
	return noForm, nil
}

// writeStep is where the write policy leaves a destructive call: a dry
// run, writes off, direct or confirmed (execute), a token to hand out, or
// the user's no.
type writeStep int

const (
	stepDryRun writeStep = iota
	stepExecute
	stepIssueToken
	stepCancelled
	stepDeclined
)

// writePolicy decides a write by dry_run, the deployment's writes.mode,
// the confirmation token (checked against b) and, when the client can show
// one, the user's form: the same steps import_webshop_order takes.
func (p *plugin) writePolicy(ctx context.Context, call *sdk.Call, tool string, dryRun bool, token string, b confirm.Binding, question, tick string) (writeStep, error) {
	if dryRun {
		return stepDryRun, nil
	}
	mode := call.WritesMode
	if mode == "" {
		mode = sdk.WritesConfirm
	}
	switch mode {
	case sdk.WritesOff:
		return 0, sdk.NewError(sdk.CategoryForbidden, "writes_disabled",
			"writes are disabled on this deployment (writes.mode: off), so %s wrote nothing; dry_run: true still shows what would be sent", tool)
	case sdk.WritesDirect:
		return stepExecute, nil
	case sdk.WritesConfirm:
	default:
		return 0, sdk.NewError(sdk.CategoryForbidden, "writes_mode_unknown", "the host sent an unknown write policy %q, so nothing was written", mode)
	}
	if token != "" {
		if err := p.tokens.Use(ctx, call.Host, token, b); err != nil {
			return 0, err
		}
		return stepExecute, nil
	}
	switch ans, err := askUser(ctx, call, tool, question, tick); {
	case err != nil:
		return 0, err
	case ans == confirmed:
		return stepExecute, nil
	case ans == cancelled:
		return stepCancelled, nil
	case ans == declined:
		return stepDeclined, nil
	}
	return stepIssueToken, nil
}

// wording is how a write tool says a write that did not run: what it
// would do (Action), the participle after "nothing was" ("written",
// "sent", "uploaded"), what the user should be shown before agreeing
// ("the report"), what a second call repeats ("the same arguments"), and
// the tail of the dry run's message after the action.
type wording struct {
	Tool, Action, Nothing, Show, Same, DryRunTail string
}

// held is the status and message of a write that did not run, and for
// stepIssueToken the token (bound to b) and its expiry.
type held struct {
	Status, Message, Token, ExpiresAt string
}

// hold words the steps other than stepExecute, so every write tool
// reports a dry run, a refusal by the user and a token to hand out in the
// same words.
func (p *plugin) hold(step writeStep, b confirm.Binding, w wording) held {
	switch step {
	case stepDryRun:
		return held{Status: "dry_run", Message: "dry run: nothing was " + w.Nothing + "; " + w.Action + w.DryRunTail}
	case stepCancelled:
		return held{Status: "cancelled", Message: "the user cancelled; nothing was " + w.Nothing}
	case stepDeclined:
		return held{Status: "declined", Message: "the user did not confirm; nothing was " + w.Nothing}
	}
	token, exp := p.tokens.Issue(b)
	return held{Status: "confirmation_required", Token: token, ExpiresAt: exp.UTC().Format(time.RFC3339),
		Message: fmt.Sprintf("nothing was %s yet: %s. Show %s to the user; if they agree, call %s again with %s and confirmation_token within %d minutes.",
			w.Nothing, w.Action, w.Show, w.Tool, w.Same, int(confirm.TTL.Minutes()))}
}
