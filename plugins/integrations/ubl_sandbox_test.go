package integrations

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/billy-mcp/billy-mcp/sandbox"
	"github.com/billy-mcp/billy-mcp/sdk"
	"github.com/billy-mcp/billy-mcp/sdk/sdktest"
	"github.com/google/go-cmp/cmp"
	"github.com/shopspring/decimal"
)

// sandboxCall sends one request to the sandbox's handler, as Billy's API
// answers it.
func sandboxCall(srv http.Handler, method, path string, query map[string][]string, body any) (int, []byte) {
	u := "/v2" + path
	if len(query) > 0 {
		q := make([]string, 0, len(query))
		for k, vs := range query {
			for _, v := range vs {
				q = append(q, k+"="+v)
			}
		}
		u += "?" + strings.Join(q, "&")
	}
	var rd *bytes.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		rd = bytes.NewReader(b)
	} else {
		rd = bytes.NewReader(nil)
	}
	req := httptest.NewRequest(method, u, rd)
	req.Header.Set("X-Access-Token", "test")
	req.Header.Set("Content-Type", "application/json")
	rec := httptest.NewRecorder()
	srv.ServeHTTP(rec, req)
	return rec.Code, rec.Body.Bytes()
}

// TestEinvoiceXMLSandbox: einvoice_xml end to end through the plugin's
// harness against the sandbox (Billy's API as the sandbox models it): an
// approved invoice to a public buyer with a discounted line, and a credit
// note of it, rendered in both formats; each passes our rule check, its
// totals are Billy's own (read from the sandbox directly, not through the
// tool), the XSD step says it did not run and why, and the summary is
// Danish. An unknown invoice and format are refused.
func TestEinvoiceXMLSandbox(t *testing.T) {
	now := time.Date(2026, 11, 27, 12, 0, 0, 0, time.UTC)
	srv, err := sandbox.New(sandbox.Options{Seed: 1, Business: sandbox.BusinessService, Now: func() time.Time { return now }})
	if err != nil {
		t.Fatal(err)
	}
	must := func(method, path string, body any) map[string]json.RawMessage {
		t.Helper()
		code, b := sandboxCall(srv, method, path, nil, body)
		var out map[string]json.RawMessage
		if err := json.Unmarshal(b, &out); err != nil || code != 200 {
			t.Fatalf("%s %s: %d %s", method, path, code, b)
		}
		return out
	}
	firstID := func(m map[string]json.RawMessage, root string) string {
		t.Helper()
		var l []struct {
			ID string `json:"id"`
		}
		if err := json.Unmarshal(m[root], &l); err != nil || len(l) == 0 {
			t.Fatalf("no %s in %s", root, m[root])
		}
		return l[0].ID
	}
	var org struct {
		ID             string `json:"id"`
		RegistrationNo string `json:"registrationNo"`
	}
	_ = json.Unmarshal(must("GET", "/organization", nil)["organization"], &org)
	if cvrOf(org.RegistrationNo) == "" {
		must("PUT", "/organizations/"+org.ID, map[string]any{"organization": map[string]any{"registrationNo": "12345678"}})
	}
	contact := firstID(must("POST", "/contacts", map[string]any{"contact": map[string]any{"type": "company", "name": "Region Test", "countryId": "DK",
		"street": "Skottenborg 26", "zipcodeText": "8800", "cityText": "Viborg", "registrationNo": "29190925", "ean": "5798000000001", "isCustomer": true}}), "contacts")
	product := firstID(must("GET", "/products", nil), "products")
	invID := firstID(must("POST", "/invoices", map[string]any{"invoice": map[string]any{"contactId": contact, "entryDate": "2026-11-20", "state": "approved",
		"orderNo": "PO-4711", "lines": []any{
			map[string]any{"productId": product, "quantity": 2, "unitPrice": 950},
			map[string]any{"productId": product, "description": "Workshop", "quantity": 1, "unitPrice": 6500.5, "discountMode": "percentage_discount", "discountValue": 10, "discountText": "Rabat 10 %"},
		}}}), "invoices")
	cnID := firstID(must("POST", "/invoices", map[string]any{"invoice": map[string]any{"type": "creditNote", "creditedInvoiceId": invID, "contactId": contact,
		"entryDate": "2026-11-25", "state": "approved", "orderNo": "PO-4711", "lines": []any{
			map[string]any{"productId": product, "description": "Kreditering", "quantity": 1, "unitPrice": 950},
		}}}), "invoices")

	h, err := sdktest.Start(t, New(),
		sdktest.WithDataDir(t.TempDir()),
		sdktest.WithCaller(sdk.Caller{Subject: "u", OrganizationID: "org-1", Scopes: []string{"invoices:read"}}),
		sdktest.WithBilly(func(ctx context.Context, req sdk.BillyRequest) (*sdk.BillyResponse, error) {
			code, body := sandboxCall(srv, req.Method, req.Path, req.Query, req.Body)
			return &sdk.BillyResponse{Status: code, Body: body}, nil
		}))
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		id, format, wantFormat, wantType, wantSummary string
	}{
		{invID, "", "peppol-bis-3.0", "Invoice", "Faktura"},
		{invID, "oioubl", "oioubl-2.1", "Invoice", "Faktura"},
		{cnID, "peppol", "peppol-bis-3.0", "CreditNote", "Kreditnota"},
		{cnID, "oioubl", "oioubl-2.1", "CreditNote", "Kreditnota"},
	} {
		t.Run(tc.wantFormat+" "+tc.wantType, func(t *testing.T) {
			var got EinvoiceXMLResult
			args := map[string]any{"invoice_id": tc.id}
			if tc.format != "" {
				args["format"] = tc.format
			}
			if err := h.CallToolInto(context.Background(), "einvoice_xml", args, &got); err != nil {
				t.Fatal(err)
			}
			// Billy's own numbers, read from the sandbox directly.
			var inv struct {
				InvoiceNo   string          `json:"invoiceNo"`
				Amount      decimal.Decimal `json:"amount"`
				Tax         decimal.Decimal `json:"tax"`
				GrossAmount decimal.Decimal `json:"grossAmount"`
			}
			_ = json.Unmarshal(must("GET", "/invoices/"+tc.id, nil)["invoice"], &inv)
			taxExcl := inv.Amount
			if tc.format == "oioubl" {
				taxExcl = inv.Tax
			}
			wantTotals := EinvoiceTotals{LineExtension: inv.Amount.StringFixed(2), TaxExclusive: taxExcl.StringFixed(2), Tax: inv.Tax.StringFixed(2),
				TaxInclusive: inv.GrossAmount.StringFixed(2), Payable: inv.GrossAmount.StringFixed(2)}
			if d := cmp.Diff(wantTotals, got.Totals); d != "" {
				t.Errorf("totals (-Billy's +XML's):\n%s", d)
			}
			if got.Format != tc.wantFormat || got.DocumentType != tc.wantType || got.InvoiceNo != inv.InvoiceNo || got.Currency != "DKK" {
				t.Errorf("got %s %s %s %s", got.Format, got.DocumentType, got.InvoiceNo, got.Currency)
			}
			if !got.RuleCheck.Passed || len(got.RuleCheck.Findings) != 0 || !strings.Contains(got.RuleCheck.Note, "not the official") {
				t.Errorf("rule check: %+v", got.RuleCheck)
			}
			if got.XSD.Ran || !strings.Contains(got.XSD.Note, "not run") {
				t.Errorf("xsd: %+v", got.XSD)
			}
			if !strings.HasPrefix(got.Summary, tc.wantSummary+" "+inv.InvoiceNo) || !strings.Contains(got.Summary, "XSD-validering er ikke kørt") {
				t.Errorf("summary: %s", got.Summary)
			}
			// What the tool says is what the XML holds: checked again here.
			if f := checkEinvoiceXML([]byte(got.XML)); len(f) != 0 {
				t.Errorf("the XML: %s", fmtFindings(f))
			}
			root, err := parseXMLTree([]byte(got.XML))
			if err != nil {
				t.Fatal(err)
			}
			if n := len(root.all("cac:" + tc.wantType + "Line")); n != got.Lines || n == 0 {
				t.Errorf("%d lines in the XML, %d said", n, got.Lines)
			}
			ep := root.at("cac:AccountingCustomerParty", "cac:Party", "cbc:EndpointID")
			wantScheme := map[string]string{"": "0088", "peppol": "0088", "oioubl": "GLN"}[tc.format]
			if ep == nil || strings.TrimSpace(ep.Text) != "5798000000001" || ep.attr("schemeID") != wantScheme {
				t.Errorf("buyer endpoint %+v, want scheme %s", ep, wantScheme)
			}
		})
	}
	var e *sdk.Error
	if err := h.CallToolInto(context.Background(), "einvoice_xml", map[string]any{"invoice_id": "nope"}, &EinvoiceXMLResult{}); !errors.As(err, &e) || e.Code != "invoice_not_found" {
		t.Errorf("unknown invoice: %v", err)
	}
	if err := h.CallToolInto(context.Background(), "einvoice_xml", map[string]any{"invoice_id": invID, "format": "xrechnung"}, &EinvoiceXMLResult{}); !errors.As(err, &e) || !strings.Contains(fmt.Sprint(e.Message, e.Fields), "format") {
		t.Errorf("unknown format: %v", err)
	}
}

