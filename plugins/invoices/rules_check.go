package invoices

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/billy-mcp/billy-mcp/sdk"
)

// rulesCheck offers the Danish invoice rules before an approval: it asks
// the moms plugin's moms_check_invoice (momsbekendtgørelsen chap. 12:
// the full invoice's fields, numbering, reverse-charge and EU notations,
// VAT numbers, EAN for public buyers) about the draft, and says in one
// line of the preview what it found, so the user sees it before agreeing.
// It is advice, never a gate: where the check cannot be made (a
// deployment without the moms plugin, a caller without moms:read, an
// error) the preview is as it was and the approval goes ahead.
func rulesCheck(ctx context.Context, call *sdk.Call, invoiceID string) (string, bool) {
	res, err := call.Host.CallTool(ctx, "moms_check_invoice", map[string]any{"invoiceId": invoiceID})
	if err != nil || res == nil || res.IsError || len(res.Structured) == 0 {
		return "", false
	}
	var out struct {
		Kind     string `json:"kind"`
		Findings []struct {
			Rule, Severity, Message string
		} `json:"findings"`
	}
	if err := json.Unmarshal(res.Structured, &out); err != nil {
		return "", false
	}
	var errs, warns []string
	for _, f := range out.Findings {
		s := fmt.Sprintf("%s (%s)", f.Message, f.Rule)
		switch f.Severity {
		case "error":
			errs = append(errs, s)
		case "warning":
			warns = append(warns, s)
		}
	}
	switch {
	case len(errs) > 0:
		line := fmt.Sprintf("Danish invoice rules (moms_check_invoice): %d error(s), fix before approving: %s", len(errs), strings.Join(errs, "; "))
		if len(warns) > 0 {
			line += fmt.Sprintf("; %d warning(s): %s", len(warns), strings.Join(warns, "; "))
		}
		return line, true
	case len(warns) > 0:
		return fmt.Sprintf("Danish invoice rules (moms_check_invoice): no errors; %d warning(s): %s", len(warns), strings.Join(warns, "; ")), true
	}
	return fmt.Sprintf("Danish invoice rules (moms_check_invoice): no errors or warnings (a %s invoice)", out.Kind), true
}
