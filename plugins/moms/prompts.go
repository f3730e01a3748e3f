package moms

import (
	"context"
	"fmt"
	"strings"

	"github.com/billy-mcp/billy-mcp/sdk"
)

// Prompts an AI platform can offer its users: the periodic VAT close and
// dunning a late payer. They only arrange the tools; every figure comes
// from a tool call.

func (p *plugin) prompts() []sdk.Prompt {
	return []sdk.Prompt{
		{
			Name:        "moms_close",
			Title:       "Close a VAT period (momsafslutning)",
			Description: "Walks through the monthly or quarterly VAT close: bookkeeping check, the return with its evidence, the EU sales list, the deadline.",
			Arguments:   []sdk.PromptArgument{{Name: "period", Description: "2026-Q1, 2026-H1 or 2026-03; default the last ended period"}},
			Get: func(_ context.Context, _ *sdk.Call, args map[string]string) (*sdk.PromptResult, error) {
				period := strings.TrimSpace(args["period"])
				if period != "" {
					if _, err := parsePeriod("period", period); err != nil {
						return nil, err
					}
				}
				which := "the organization's last ended VAT period (leave period out)"
				arg := "{}"
				if period != "" {
					which, arg = "the VAT period "+period, fmt.Sprintf(`{"period": %q}`, period)
				}
				text := fmt.Sprintf(`Close %s in Billy with me, step by step. Use Danish formats for amounts and dates (1.250,00 kr., 1. juni 2026).

1. Call bookkeeping_check %s. Show me the errors and warnings first, each with its rule and the records concerned, and what I should do about each. Ask whether to go on while errors remain.
2. Call moms_return %s. Show the fields as TastSelv Erhverv lists them (salgsmoms, moms af varekøb i udlandet, moms af ydelseskøb i udlandet, købsmoms, the energy duties, afgiftstilsvar, rubrik A, B and C) in whole kroner, then the deadline and whether Billy has settled the period.
3. If complete is false, or a finding is an error or warning, explain it and stop before anything is filed: the return must not be filed from incomplete books.
4. For any field I ask about, list the evidence records (ID, number, date, amount) so I can check them in Billy.
5. If there is an EU sales list, show it per buyer VAT number and say it is filed separately (EU-salg uden moms) and must agree with rubrik B.
6. End with what to do: file on skat.dk (TastSelv Erhverv) by the deadline, pay the afgiftstilsvar by the same day, then mark the period settled in Billy. Do not claim anything was filed or paid.`, which, arg, arg)
				return &sdk.PromptResult{Description: "VAT close for " + which,
					Messages: []sdk.PromptMessage{{Role: "user", Content: &sdk.TextContent{Text: text}}}}, nil
			},
		},
		{
			Name:        "dunning",
			Title:       "Dun a late payer (rykker)",
			Description: "Finds a customer's overdue invoices, computes interest, reminder fees and compensation under renteloven, and drafts a Danish reminder.",
			Arguments: []sdk.PromptArgument{
				{Name: "customer", Description: "the customer's name or contact ID", Required: true},
				{Name: "debtor", Description: "business (default) or consumer"},
			},
			Get: func(_ context.Context, _ *sdk.Call, args map[string]string) (*sdk.PromptResult, error) {
				customer := strings.TrimSpace(args["customer"])
				if customer == "" {
					return nil, sdk.Invalid("customer", "name the customer (its name or contact ID)")
				}
				debtor := strings.TrimSpace(args["debtor"])
				if debtor == "" {
					debtor = "business"
				}
				if debtor != "business" && debtor != "consumer" {
					return nil, sdk.Invalid("debtor", "must be business or consumer, got %q", debtor)
				}
				text := fmt.Sprintf(`Help me dun the customer %q (a %s) for late payment. Use Danish formats for amounts and dates.

1. Find the customer (list_customers) and its unpaid approved invoices (list_invoices); keep those whose due date has passed.
2. For each overdue invoice call late_payment_charges with its balance, due date, debtor %q and the dates of reminders already sent (ask me for them). Show interest, the fees that may be charged and why, and the compensation.
3. Draft a polite reminder (rykker) in Danish: the invoices with number, date, due date and amount, the interest and fees as computed, the total, a new payment date at least 10 days away, and the payment details (ask me for the FIK code or account, or call fik_code).
4. Say which reminder number this is and that at most 3 reminders may carry a fee, at least 10 days apart (renteloven § 9 b), and that a consumer owes no compensation.
5. Do not send anything: show me the draft to send myself.`, customer, debtor, debtor)
				return &sdk.PromptResult{Description: "Dunning " + customer,
					Messages: []sdk.PromptMessage{{Role: "user", Content: &sdk.TextContent{Text: text}}}}, nil
			},
		},
	}
}
