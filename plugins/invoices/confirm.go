package invoices

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/billy-mcp/billy-mcp/plugins/internal/confirm"
	"github.com/billy-mcp/billy-mcp/sdk"
)

// Every write tool runs through runWrite, so the write policy is applied
// in one place:
//
//  1. plan: validate, read what the write depends on from Billy, and work
//     out the exact requests. Nothing is written.
//  2. dry_run: return the plan, under every write mode.
//  3. writes.mode off: refuse.
//  4. Additive writes (drafts, customers, products, contact persons) run
//     directly under confirm: another edit undoes them, and asking for each
//     would make the tools tiresome without protecting anything.
//  5. Destructive writes under confirm need a confirmation: a valid token
//     from an earlier preview of the same call (tokens.go), or, when the
//     client supports elicitation and no token was sent, a yes from the
//     user in a form. Otherwise the result is the preview and a token.
//  6. execute the planned requests and read the record back from Billy, so
//     the result is what Billy stored, not an echo of the input.

// DryRunOption is the argument every write tool takes.
type DryRunOption struct {
	DryRun bool `json:"dry_run,omitempty"`
}

// Confirmable are the arguments every destructive write tool takes.
type Confirmable struct {
	DryRunOption
	ConfirmationToken string `json:"confirmation_token,omitempty" jsonschema:"from a confirmation_required result"`
}

// Write statuses.
const (
	statusDone      = "done"
	statusConfirm   = "confirmation_required"
	statusDryRun    = "dry_run"
	statusDeclined  = "declined"
	statusCancelled = "cancelled"
	statusNoChange  = "unchanged"
)

// Preview describes a planned write for a human to approve.
type Preview struct {
	Action  string   `json:"action" jsonschema:"what will be done, in one sentence"`
	Current any      `json:"current,omitempty" jsonschema:"the record as Billy has it now"`
	Changes []string `json:"changes" jsonschema:"what will change"`
	Undo    string   `json:"undo" jsonschema:"whether and how it can be undone"`
}

// WriteResult is the output of every write tool.
type WriteResult[T any] struct {
	Status            string      `json:"status" jsonschema:"done (written; record is what Billy stored), confirmation_required (nothing written: show the preview to the user and, if they agree, repeat the call with confirmation_token), dry_run (nothing written), declined or cancelled (the user said no; nothing written), unchanged (nothing needed doing)"`
	Message           string      `json:"message"`
	Record            *T          `json:"record,omitempty" jsonschema:"the record as stored in Billy, read back after the write"`
	Preview           *Preview    `json:"preview,omitempty"`
	Requests          []BillyCall `json:"requests,omitempty" jsonschema:"the exact Billy request(s) that would be sent, in order"`
	ConfirmationToken string      `json:"confirmation_token,omitempty" jsonschema:"single-use; pass it back with the same arguments to execute"`
	ExpiresAt         string      `json:"expires_at,omitempty" jsonschema:"when confirmation_token expires (RFC 3339)"`
}

// plan is a write worked out but not sent.
type plan struct {
	preview  Preview
	requests []BillyCall
	// noop, when set, says the write is unnecessary (the invoice is already
	// voided): nothing is sent and the record is read back as it is.
	noop string
}

// writeSpec describes one write tool call to runWrite.
type writeSpec[T any] struct {
	tool     string
	effect   sdk.Effect
	args     any // the canonical arguments: aliases folded, controls left out
	dryRun   bool
	token    string
	plan     func(ctx context.Context) (*plan, error)
	readBack func(ctx context.Context, answers []*envelope) (*T, error)
}

// errWritesOff is the refusal under writes.mode off.
func errWritesOff(tool string) *sdk.Error {
	return sdk.NewError(sdk.CategoryForbidden, "writes_disabled",
		"writes are disabled on this deployment (config writes.mode: off, environment BILLY_MCP_WRITES=off), so %s wrote nothing; an operator can enable them. dry_run: true still shows what would be sent", tool)
}