// TestEinvoiceXMLSandboxRandom: invoices of random lines (quantities and
// prices with decimals, percentage and cash discounts, prices to four
// decimals, prices with and without VAT, 25 % and exempt lines), made by the sandbox
// (which computes the amounts and VAT as Billy does) and rendered in both
// formats, all pass our rule check: the rendering never breaks the
// arithmetic rules on Billy's own numbers.
func TestEinvoiceXMLSandboxRandom(t *testing.T) {
	now := time.Date(2026, 11, 27, 12, 0, 0, 0, time.UTC)
	srv, err := sandbox.New(sandbox.Options{Seed: 1, Business: sandbox.BusinessService, Now: func() time.Time { return now }})
	if err != nil {
		t.Fatal(err)
	}
	post := func(path string, body any) string {
		t.Helper()
		code, b := sandboxCall(srv, "POST", path, nil, body)
		var out map[string]json.RawMessage
		if err := json.Unmarshal(b, &out); err != nil || code != 200 {
			t.Fatalf("POST %s: %d %s", path, code, b)
		}
		for _, root := range []string{"contacts", "invoices"} {
			var l []struct {
				ID string `json:"id"`
			}
			if json.Unmarshal(out[root], &l) == nil && len(l) > 0 {
				return l[0].ID
			}
		}
		t.Fatalf("POST %s: nothing made: %s", path, b)
		return ""
	}
	code, b := sandboxCall(srv, "GET", "/taxRates", nil, nil)
	var rates struct {
		TaxRates []struct {
			ID            string `json:"id"`
			PredefinedTag string `json:"predefinedTag"`
		} `json:"taxRates"`
	}
	if err := json.Unmarshal(b, &rates); err != nil || code != 200 {
		t.Fatalf("GET /taxRates: %d %s", code, b)
	}
	rateOf := map[string]string{}
	for _, r := range rates.TaxRates {
		rateOf[r.PredefinedTag] = r.ID
	}
	if rateOf["dk_sales_25"] == "" || rateOf["dk_sales_exempt"] == "" {
		t.Fatalf("the sandbox has no 25 %% or exempt sales rate: %v", rateOf)
	}
	contact := post("/contacts", map[string]any{"contact": map[string]any{"type": "company", "name": "Region Test", "countryId": "DK",
		"street": "Skottenborg 26", "zipcodeText": "8800", "cityText": "Viborg", "ean": "5798000000001", "isCustomer": true}})
	code, b = sandboxCall(srv, "GET", "/products", nil, nil)
	var products struct {
		Products []struct {
			ID string `json:"id"`
		} `json:"products"`
	}
	if err := json.Unmarshal(b, &products); err != nil || code != 200 || len(products.Products) == 0 {
		t.Fatalf("GET /products: %d %s", code, b)
	}
	h, err := sdktest.Start(t, New(),
		sdktest.WithDataDir(t.TempDir()),
		sdktest.WithBilly(func(ctx context.Context, req sdk.BillyRequest) (*sdk.BillyResponse, error) {
			code, body := sandboxCall(srv, req.Method, req.Path, req.Query, req.Body)
			return &sdk.BillyResponse{Status: code, Body: body}, nil
		}))
	if err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(14, 4))
	amount := func(max int, decimals int32) string {
		return decimal.New(rng.Int64N(int64(max)), -decimals).Add(decimal.New(1, -decimals)).String()
	}
	for i := range 40 {
		var lines []any
		for range 1 + rng.IntN(4) {
			l := map[string]any{"productId": products.Products[rng.IntN(len(products.Products))].ID, "description": fmt.Sprintf("Linje %d", len(lines)+1), "quantity": json.Number(amount(2000, 2)),
				"unitPrice": json.Number(amount(500000, int32(rng.IntN(4)))), "taxRateId": rateOf["dk_sales_25"]}
			switch rng.IntN(6) {
			case 0:
				l["discountMode"], l["discountValue"] = "percentage_discount", json.Number(amount(50, 1))
			case 1:
				l["discountMode"], l["discountValue"] = "cash_discount", json.Number(amount(100, 2))
			case 2:
				// Billy refuses negative prices ("use a credit note"); a
				// small price to many decimals instead.
				l["unitPrice"] = json.Number(amount(1000, 4))
			case 3:
				l["taxRateId"] = rateOf["dk_sales_exempt"]
			}
			lines = append(lines, l)
		}
		taxMode := []string{"excl", "incl"}[rng.IntN(2)]
		id := post("/invoices", map[string]any{"invoice": map[string]any{"contactId": contact, "entryDate": "2026-11-20", "state": "approved",
			"orderNo": fmt.Sprintf("PO-%d", i), "taxMode": taxMode, "lines": lines}})
		for _, format := range []string{formatPeppol, formatOIOUBL} {
			var got EinvoiceXMLResult
			if err := h.CallToolInto(context.Background(), "einvoice_xml", map[string]any{"invoice_id": id, "format": format}, &got); err != nil {
				t.Fatal(err)
			}
			if len(got.RuleCheck.Findings) != 0 {
				t.Errorf("invoice %d (%s, %v) as %s:\n%s", i, taxMode, lines, format, fmtFindings(got.RuleCheck.Findings))
			}
		}
	}
}
