package invoices

import (
	"encoding/json"
	"errors"
	"testing"

	"github.com/billy-mcp/billy-mcp/sdk"
	"github.com/google/go-cmp/cmp"
	"github.com/shopspring/decimal"
)

// refusal is what a test sees of a refused call: the error's category and
// the fields it names, and how far the call got.
type refusal struct {
	Category sdk.Category
	Fields   []string
	Message  string // the first field's message
	Read     bool   // anything was sent to Billy (reads for the plan)
	Writes   int    // writes sent to Billy
}

func refusalOf(e *env, err error) refusal {
	var r refusal
	var se *sdk.Error
	if errors.As(err, &se) {
		r.Category = se.Category
		for _, f := range se.Fields {
			r.Fields = append(r.Fields, f.Field)
		}
		if len(se.Fields) > 0 {
			r.Message = se.Fields[0].Message
		}
	} else if err != nil {
		r.Message = err.Error()
	}
	e.billy.mu.Lock()
	r.Read = len(e.billy.requests) > 0
	e.billy.mu.Unlock()
	r.Writes = len(e.billy.writes())
	return r
}

// A line's total (quantity × unit price) and an invoice's or credit note's
// total are bounded like each amount, and refused as validation naming
// the line or the lines, before anything is written; when every price is
// given, before anything is sent at all.
func TestLineAndInvoiceTotalsAreBounded(t *testing.T) {
	line := func(qty, price any) map[string]any {
		l := map[string]any{"productId": "product-1", "quantity": qty}
		if price != nil {
			l["unitPrice"] = price
		}
		return l
	}
	create := func(taxMode string, lines ...map[string]any) map[string]any {
		args := map[string]any{"contactId": "contact-1", "lines": lines}
		if taxMode != "" {
			args["taxMode"] = taxMode
		}
		return args
	}
	const (
		lineMsg = "the line comes to 1.000.000.000.000.000.000,00 (quantity 1.000.000.000 × unit price 1.000.000.000,00); a line must come to less than 1.000.000.000.000"
	)
	tests := []struct {
		name string
		tool string
		args map[string]any
		want refusal // zero Category: accepted
	}{
		{"1e9 × 1e9, the call that once wrapped", "create_invoice", create("", line(1e9, 1e9)),
			refusal{sdk.CategoryValidation, []string{"lines[0]"}, lineMsg, false, 0}},
		{"a line at the bound", "create_invoice", create("incl", line(1e9, 1000)),
			refusal{sdk.CategoryValidation, []string{"lines[0]"}, "the line comes to 1.000.000.000.000,00 (quantity 1.000.000.000 × unit price 1.000,00); a line must come to less than 1.000.000.000.000", false, 0}},
		{"a line just below, prices including VAT", "create_invoice", create("incl", line(1e9, 999.99)), refusal{}},
		{"the same line with VAT on top", "create_invoice", create("excl", line(1e9, 999.99)),
			refusal{sdk.CategoryValidation, []string{"lines"}, "the lines come to 999.990.000.000,00 excluding VAT, up to 1.249.987.500.000,00 with 25 % VAT; an invoice must come to less than 1.000.000.000.000 including VAT (split it into several invoices)", false, 0}},
		{"no tax mode counts as VAT on top", "create_invoice", create("", line(1, 800000000000)),
			refusal{sdk.CategoryValidation, []string{"lines"}, "the lines come to 800.000.000.000,00 excluding VAT, up to 1.000.000.000.000,00 with 25 % VAT; an invoice must come to less than 1.000.000.000.000 including VAT (split it into several invoices)", false, 0}},
		{"just below with VAT on top", "create_invoice", create("excl", line(1, 799999999999.99)), refusal{}},
		{"lines adding up past the bound", "create_invoice", create("incl", line(1, 400000000000), line(1, 400000000000), line(1, 400000000000)),
			refusal{sdk.CategoryValidation, []string{"lines"}, "the lines come to 1.200.000.000.000,00; an invoice must come to less than 1.000.000.000.000 (split it into several invoices)", false, 0}},
		{"lines adding up to just below", "create_invoice", create("incl", line(1, 499999999999.99), line(1, 500000000000)), refusal{}},
		// The product's price (1000 kr., 1250 kr. with VAT) fills the line
		// in: checked after reading the product, before writing.
		{"a product's price taking a line past the bound", "create_invoice", create("incl", line(1e9, nil)),
			refusal{sdk.CategoryValidation, []string{"lines[0]"}, "the line comes to 1.250.000.000.000,00 (quantity 1.000.000.000 × unit price 1.250,00); a line must come to less than 1.000.000.000.000", true, 0}},
		{"update_invoice with lines past the bound", "update_invoice",
			map[string]any{"invoiceId": "inv-draft", "lines": []any{line(1, 600000000000), line(1, 600000000000)}},
			refusal{sdk.CategoryValidation, []string{"lines"}, "the lines come to 1.200.000.000.000,00; an invoice must come to less than 1.000.000.000.000 (split it into several invoices)", false, 0}},
		{"update_invoice with lines that pass only including VAT", "update_invoice",
			map[string]any{"invoiceId": "inv-draft", "lines": []any{line(1, 900000000000)}},
			refusal{sdk.CategoryValidation, []string{"lines"}, "the lines come to 900.000.000.000,00 kr. excluding VAT, up to 1.125.000.000.000,00 kr. with 25 % VAT; an invoice must come to less than 1.000.000.000.000 including VAT (split it into several invoices)", true, 0}},
		{"update_invoice putting VAT on top of a large draft", "update_invoice",
			map[string]any{"invoiceId": "inv-large-incl", "taxMode": "excl"},
			refusal{sdk.CategoryValidation, []string{"taxMode"}, "the lines come to 900.000.000.000,00 kr. excluding VAT, up to 1.125.000.000.000,00 kr. with 25 % VAT; an invoice must come to less than 1.000.000.000.000 including VAT (split it into several invoices)", true, 0}},
		{"update_invoice keeping the tax mode of a large draft", "update_invoice",
			map[string]any{"invoiceId": "inv-large-incl", "paymentTermsDays": 8}, refusal{}},
		{"a credit note line of 1e9 × 1e9", "create_credit_note",
			map[string]any{"invoiceId": "inv-approved", "lines": []any{line(1e9, 1e9)}},
			refusal{sdk.CategoryValidation, []string{"lines[0]"}, lineMsg, false, 0}},
		{"a credit note past the bound with its VAT", "create_credit_note",
			map[string]any{"invoiceId": "inv-approved", "lines": []any{line(1, 900000000000)}},
			refusal{sdk.CategoryValidation, []string{"lines"}, "the credit note comes to 1.125.000.000.000,00 kr. including VAT; a credit note must come to less than 1.000.000.000.000", true, 0}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t, sdk.WritesDirect)
			seedWrites(e.billy)
			e.billy.invoice("inv-large-incl", "draft", 900000000000, map[string]any{"taxMode": "incl",
				"lines": []any{map[string]any{"id": "line-large", "productId": "product-1", "quantity": 1.0, "unitPrice": 900000000000.0,
					"amount": 720000000000.0, "tax": 180000000000.0, "taxRateId": "tax-s25"}}})
			err := e.call(tt.tool, tt.args, new(json.RawMessage))
			got := refusalOf(e, err)
			if tt.want.Category == "" {
				if err != nil {
					t.Fatalf("refused: %v", err)
				}
				if got.Writes != 1 {
					t.Errorf("%d writes, want 1", got.Writes)
				}
				return
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("refusal (-want +got):\n%s", diff)
			}
		})
	}
}