func runWrite[T any](ctx context.Context, p *plugin, call *sdk.Call, w writeSpec[T]) (WriteResult[T], error) {
	var out WriteResult[T]
	pl, err := w.plan(ctx)
	if err != nil {
		return out, err
	}
	if pl.noop != "" {
		if w.dryRun {
			return WriteResult[T]{Status: statusDryRun, Message: pl.noop + "; nothing would be sent"}, nil
		}
		if w.token != "" && w.effect == sdk.Destructive && call.WritesMode != sdk.WritesDirect {
			// A token sent for a write that has become unnecessary was
			// either used already or issued for another state: say which,
			// rather than quietly accepting it.
			b, err := bindingFor(call, w.tool, w.args, pl)
			if err != nil {
				return out, err
			}
			if err := p.tokens.Use(ctx, call.Host, w.token, b); err != nil {
				return out, err
			}
		}
		rec, err := w.readBack(ctx, nil)
		if err != nil {
			return out, err
		}
		return WriteResult[T]{Status: statusNoChange, Message: pl.noop + "; nothing was sent", Record: rec}, nil
	}
	if w.dryRun {
		return WriteResult[T]{Status: statusDryRun, Message: "dry run: nothing was written; these are the requests that would be sent to Billy",
			Preview: &pl.preview, Requests: pl.requests}, nil
	}
	mode := call.WritesMode
	if mode == "" {
		// A host that does not say is treated as the safe default.
		mode = sdk.WritesConfirm
	}
	switch mode {
	case sdk.WritesOff:
		return out, errWritesOff(w.tool)
	case sdk.WritesDirect:
		return execute(ctx, call, w, pl)
	case sdk.WritesConfirm:
	default:
		return out, sdk.NewError(sdk.CategoryForbidden, "writes_mode_unknown",
			"the host sent an unknown write policy %q, so %s wrote nothing", mode, w.tool)
	}
	if w.effect != sdk.Destructive {
		return execute(ctx, call, w, pl)
	}

	b, err := bindingFor(call, w.tool, w.args, pl)
	if err != nil {
		return out, err
	}
	if w.token != "" {
		if err := p.tokens.Use(ctx, call.Host, w.token, b); err != nil {
			return out, err
		}
		return execute(ctx, call, w, pl)
	}
	if call.ClientCanElicit {
		res, err := call.Host.Elicit(ctx, elicitMessage(pl), confirmSchema)
		if err == nil {
			switch {
			case res.Action == "accept" && res.Content["confirm"] == true:
				return execute(ctx, call, w, pl)
			case res.Action == "cancel":
				return WriteResult[T]{Status: statusCancelled, Message: "the user cancelled the confirmation; nothing was written", Preview: &pl.preview}, nil
			default:
				return WriteResult[T]{Status: statusDeclined, Message: "the user did not confirm; nothing was written", Preview: &pl.preview}, nil
			}
		}
		if errors.Is(err, sdk.ErrInputRequired) {
			// The client shows the form between two runs of this call
			// (MCP 2026-07-28); nothing is written before the answer.
			return out, err
		}
		// The form could not be shown: fall back to the token, which is
		// just as safe.
		_ = call.Host.Log(ctx, sdk.LogWarning, "confirmation form failed; returning a confirmation token instead", map[string]any{"tool": w.tool, "error": err.Error()})
	}
	token, exp := p.tokens.Issue(b)
	return WriteResult[T]{
		Status: statusConfirm,
		Message: fmt.Sprintf("nothing was written yet: %s. Show the preview to the user; if they agree, call %s again with the same arguments and confirmation_token within %d minutes.",
			pl.preview.Action, w.tool, int(confirm.TTL.Minutes())),
		Preview: &pl.preview, Requests: pl.requests, ConfirmationToken: token, ExpiresAt: exp.UTC().Format(time.RFC3339),
	}, nil
}

// bindingFor builds what a token is bound to. The state is the previewed
// record together with the planned requests, so any change in Billy that
// would change what is sent also invalidates the token.
func bindingFor(call *sdk.Call, tool string, args any, pl *plan) (confirm.Binding, error) {
	a, err := json.Marshal(args)
	if err != nil {
		return confirm.Binding{}, fmt.Errorf("encoding arguments: %w", err)
	}
	s, err := json.Marshal(struct {
		Current  any         `json:"current"`
		Requests []BillyCall `json:"requests"`
	}{pl.preview.Current, pl.requests})
	if err != nil {
		return confirm.Binding{}, fmt.Errorf("encoding state: %w", err)
	}
	return confirm.Binding{Tool: tool, Org: call.Caller.OrganizationID, Principal: call.Caller.Subject, Args: a, State: s}, nil
}

// execute sends the planned requests in order and reads the result back.
func execute[T any](ctx context.Context, call *sdk.Call, w writeSpec[T], pl *plan) (WriteResult[T], error) {
	var out WriteResult[T]
	answers := make([]*envelope, 0, len(pl.requests))
	for i, r := range pl.requests {
		env, err := write(ctx, call, r)
		if err != nil {
			if i > 0 {
				// Billy has no transactions across requests: say what did
				// happen, so nobody repeats it blindly.
				return out, withContext(err, "%s: request %d of %d (%s %s) failed after the earlier one(s) were applied; read the record back before retrying", w.tool, i+1, len(pl.requests), r.Method, r.Path)
			}
			if outcomeUnknown(err) {
				return out, withContext(err, "%s: the answer to %s %s was lost, so Billy may or may not have done it; read the record back before trying again", w.tool, r.Method, r.Path)
			}
			return out, withContext(err, "%s: Billy refused %s %s; nothing was written", w.tool, r.Method, r.Path)
		}
		answers = append(answers, env)
	}
	rec, err := w.readBack(ctx, answers)
	if err != nil {
		// The write happened; failing the call would invite a duplicate.
		return WriteResult[T]{Status: statusDone,
			Message: fmt.Sprintf("%s was done in Billy, but reading the record back failed (%v); read it with the matching get/list tool before doing anything else", strings.TrimSuffix(pl.preview.Action, "."), err)}, nil
	}
	return WriteResult[T]{Status: statusDone, Message: "done: " + pl.preview.Action, Record: rec}, nil
}

// outcomeUnknown says whether a failed write may still have happened: the
// host gateway reports a lost answer as write_outcome_unknown, and an error
// that is not the host's (a cancelled call) says nothing either way.
func outcomeUnknown(err error) bool {
	var e *sdk.Error
	if !errors.As(err, &e) {
		return true
	}
	return e.Code == "write_outcome_unknown"
}

// confirmSchema is the elicitation form: one required yes/no.
var confirmSchema = map[string]any{
	"type": "object",
	"properties": map[string]any{
		"confirm": map[string]any{"type": "boolean", "title": "Confirm",
			"description": "Tick to let the assistant do this in Billy now."},
	},
	"required": []string{"confirm"},
}

func elicitMessage(pl *plan) string {
	var b strings.Builder
	b.WriteString(pl.preview.Action)
	for _, c := range pl.preview.Changes {
		b.WriteString("\n- ")
		b.WriteString(c)
	}
	if pl.preview.Undo != "" {
		b.WriteString("\n")
		b.WriteString(pl.preview.Undo)
	}
	return b.String()
}
