package moms

import (
	"context"
	"fmt"
	"strings"

	"github.com/billy-mcp/billy-mcp/sdk"
)

// vatRates are the Danish VAT rates in percent. Reference § 1.1 (ML § 33,
// DJV D.A.9): 25 % is the only rate; there are no reduced rates, only 0 %
// for zero-rated supplies (§ 1.2, ML § 34). The proposed 0 % on books would
// not add a rate. The first entry is the default.
var vatRates = []int64{25, 0}

// VATInput is the input of calculate_vat.
type VATInput struct {
	Amount      float64  `json:"amount" jsonschema:"at most 2 decimals; negative for credit notes"`
	Direction   string   `json:"direction" jsonschema:"net_to_gross (amount excludes VAT) or gross_to_net"`
	RatePercent *float64 `json:"rate_percent,omitempty" jsonschema:"25 (default) or 0"`
}

// VATOutput is the output of calculate_vat.
type VATOutput struct {
	Net         float64 `json:"net" jsonschema:"amount excluding VAT"`
	VAT         float64 `json:"vat" jsonschema:"the VAT (moms), rounded to 2 decimals"`
	Gross       float64 `json:"gross" jsonschema:"amount including VAT; always net + vat exactly"`
	RatePercent int64   `json:"rate_percent" jsonschema:"the rate used, in percent"`
	CashGross   float64 `json:"cash_gross" jsonschema:"gross to pay in coins and notes: to 50 øre"`
}

func calculateVATTool() sdk.Tool {
	rate25 := 25.0
	return sdk.NewTool(pureSpec(sdk.ToolSpec{
		Name:  "calculate_vat",
		Title: "Calculate Danish VAT (moms)",
		Description: "Converts an amount between excluding (net) and including (gross) Danish VAT: 25 %, or 0 % for zero-rated supplies. " +
			"The VAT is rounded once to øre; for an invoice, call it once per rate on the summed line net amounts.",
		Examples: []sdk.Example{
			{Title: "1,000 kr excluding moms", Arguments: VATInput{Amount: 1000, Direction: "net_to_gross"}},
			{Title: "The moms in 1,249 kr", Arguments: VATInput{Amount: 1249, Direction: "gross_to_net", RatePercent: &rate25}},
			{Title: "A credit note of -99.99 kr excluding moms", Arguments: VATInput{Amount: -99.99, Direction: "net_to_gross"}},
		},
	}), calculateVAT)
}

func calculateVAT(_ context.Context, _ *sdk.Call, in VATInput) (VATOutput, error) {
	rate, err := vatRate(in.RatePercent)
	if err != nil {
		return VATOutput{}, err
	}
	amount, err := toOre("amount", in.Amount)
	if err != nil {
		return VATOutput{}, err
	}
	var net, vat int64
	switch in.Direction {
	case "net_to_gross":
		// Reference § 1.3 steps 3 and 5: VAT = base × rate / 100, rounded to
		// øre; gross = net + VAT.
		net = amount
		vat = roundDiv(net*rate, 100)
	case "gross_to_net":
		// At 25 % this is 20 % of the gross (momsbek. § 64, "moms udgør 20 %
		// af totalen"; reference TV5). Net is what is left, so the three
		// amounts always add up.
		vat = roundDiv(amount*rate, 100+rate)
		net = amount - vat
	default:
		return VATOutput{}, sdk.Invalid("direction", "must be net_to_gross or gross_to_net, got %q", in.Direction)
	}
	return VATOutput{Net: fromOre(net), VAT: fromOre(vat), Gross: fromOre(net + vat), RatePercent: rate, CashGross: fromOre(cashRound(net + vat))}, nil
}

// cashRound rounds an amount in øre to the nearest 50 øre, 25 and 75 øre
// up (away from zero): what is paid in coins and notes since the 25-øre
// coin went (BEK 928/2008 § 2, reference § 1.3, TV18). Bank and card
// payments are not rounded.
func cashRound(ore int64) int64 { return roundDiv(ore, 50) * 50 }

func vatRate(p *float64) (int64, error) {
	if p == nil {
		return vatRates[0], nil
	}
	allowed := make([]string, len(vatRates))
	for i, r := range vatRates {
		if *p == float64(r) {
			return r, nil
		}
		allowed[i] = fmt.Sprint(r)
	}
	return 0, sdk.Invalid("rate_percent", "Danish VAT rates are %s (percent), got %g; Denmark has no reduced rates",
		strings.Join(allowed, " and "), *p)
}
