package integrations

import (
	"context"
	"errors"

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
// One definition for the write tools (record_bank_payments, the voucher
// tools, import_webshop_order, and credit_webshop_refund through
// writePolicy), so they ask alike.
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