// checkLineTotals on its own: the edges of a line and of the sum, in a
// currency without minor units too.
func TestCheckLineTotals(t *testing.T) {
	l := func(qty, price string) lineBody {
		return lineBody{ProductID: "p", Quantity: exactPtr(decimal.RequireFromString(qty)), UnitPrice: exactPtr(decimal.RequireFromString(price))}
	}
	unpriced := lineBody{ProductID: "p", Quantity: exactPtr(decimal.New(1, 9))}
	tests := []struct {
		name     string
		lines    []lineBody
		currency string
		vatOnTop bool
		want     string // the field named; "" accepted
	}{
		{"nothing", nil, "DKK", true, ""},
		{"a line just below", []lineBody{l("1", "999999999999.99")}, "DKK", false, ""},
		{"a line rounding up to the bound", []lineBody{l("1", "999999999999.995")}, "DKK", false, "lines[0]"},
		{"in whole units, rounding up to the bound", []lineBody{l("1", "999999999999.5")}, "JPY", false, "lines[0]"},
		{"in whole units, just below", []lineBody{l("1", "999999999999.4")}, "JPY", false, ""},
		{"the second line", []lineBody{l("1", "1"), l("1000", "1000000000")}, "DKK", false, "lines[1]"},
		{"a cash discount keeps the line below", []lineBody{{ProductID: "p", Quantity: exactPtr(decimal.NewFromInt(2)),
			UnitPrice: exactPtr(decimal.New(6, 11)), DiscountMode: "cash_discount", DiscountValue: exactPtr(decimal.New(3, 11))}}, "DKK", false, ""},
		{"an unpriced line is left for later", []lineBody{unpriced, l("1", "1")}, "DKK", true, ""},
		{"the sum at the bound", []lineBody{l("1", "500000000000"), l("1", "500000000000")}, "DKK", false, "lines"},
		{"VAT on top at the bound", []lineBody{l("1", "800000000000")}, "DKK", true, "lines"},
		{"VAT included at the same sum", []lineBody{l("1", "800000000000")}, "DKK", false, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got string
			if err := checkLineTotals("lines", tt.lines, tt.currency, tt.vatOnTop); err != nil {
				var se *sdk.Error
				if !errors.As(err, &se) || se.Category != sdk.CategoryValidation || len(se.Fields) != 1 {
					t.Fatalf("not a validation error naming one field: %v", err)
				}
				got = se.Fields[0].Field
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("field (-want +got):\n%s", diff)
			}
		})
	}
}
