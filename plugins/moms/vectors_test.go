package moms

import (
	"context"
	"encoding/json"
	"testing"

	"github.com/billy-mcp/billy-mcp/sdk/sdktest"
	"github.com/google/go-cmp/cmp"
)

// TestComplianceVectors runs every test vector of danish-compliance.md §7
// through the tools, as a client calls them. Each row names its vector;
// want is the part of the tool's answer the vector fixes.
func TestComplianceVectors(t *testing.T) {
	f := newFakeBooks()
	seedChart(f)
	h := startMoms(t, f)
	h360 := startMoms(t, f, sdktest.WithConfig(map[string]any{"interest_day_count": "actual/360"}))
	type row struct {
		name string
		h    *sdktest.Harness
		tool string
		args any
		// pick is the part of the structured answer compared with want.
		pick func(m map[string]any) any
		want any
	}
	field := func(keys ...string) func(map[string]any) any {
		return func(m map[string]any) any {
			out := map[string]any{}
			for _, k := range keys {
				out[k] = m[k]
			}
			return out
		}
	}
	periodDeadline := func(period string) func(map[string]any) any {
		return func(m map[string]any) any {
			for _, p := range m["periods"].([]any) {
				p := p.(map[string]any)
				if p["period"] == period {
					return p["deadline"]
				}
			}
			return nil
		}
	}
	returnField := func(key string) func(map[string]any) any {
		return func(m map[string]any) any {
			for _, fl := range m["fields"].([]any) {
				fl := fl.(map[string]any)
				if fl["key"] == key {
					return map[string]any{"amount": fl["amount"], "exact": fl["exact"]}
				}
			}
			return nil
		}
	}
	invoice := func(net float64, buyerVAT string) *InvoiceData {
		return &InvoiceData{Number: "7", Date: "2026-03-10",
			Seller: Seller{Name: "Hansen ApS", Address: "Vestergade 1, 8000 Aarhus C", VATNumber: "13748136"},
			Buyer:  Party{Name: "Jens Jensen", Address: "Bakken 4, 5000 Odense C", VATNumber: buyerVAT},
			Lines:  []DataLine{{Description: "Lampe", Quantity: 1, UnitPrice: Number(net)}}}
	}
	rows := []row{
		// TV1-TV3: CVR.
		{"TV1 13748136 valid", h, "validate_cvr", map[string]any{"cvr": "13748136"}, field("valid"), map[string]any{"valid": true}},
		{"TV2 13585627 invalid", h, "validate_cvr", map[string]any{"cvr": "13585627"}, field("valid"), map[string]any{"valid": false}},
		{"TV2 13585628 valid", h, "validate_cvr", map[string]any{"cvr": "13585628"}, field("valid"), map[string]any{"valid": true}},
		{"TV2 24256790 valid", h, "validate_cvr", map[string]any{"cvr": "24256790"}, field("valid"), map[string]any{"valid": true}},
		{"TV2 24256791 invalid", h, "validate_cvr", map[string]any{"cvr": "24256791"}, field("valid"), map[string]any{"valid": false}},
		{"TV3 10000050 invalid", h, "validate_cvr", map[string]any{"cvr": "10000050"}, field("valid"), map[string]any{"valid": false}},
		{"TV3 10000059 invalid", h, "validate_cvr", map[string]any{"cvr": "10000059"}, field("valid"), map[string]any{"valid": false}},
		{"TV3 DK prefix allowed", h, "validate_cvr", map[string]any{"cvr": "DK13748136"}, field("valid"), map[string]any{"valid": true}},
		// TV4: per category, not per line.
		{"TV4 three lines of 33.33", h, "moms_check_invoice", CheckInvoiceInput{Invoice: &InvoiceData{Number: "1", Date: "2026-03-10",
			Seller: Seller{Name: "Hansen ApS", Address: "Vestergade 1", VATNumber: "13748136"},
			Lines:  []DataLine{{Description: "a", Quantity: 1, UnitPrice: 33.33}, {Description: "b", Quantity: 1, UnitPrice: 33.33}, {Description: "c", Quantity: 1, UnitPrice: 33.33}}}},
			field("vat", "gross"), map[string]any{"vat": 25.0, "gross": 124.99}},
		{"TV4 calculate_vat on the base", h, "calculate_vat", VATInput{Amount: 99.99, Direction: "net_to_gross"}, field("vat", "gross"), map[string]any{"vat": 25.0, "gross": 124.99}},
		// TV5: VAT in a VAT-inclusive price.
		{"TV5 gross 1249.00", h, "calculate_vat", VATInput{Amount: 1249, Direction: "gross_to_net"}, field("vat", "net"), map[string]any{"vat": 249.8, "net": 999.2}},
		// TV7: quarterly and half-yearly deadlines.
		{"TV7 Q1 2025", h, "vat_deadlines", DeadlinesInput{PeriodKind: "quarterly", Year: 2025}, periodDeadline("2025-Q1"), "2025-06-02"},
		{"TV7 Q4 2025", h, "vat_deadlines", DeadlinesInput{PeriodKind: "quarterly", Year: 2025}, periodDeadline("2025-Q4"), "2026-03-02"},
		{"TV7 Q1 2026", h, "vat_deadlines", DeadlinesInput{PeriodKind: "quarterly", Year: 2026}, periodDeadline("2026-Q1"), "2026-06-01"},
		{"TV7 Q3 2026", h, "vat_deadlines", DeadlinesInput{PeriodKind: "quarterly", Year: 2026}, periodDeadline("2026-Q3"), "2026-12-01"},
		{"TV7 H1 2024", h, "vat_deadlines", DeadlinesInput{PeriodKind: "half_yearly", Year: 2024}, periodDeadline("2024-H1"), "2024-09-02"},
		{"TV7 H2 2024", h, "vat_deadlines", DeadlinesInput{PeriodKind: "half_yearly", Year: 2024}, periodDeadline("2024-H2"), "2025-03-03"},
		{"TV7 H2 2026", h, "vat_deadlines", DeadlinesInput{PeriodKind: "half_yearly", Year: 2026}, periodDeadline("2026-H2"), "2027-03-01"},
		// TV11: morarente, 30 days at 3.75 + 8 %.
		{"TV11 actual/365", h, "late_payment_charges", LateInput{Amount: 10000, DueDate: "2024-01-31", PaidDate: "2024-03-01", Debtor: "business"},
			field("interest", "days_overdue"), map[string]any{"interest": 96.58, "days_overdue": 30.0}},
		// The reference's "30/360" row divides 30 actual days by 360:
		// that is actual/360 (30E/360 counts 31 days from 31 January to
		// 1 March).
		{"TV11 30 days over 360", h360, "late_payment_charges", LateInput{Amount: 10000, DueDate: "2024-01-31", PaidDate: "2024-03-01", Debtor: "business"},
			field("interest"), map[string]any{"interest": 97.92}},
		// TV12: FIK +71.
		{"TV12 1234", h, "fik_code", FIKInput{Number: "1234", Creditor: "81234567"}, field("payment_id", "code_line"),
			map[string]any{"payment_id": "000000000012344", "code_line": "+71<000000000012344+81234567<"}},
		{"TV12 1", h, "fik_code", FIKInput{Number: "1"}, field("payment_id"), map[string]any{"payment_id": "000000000000018"}},
		{"TV12 2", h, "fik_code", FIKInput{Number: "2"}, field("payment_id"), map[string]any{"payment_id": "000000000000026"}},
		{"TV12 ...12345 invalid", h, "fik_code", FIKInput{Code: "000000000012345"}, field("valid", "reason"), map[string]any{"valid": false, "reason": "check_digit"}},
		{"TV12 026840149965328 valid", h, "fik_code", FIKInput{Code: "026840149965328"}, field("valid"), map[string]any{"valid": true}},
		// TV13: IBAN.
		{"TV13 DK5000400440116243 valid", h, "validate_iban", map[string]any{"iban": "DK5000400440116243"}, field("valid"), map[string]any{"valid": true}},
		{"TV13 DK5100400440116243 invalid", h, "validate_iban", map[string]any{"iban": "DK5100400440116243"}, field("valid"), map[string]any{"valid": false}},
		// TV15: the simplified-invoice threshold, 3,000 kr. incl. VAT.
		{"TV15 2999.00", h, "moms_check_invoice", CheckInvoiceInput{Invoice: invoice(2399.20, "")}, field("kind", "gross"), map[string]any{"kind": "simplified", "gross": 2999.0}},
		{"TV15 3000.00", h, "moms_check_invoice", CheckInvoiceInput{Invoice: invoice(2400, "")}, field("kind", "gross"), map[string]any{"kind": "simplified", "gross": 3000.0}},
		{"TV15 3000.01", h, "moms_check_invoice", CheckInvoiceInput{Invoice: invoice(2400.01, "")}, field("kind", "gross"), map[string]any{"kind": "full", "gross": 3000.01}},
		{"TV15 registered buyer", h, "moms_check_invoice", CheckInvoiceInput{Invoice: invoice(100, "24256790")}, field("kind"), map[string]any{"kind": "full"}},
		// TV18: cash rounding.
		{"TV18 37.24", h, "calculate_vat", VATInput{Amount: 37.24, Direction: "gross_to_net"}, field("cash_gross"), map[string]any{"cash_gross": 37.0}},
		{"TV18 37.25", h, "calculate_vat", VATInput{Amount: 37.25, Direction: "gross_to_net"}, field("cash_gross"), map[string]any{"cash_gross": 37.5}},
		{"TV18 37.74", h, "calculate_vat", VATInput{Amount: 37.74, Direction: "gross_to_net"}, field("cash_gross"), map[string]any{"cash_gross": 37.5}},
		{"TV18 37.75", h, "calculate_vat", VATInput{Amount: 37.75, Direction: "gross_to_net"}, field("cash_gross"), map[string]any{"cash_gross": 38.0}},
		// TV19: first fiscal year and retention.
		{"TV19 first year ends 2025-12-31, not 2026", h, "fiscal_periods", FiscalInput{Date: "2025-06-01", YearEndMonth: 12, FirstStart: "2025-03-15", FirstEnd: "2026-12-31"},
			func(m map[string]any) any {
				fy := m["first_year"].(map[string]any)
				return map[string]any{"latest": fy["latest_end"], "ok": fy["proposed_ok"], "retain": m["retain_until"]}
			}, map[string]any{"latest": "2025-12-31", "ok": false, "retain": "2030-12-31"}},
		{"TV19 FY 2024/25 kept until 2030-06-30", h, "fiscal_periods", FiscalInput{Date: "2025-02-01", YearEndMonth: 6, Turnover: numberPtr(1)},
			field("retain_until"), map[string]any{"retain_until": "2030-06-30"}},
		// TV20: the VAT period by turnover.
		{"TV20 5,000,000 half-yearly", h, "fiscal_periods", FiscalInput{Date: "2027-01-01", YearEndMonth: 12, Turnover: numberPtr(5_000_000)},
			func(m map[string]any) any { return m["vat_period"].(map[string]any)["kind"] }, "half_yearly"},
		{"TV20 5,000,001 quarterly", h, "fiscal_periods", FiscalInput{Date: "2027-01-01", YearEndMonth: 12, Turnover: numberPtr(5_000_001)},
			func(m map[string]any) any { return m["vat_period"].(map[string]any)["kind"] }, "quarterly"},
		{"TV20 50,000,001 monthly", h, "fiscal_periods", FiscalInput{Date: "2027-01-01", YearEndMonth: 12, Turnover: numberPtr(50_000_001)},
			func(m map[string]any) any { return m["vat_period"].(map[string]any)["kind"] }, "monthly"},
		{"TV20 new business quarterly", h, "fiscal_periods", FiscalInput{Date: "2027-01-01", YearEndMonth: 12, Turnover: numberPtr(100_000), NewBusiness: true},
			func(m map[string]any) any { return m["vat_period"].(map[string]any)["kind"] }, "quarterly"},
		// TV16 through the return, from given totals: 25 % of 250.00.
		{"TV16 restaurant, from totals", h, "moms_return", ReturnInput{Totals: map[string]Number{"koebsmoms": 62.50}}, returnField("koebsmoms"),
			map[string]any{"amount": 62.0, "exact": 62.5}},
	}
	for _, r := range rows {
		t.Run(r.name, func(t *testing.T) {
			res, err := r.h.CallTool(context.Background(), r.tool, r.args)
			if err != nil {
				t.Fatal(err)
			}
			var m map[string]any
			if err := json.Unmarshal(res.Structured, &m); err != nil {
				t.Fatalf("%s: %v", res.Structured, err)
			}
			if diff := cmp.Diff(r.want, r.pick(m)); diff != "" {
				t.Errorf("%s (-want +got):\n%s", r.tool, diff)
			}
		})
	}
}

