package moms

import (
	"context"
	"strings"
	"testing"

	"github.com/billy-mcp/billy-mcp/sdk"
)

// TestPrompts: the VAT close names the period's tools in order and refuses
// a period it cannot read; dunning needs a customer and a known debtor
// kind, and never sends anything.
func TestPrompts(t *testing.T) {
	h := startMoms(t, nil)
	ctx := context.Background()
	res, err := h.GetPrompt(ctx, "moms_close", map[string]string{"period": "2026-Q3"})
	if err != nil {
		t.Fatal(err)
	}
	text := res.Messages[0].Content.(*sdk.TextContent).Text
	for _, want := range []string{`bookkeeping_check {"period": "2026-Q3"}`, `moms_return {"period": "2026-Q3"}`, "Do not claim anything was filed or paid"} {
		if !strings.Contains(text, want) {
			t.Errorf("moms_close lacks %q:\n%s", want, text)
		}
	}
	if strings.Index(text, "bookkeeping_check") > strings.Index(text, "moms_return") {
		t.Error("moms_close: the bookkeeping check comes before the return")
	}
	if _, err := h.GetPrompt(ctx, "moms_close", map[string]string{"period": "Q3"}); err == nil {
		t.Error("moms_close accepted period Q3")
	}
	res, err = h.GetPrompt(ctx, "dunning", map[string]string{"customer": "Jensen ApS", "debtor": "consumer"})
	if err != nil {
		t.Fatal(err)
	}
	text = res.Messages[0].Content.(*sdk.TextContent).Text
	for _, want := range []string{"late_payment_charges", `debtor "consumer"`, "Do not send anything"} {
		if !strings.Contains(text, want) {
			t.Errorf("dunning lacks %q:\n%s", want, text)
		}
	}
	for _, args := range []map[string]string{{}, {"customer": "Jensen ApS", "debtor": "company"}} {
		if _, err := h.GetPrompt(ctx, "dunning", args); err == nil {
			t.Errorf("dunning accepted %v", args)
		}
	}
}