// TestVectorsInTheBooks: the vectors about purchases, through the return
// computed from books: TV16 (a restaurant bill of 1,250.00 incl. 250.00
// VAT deducts 62.50; gifts deduct nothing) and TV4 (an invoice's VAT is
// the category's, as Billy's invoice carries it).
func TestVectorsInTheBooks(t *testing.T) {
	f := newFakeBooks()
	seedChart(f)
	b := &bookBuilder{f: f}
	b.bill("bill", "2026-01-10", "R1", "c-dk", "DKK", "1", false, line{rate: "tr-r25", desc: "Frokost", net: "1000.00", tax: "250.00", account: 2430})
	b.bill("bill", "2026-02-10", "G1", "c-dk", "DKK", "1", false, line{rate: "tr-rep", desc: "Gaver", net: "400.00", tax: "100.00", account: 2420})
	h := startMoms(t, f)
	var out ReturnOutput
	if err := h.CallToolInto(context.Background(), "moms_return", ReturnInput{Period: "2026-Q1"}, &out); err != nil {
		t.Fatal(err)
	}
	for _, fl := range out.Fields {
		if fl.Key != "koebsmoms" {
			continue
		}
		var got []string
		for _, e := range fl.Evidence {
			got = append(got, e.No+" "+e.Amount.String())
		}
		if diff := cmp.Diff([]string{"R1 62.5"}, got); diff != "" {
			t.Errorf("købsmoms evidence (-want +got):\n%s", diff)
		}
		if fl.Exact.String() != "62.5" || fl.Amount.String() != "62" {
			t.Errorf("købsmoms %s (exact %s), want 62 (62.50)", fl.Amount, fl.Exact)
		}
	}
}
