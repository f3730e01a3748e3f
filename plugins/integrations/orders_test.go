package integrations

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/billy-mcp/billy-mcp/plugins/internal/confirm"
	"github.com/billy-mcp/billy-mcp/sdk"
	"github.com/billy-mcp/billy-mcp/sdk/sdktest"
	"github.com/google/go-cmp/cmp"
	"github.com/shopspring/decimal"
)

// orderBilly is the part of Billy the order import uses: products by
// productNo and id, customers with their contact persons, invoices by
// externalId, and creating contacts and invoices.
type orderBilly struct {
	mu       sync.Mutex
	products []map[string]any
	contacts []map[string]any
	persons  []map[string]any
	invoices []map[string]any
	// lines are invoice lines by invoice id.
	lines map[string][]map[string]any
	posts []string
}

func newOrderBilly() *orderBilly {
	return &orderBilly{
		products: []map[string]any{
			{"id": "p-mug", "name": "Kaffekrus", "productNo": "MUG-01", "isArchived": false},
			{"id": "p-tea", "name": "Te 50 g", "productNo": "TEA-50", "isArchived": false},
			{"id": "p-old", "name": "Gammel", "productNo": "OLD-1", "isArchived": true},
			{"id": "p-ship", "name": "Fragt", "productNo": "FRAGT", "isArchived": false},
			{"id": "p-disc", "name": "Rabat", "productNo": "RABAT", "isArchived": false},
		},
		contacts: []map[string]any{
			{"id": "c-mette", "name": "Mette Hansen", "registrationNo": ""},
			{"id": "c-berg", "name": "Berg Tømrer ApS", "registrationNo": "12345678"},
		},
		persons: []map[string]any{{"id": "cp1", "contactId": "c-mette", "email": "Kunde@Example.dk"}},
	}
}

func (f *orderBilly) serve(_ context.Context, req sdk.BillyRequest) (*sdk.BillyResponse, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	ok := func(v map[string]any) (*sdk.BillyResponse, error) {
		v["meta"] = map[string]any{"paging": map[string]any{"page": 1, "pageCount": 1}}
		b, err := json.Marshal(v)
		return &sdk.BillyResponse{Status: 200, Body: b}, err
	}
	notFound := &sdk.BillyResponse{Status: 404, Body: json.RawMessage(`{"errorCode":"RECORD_NOT_FOUND"}`)}
	filter := func(list []map[string]any, key, want string) []map[string]any {
		out := []map[string]any{}
		for _, r := range list {
			if want == "" || fmt.Sprint(r[key]) == want {
				out = append(out, r)
			}
		}
		return out
	}
	q := req.Query
	switch {
	case req.Method == "GET" && req.Path == "/invoices":
		return ok(map[string]any{"invoices": filter(filter(f.invoices, "externalId", q.Get("externalId")), "creditedInvoiceId", q.Get("creditedInvoiceId"))})
	case req.Method == "GET" && req.Path == "/invoiceLines":
		return ok(map[string]any{"invoiceLines": append([]map[string]any{}, f.lines[q.Get("invoiceId")]...)})
	case req.Method == "GET" && req.Path == "/products":
		return ok(map[string]any{"products": filter(f.products, "productNo", q.Get("productNo"))})
	case req.Method == "GET" && strings.HasPrefix(req.Path, "/products/"):
		if p := filter(f.products, "id", strings.TrimPrefix(req.Path, "/products/")); len(p) == 1 {
			return ok(map[string]any{"product": p[0]})
		}
		return notFound, nil
	case req.Method == "GET" && req.Path == "/contacts":
		out := map[string]any{"contacts": filter(f.contacts, "registrationNo", q.Get("registrationNo"))}
		if q.Get("include") == "contact.contactPersons:sideload" {
			out["contactPersons"] = f.persons
		}
		return ok(out)
	case req.Method == "POST" && req.Path == "/contacts":
		b, _ := json.Marshal(req.Body)
		f.posts = append(f.posts, "POST /contacts "+string(b))
		c := map[string]any{"id": fmt.Sprintf("c-new%d", len(f.contacts)), "name": "new"}
		f.contacts = append(f.contacts, c)
		return ok(map[string]any{"contacts": []any{c}})
	case req.Method == "POST" && req.Path == "/invoices":
		b, _ := json.Marshal(req.Body)
		f.posts = append(f.posts, "POST /invoices "+string(b))
		var body struct {
			Invoice struct {
				ExternalID, Type, TaxMode, CreditedInvoiceID string
				Lines                                        []struct{ Quantity, UnitPrice decimal.Decimal }
			} `json:"invoice"`
		}
		_ = json.Unmarshal(b, &body)
		// Totals as the sandbox computes them at 25 % (billy-api.md § 7.3.1).
		sum := decimal.Zero
		for _, l := range body.Invoice.Lines {
			sum = sum.Add(l.Quantity.Mul(l.UnitPrice))
		}
		net, gross := sum, sum.Mul(decimal.RequireFromString("1.25")).Round(2)
		if body.Invoice.TaxMode == "incl" {
			net, gross = sum.Div(decimal.RequireFromString("1.25")).Round(2), sum
		}
		inv := map[string]any{"id": fmt.Sprintf("inv%d", len(f.invoices)+1), "state": "draft", "invoiceNo": nil, "externalId": body.Invoice.ExternalID,
			"type": body.Invoice.Type, "taxMode": body.Invoice.TaxMode, "creditedInvoiceId": body.Invoice.CreditedInvoiceID, "amount": net, "grossAmount": gross}
		f.invoices = append(f.invoices, inv)
		return ok(map[string]any{"invoices": []any{inv}})
	}
	return &sdk.BillyResponse{Status: 404, Body: json.RawMessage(`{"errorCode":"UNKNOWN_RESOURCE"}`)}, nil
}

func readOrder(t *testing.T, name string) json.RawMessage {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", "orders", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

var orderConfig = map[string]any{"shipping_product_id": "p-ship", "discount_product_id": "p-disc"}

// TestOrderPreviews compares the dry-run preview of each sample order with
// its golden file: the lines, products, contact and exact requests.
func TestOrderPreviews(t *testing.T) {
	for _, name := range []string{"shopify", "woocommerce", "generic"} {
		t.Run(name, func(t *testing.T) {
			h := sdktest.New(t, New(), sdktest.WithBilly(newOrderBilly().serve), sdktest.WithConfig(orderConfig))
			var got OrderResult
			if err := h.CallToolInto(context.Background(), "import_webshop_order", map[string]any{"order": readOrder(t, name+".json"), "dry_run": true}, &got); err != nil {
				t.Fatal(err)
			}
			b, err := json.MarshalIndent(got, "", "  ")
			if err != nil {
				t.Fatal(err)
			}
			golden := filepath.Join("testdata", "orders", name+".golden.json")
			if *update {
				if err := os.WriteFile(golden, append(b, '\n'), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(strings.TrimSpace(string(want)), string(b)); diff != "" {
				t.Errorf("preview (-golden +got):\n%s", diff)
			}
		})
	}
}

// TestOrderFormats checks what each parser reads, independent of Billy:
// Woo's net subtotals turned back into the gross prices the shop showed.
func TestOrderFormats(t *testing.T) {
	for _, tc := range []struct {
		file, format                 string
		number, date, cur, ship, dis string
		units                        []string
		incl                         bool
		email, cvr                   string
	}{
		{"shopify.json", formatShopify, "1001", "2026-11-20", "DKK", "49", "40", []string{"129.95", "59"}, true, "kunde@example.dk", ""},
		{"woocommerce.json", formatWoo, "727", "2026-11-21", "DKK", "49", "20", []string{"129.95", "59"}, true, "lars@berg.example", "12345678"},
		{"generic.json", formatGeneric, "G-2001", "2026-11-22", "EUR", "9.9", "0", []string{"4.72", "12.99"}, false, "buyer@example.de", ""},
	} {
		t.Run(tc.file, func(t *testing.T) {
			o, err := parseOrder(readOrder(t, tc.file), "")
			if err != nil {
				t.Fatal(err)
			}
			var units []string
			for _, l := range o.Lines {
				units = append(units, l.UnitPrice.String())
			}
			got := []any{o.Format, o.Number, o.Date, o.Currency, o.Shipping.String(), o.Discount.String(), units, o.TaxesIncluded, o.Customer.Email, o.Customer.CVR}
			want := []any{tc.format, tc.number, tc.date, tc.cur, tc.ship, tc.dis, tc.units, tc.incl, tc.email, tc.cvr}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}

// TestOrderRefusals: an order with unknown SKUs (or without the products
// its shipping needs) is refused whole, naming every unknown SKU, and
// nothing is written.
func TestOrderRefusals(t *testing.T) {
	generic := func(mut func(m map[string]any)) json.RawMessage {
		var m map[string]any
		if err := json.Unmarshal(readOrder(t, "generic.json"), &m); err != nil {
			t.Fatal(err)
		}
		mut(m)
		b, _ := json.Marshal(m)
		return b
	}
	shopify := func(mut func(m map[string]any)) json.RawMessage {
		var w struct {
			Order map[string]any `json:"order"`
		}
		if err := json.Unmarshal(readOrder(t, "shopify.json"), &w); err != nil {
			t.Fatal(err)
		}
		mut(w.Order)
		b, _ := json.Marshal(w.Order)
		return b
	}
	for _, tc := range []struct {
		name     string
		order    json.RawMessage
		args     map[string]any
		config   map[string]any
		code     string
		contains []string
	}{
		{"unknown SKUs", readOrder(t, "unknown_sku.json"), nil, orderConfig, "order_unknown_sku", []string{"NOPE-1, NOPE-2", "nothing was written"}},
		{"archived product", generic(func(m map[string]any) { m["lines"].([]any)[0].(map[string]any)["sku"] = "OLD-1" }), nil, orderConfig, "order_unknown_sku", []string{"OLD-1"}},
		{"line without SKU", generic(func(m map[string]any) { m["lines"].([]any)[1].(map[string]any)["sku"] = "" }), nil, orderConfig, "order_line_without_sku", []string{"line 2 (Mug)"}},
		{"shipping without product", readOrder(t, "generic.json"), nil, nil, "order_shipping_product_missing", []string{"shipping_product_id", "9.90 EUR"}},
		{"shipping product unknown", readOrder(t, "generic.json"), map[string]any{"shipping_product_id": "p-nope"}, nil, "invalid_arguments", []string{"p-nope"}},
		{"float-ish amount", generic(func(m map[string]any) { m["lines"].([]any)[0].(map[string]any)["unit_price"] = "4,72" }), nil, orderConfig, "invalid_arguments", []string{`"4,72" is not a decimal`}},
		{"no customer", generic(func(m map[string]any) { m["customer"] = map[string]any{"name": "x"} }), nil, orderConfig, "invalid_arguments", []string{"e-mail or CVR"}},
		{"bad CVR", generic(func(m map[string]any) { m["customer"].(map[string]any)["cvr"] = "1234" }), nil, orderConfig, "invalid_arguments", []string{"order.customer.cvr"}},
		{"unknown field", generic(func(m map[string]any) { m["linez"] = 1 }), map[string]any{"format": "generic"}, orderConfig, "invalid_arguments", []string{"linez"}},
		{"not an order", json.RawMessage(`{"hello":1}`), nil, orderConfig, "invalid_arguments", []string{"give format"}},
		{"huge exponent", generic(func(m map[string]any) { m["lines"].([]any)[0].(map[string]any)["quantity"] = "1e20" }), nil, orderConfig, "invalid_arguments", []string{"out of range"}},
		{"voided", shopify(func(m map[string]any) { m["financial_status"] = "voided" }), nil, orderConfig, "order_not_invoiceable", []string{"voided"}},
		{"total mismatch", generic(func(m map[string]any) { m["prices_include_tax"] = true; m["total"] = "70.00" }), nil, orderConfig, "order_total_mismatch", []string{"70.09 EUR", "70.00"}},
		{"negative quantity", generic(func(m map[string]any) { m["lines"].([]any)[0].(map[string]any)["quantity"] = -1 }), nil, orderConfig, "invalid_arguments", []string{"quantity must be positive"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			billy := newOrderBilly()
			opts := []sdktest.Option{sdktest.WithBilly(billy.serve), sdktest.WithWritesMode(sdk.WritesDirect)}
			if tc.config != nil {
				opts = append(opts, sdktest.WithConfig(tc.config))
			}
			h := sdktest.New(t, New(), opts...)
			args := map[string]any{"order": tc.order}
			for k, v := range tc.args {
				args[k] = v
			}
			err := h.CallToolInto(context.Background(), "import_webshop_order", args, &OrderResult{})
			var e *sdk.Error
			if !errors.As(err, &e) || e.Code != tc.code {
				t.Fatalf("want %s, got %v", tc.code, err)
			}
			for _, c := range tc.contains {
				if !strings.Contains(e.Message, c) {
					t.Errorf("message %q lacks %q", e.Message, c)
				}
			}
			if len(billy.posts) != 0 {
				t.Errorf("written: %v", billy.posts)
			}
		})
	}
}

// TestOrderConfirmOnce: the import asks for confirmation, the token
// creates the contact and the draft invoice, and the same order again
// (with or without a token) finds that invoice and writes nothing.
func TestOrderConfirmOnce(t *testing.T) {
	ctx := context.Background()
	billy := newOrderBilly()
	h := sdktest.New(t, New(), sdktest.WithBilly(billy.serve), sdktest.WithConfig(orderConfig), sdktest.WithWritesMode(sdk.WritesConfirm),
		sdktest.WithCaller(sdk.Caller{Subject: "u1", OrganizationID: "org1", Scopes: []string{"admin"}}))
	args := map[string]any{"order": readOrder(t, "generic.json")}
	var pre OrderResult
	if err := h.CallToolInto(ctx, "import_webshop_order", args, &pre); err != nil {
		t.Fatal(err)
	}
	if pre.Status != "confirmation_required" || pre.ConfirmationToken == "" || !pre.Contact.New || len(billy.posts) != 0 {
		t.Fatalf("preview: %+v; posts %v", pre, billy.posts)
	}
	// Another order under the same token is refused.
	other := map[string]any{"order": readOrder(t, "shopify.json"), "confirmation_token": pre.ConfirmationToken}
	var e *sdk.Error
	if err := h.CallToolInto(ctx, "import_webshop_order", other, &OrderResult{}); !errors.As(err, &e) || e.Code != "confirmation_token_arguments_mismatch" {
		t.Fatalf("token for another order: %v", err)
	}
	args["confirmation_token"] = pre.ConfirmationToken
	var done OrderResult
	if err := h.CallToolInto(ctx, "import_webshop_order", args, &done); err != nil {
		t.Fatal(err)
	}
	if done.Status != "done" || done.InvoiceID != "inv1" || done.Contact.ID == "" || len(billy.posts) != 2 {
		t.Fatalf("done: %+v; posts %v", done, billy.posts)
	}
	if !strings.Contains(billy.posts[1], `"contactId":"`+done.Contact.ID+`"`) || !strings.Contains(billy.posts[1], `"externalId":"generic:G-2001"`) {
		t.Errorf("invoice body: %s", billy.posts[1])
	}
	// The same order, previewed before the first import finished and
	// confirmed after it, is held off by the order's lease; the look-up
	// finds the invoice from then on anyway.
	for _, a := range []map[string]any{args, {"order": readOrder(t, "generic.json")}} {
		var again OrderResult
		if err := h.CallToolInto(ctx, "import_webshop_order", a, &again); err != nil {
			t.Fatal(err)
		}
		if again.Status != "exists" || again.InvoiceID != "inv1" || len(billy.posts) != 2 {
			t.Errorf("again: %+v; posts %v", again, billy.posts)
		}
	}
}

// TestOrderLease: a second import of an order whose first import is
// still running (its lease taken, its invoice not yet in Billy) writes
// nothing.
func TestOrderLease(t *testing.T) {
	ctx := context.Background()
	billy := newOrderBilly()
	used := map[string]bool{}
	var mu sync.Mutex
	once := func(_ context.Context, key string, _ time.Time) (bool, error) {
		mu.Lock()
		defer mu.Unlock()
		first := !used[key]
		used[key] = true
		return first, nil
	}
	h := sdktest.New(t, New(), sdktest.WithBilly(billy.serve), sdktest.WithConfig(orderConfig), sdktest.WithWritesMode(sdk.WritesDirect), sdktest.WithConsumeOnce(once),
		sdktest.WithCaller(sdk.Caller{Subject: "u1", OrganizationID: "org1", Scopes: []string{"admin"}}))
	// The lease of order G-2001 as a running import would have taken it.
	key := "webshop-order:" + confirm.Digest([]byte("org1\x00generic:G-2001"))
	used[key] = true
	var e *sdk.Error
	if err := h.CallToolInto(ctx, "import_webshop_order", map[string]any{"order": readOrder(t, "generic.json")}, &OrderResult{}); !errors.As(err, &e) || e.Code != "order_import_in_progress" {
		t.Fatalf("want order_import_in_progress, got %v", err)
	}
	if len(billy.posts) != 0 {
		t.Errorf("written: %v", billy.posts)
	}
	// Another order is not held.
	var done OrderResult
	if err := h.CallToolInto(ctx, "import_webshop_order", map[string]any{"order": readOrder(t, "shopify.json")}, &done); err != nil || done.Status != "done" {
		t.Fatalf("another order: %+v, %v", done, err)
	}
}

// TestOrderWarnings: refunds and unpaid orders are imported as placed,
// and the result says so.
func TestOrderWarnings(t *testing.T) {
	var w struct {
		Order map[string]any `json:"order"`
	}
	if err := json.Unmarshal(readOrder(t, "shopify.json"), &w); err != nil {
		t.Fatal(err)
	}
	w.Order["financial_status"] = "partially_refunded"
	w.Order["refunds"] = []any{map[string]any{"id": 1}}
	b, _ := json.Marshal(w)
	h := sdktest.New(t, New(), sdktest.WithBilly(newOrderBilly().serve), sdktest.WithConfig(orderConfig))
	var got OrderResult
	if err := h.CallToolInto(context.Background(), "import_webshop_order", map[string]any{"order": json.RawMessage(b), "dry_run": true}, &got); err != nil {
		t.Fatal(err)
	}
	if len(got.Warnings) != 1 || !strings.Contains(got.Warnings[0], "credit_webshop_refund") {
		t.Errorf("warnings: %q", got.Warnings)
	}
}

// TestOrderAmountsExact: the preview's amounts are exact decimals of the
// order's digits, however many lines (no float64 sums drifting).
func TestOrderAmountsExact(t *testing.T) {
	var lines []string
	for i := 0; i < 100; i++ {
		lines = append(lines, `{"sku":"MUG-01","title":"x","quantity":3,"unit_price":0.1}`)
	}
	raw := `{"order_number":"X1","date":"2026-11-22","currency":"DKK","prices_include_tax":true,"customer":{"email":"kunde@example.dk"},"lines":[` + strings.Join(lines, ",") + `]}`
	h := sdktest.New(t, New(), sdktest.WithBilly(newOrderBilly().serve))
	var got OrderResult
	if err := h.CallToolInto(context.Background(), "import_webshop_order", map[string]any{"order": json.RawMessage(raw), "dry_run": true}, &got); err != nil {
		t.Fatal(err)
	}
	if got.Total != "30.00" || got.Contact.ID != "c-mette" || got.Contact.FoundBy != "email" {
		t.Errorf("total %s, contact %+v", got.Total, got.Contact)
	}
	if !decimal.RequireFromString(got.Lines[0].Amount).Equal(decimal.RequireFromString("0.3")) {
		t.Errorf("line amount %s", got.Lines[0].Amount)
	}
}

// withOrderInvoices gives the fake Billy the approved invoices that
// import_webshop_order made of the three sample orders.
func withOrderInvoices(f *orderBilly) *orderBilly {
	inv := func(id, ext, no, mode, contact, cur, net, gross string) map[string]any {
		return map[string]any{"id": id, "externalId": ext, "invoiceNo": no, "type": "invoice", "state": "approved", "taxMode": mode,
			"contactId": contact, "currencyId": cur, "amount": json.Number(net), "grossAmount": json.Number(gross)}
	}
	f.invoices = append(f.invoices,
		inv("inv-s", "shopify:1001", "17", "incl", "c-mette", "DKK", "356.72", "445.90"),
		inv("inv-w", "woocommerce:727", "18", "incl", "c-berg", "DKK", "325.52", "406.90"),
		inv("inv-g", "generic:G-2001", "19", "excl", "c-new", "EUR", "70.09", "87.61"))
	return f
}

// TestRefundPreviews compares the dry-run preview of a refund of each
// format with its golden file: the credit note's lines, products, the
// invoice credited, what is left to credit and the exact request.
func TestRefundPreviews(t *testing.T) {
	for _, tc := range []struct {
		name string
		args map[string]any
	}{
		{"shopify", map[string]any{"order": readOrder(t, "shopify_refund.json"), "refund_id": "9001"}},
		{"woocommerce", map[string]any{"order": readOrder(t, "woocommerce_refunded.json"), "refund": readOrder(t, "woocommerce_refund.json")}},
		{"generic", map[string]any{"order": readOrder(t, "generic_refund.json")}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := sdktest.New(t, New(), sdktest.WithBilly(withOrderInvoices(newOrderBilly()).serve), sdktest.WithConfig(orderConfig))
			tc.args["dry_run"] = true
			var got RefundResult
			if err := h.CallToolInto(context.Background(), "credit_webshop_refund", tc.args, &got); err != nil {
				t.Fatal(err)
			}
			b, err := json.MarshalIndent(got, "", "  ")
			if err != nil {
				t.Fatal(err)
			}
			golden := filepath.Join("testdata", "orders", tc.name+"_refund.golden.json")
			if *update {
				if err := os.WriteFile(golden, append(b, '\n'), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(strings.TrimSpace(string(want)), string(b)); diff != "" {
				t.Errorf("preview (-golden +got):\n%s", diff)
			}
		})
	}
}

// TestRefundOnce: a refund is confirmed, credited as one draft credit
// note of the order's invoice, and the same refund again (with the used
// token or without) finds it and writes nothing. The order's second
// refund then credits what is left, and a third credit beyond the
// invoice's total is refused as over-crediting.
func TestRefundOnce(t *testing.T) {
	ctx := context.Background()
	billy := withOrderInvoices(newOrderBilly())
	h := sdktest.New(t, New(), sdktest.WithBilly(billy.serve), sdktest.WithConfig(orderConfig), sdktest.WithWritesMode(sdk.WritesConfirm),
		sdktest.WithCaller(sdk.Caller{Subject: "u1", OrganizationID: "org1", Scopes: []string{"admin"}}))
	args := map[string]any{"order": readOrder(t, "shopify_refund.json"), "refund_id": "9001"}
	var pre RefundResult
	if err := h.CallToolInto(ctx, "credit_webshop_refund", args, &pre); err != nil {
		t.Fatal(err)
	}
	if pre.Status != "confirmation_required" || pre.Total != "178.95" || pre.LeftToCredit != "445.90" || len(billy.posts) != 0 {
		t.Fatalf("preview: %+v; posts %v", pre, billy.posts)
	}
	// The token of refund 9001 does not credit refund 9002.
	other := map[string]any{"order": readOrder(t, "shopify_refund.json"), "refund_id": "9002", "confirmation_token": pre.ConfirmationToken}
	var e *sdk.Error
	if err := h.CallToolInto(ctx, "credit_webshop_refund", other, &RefundResult{}); !errors.As(err, &e) || e.Code != "confirmation_token_arguments_mismatch" {
		t.Fatalf("token for another refund: %v", err)
	}
	args["confirmation_token"] = pre.ConfirmationToken
	var done RefundResult
	if err := h.CallToolInto(ctx, "credit_webshop_refund", args, &done); err != nil {
		t.Fatal(err)
	}
	if done.Status != "done" || done.CreditNoteID == "" || len(billy.posts) != 1 {
		t.Fatalf("done: %+v; posts %v", done, billy.posts)
	}
	for _, want := range []string{`"type":"creditNote"`, `"creditedInvoiceId":"inv-s"`, `"externalId":"shopify:1001:refund:9001"`, `"contactId":"c-mette"`, `"state":"draft"`, `"entryDate":"2026-11-23"`} {
		if !strings.Contains(billy.posts[0], want) {
			t.Errorf("credit note body lacks %s: %s", want, billy.posts[0])
		}
	}
	for _, a := range []map[string]any{args, {"order": readOrder(t, "shopify_refund.json"), "refund_id": "9001"}} {
		var again RefundResult
		if err := h.CallToolInto(ctx, "credit_webshop_refund", a, &again); err != nil {
			t.Fatal(err)
		}
		if again.Status != "exists" || again.CreditNoteID != done.CreditNoteID || again.InvoiceID != "inv-s" || len(billy.posts) != 1 {
			t.Errorf("again: %+v; posts %v", again, billy.posts)
		}
	}
	// Refund 9002 (the tea, 177.00): 445.90 - 178.95 = 266.95 is left.
	var second RefundResult
	if err := h.CallToolInto(ctx, "credit_webshop_refund", map[string]any{"order": readOrder(t, "shopify_refund.json"), "refund_id": "9002", "dry_run": true}, &second); err != nil {
		t.Fatal(err)
	}
	if second.LeftToCredit != "266.95" || second.Total != "177.00" {
		t.Errorf("second refund: %+v", second)
	}
	// A refund the shop made up of more than is left: over-crediting.
	var w struct {
		Order map[string]any `json:"order"`
	}
	if err := json.Unmarshal(readOrder(t, "shopify_refund.json"), &w); err != nil {
		t.Fatal(err)
	}
	w.Order["refunds"] = []any{map[string]any{"id": 9003, "created_at": "2026-11-27", "refund_line_items": []any{
		map[string]any{"line_item_id": 11, "quantity": 2, "subtotal": "259.90"}, map[string]any{"line_item_id": 12, "quantity": 1, "subtotal": "59.00"}}}}
	b, _ := json.Marshal(w)
	err := h.CallToolInto(ctx, "credit_webshop_refund", map[string]any{"order": json.RawMessage(b)}, &RefundResult{})
	if !errors.As(err, &e) || e.Code != "refund_exceeds_invoice" || !strings.Contains(e.Message, "318.90") || !strings.Contains(e.Message, "266.95") {
		t.Fatalf("over-crediting: %v", err)
	}
	if len(billy.posts) != 1 {
		t.Errorf("written: %v", billy.posts)
	}
}

// TestRefundRefusals: a refund without the order's invoice, of a draft
// invoice, with more of a SKU than ordered, whose lines do not add up to
// the money paid back, or that names nothing refunded is refused, and
// nothing is written.
func TestRefundRefusals(t *testing.T) {
	shopify := func(mut func(r map[string]any)) json.RawMessage {
		var w struct {
			Order map[string]any `json:"order"`
		}
		if err := json.Unmarshal(readOrder(t, "shopify_refund.json"), &w); err != nil {
			t.Fatal(err)
		}
		r := w.Order["refunds"].([]any)[0].(map[string]any)
		mut(r)
		w.Order["refunds"] = []any{r}
		b, _ := json.Marshal(w)
		return b
	}
	noInvoices := func(f *orderBilly) *orderBilly { return f }
	draft := func(f *orderBilly) *orderBilly {
		withOrderInvoices(f)
		f.invoices[0]["state"] = "draft"
		return f
	}
	for _, tc := range []struct {
		name     string
		billy    func(*orderBilly) *orderBilly
		args     map[string]any
		code     string
		contains []string
	}{
		{"no invoice", noInvoices, map[string]any{"order": readOrder(t, "generic_refund.json")}, "refund_invoice_missing", []string{"import_webshop_order", "generic:G-2001"}},
		{"draft invoice", draft, map[string]any{"order": readOrder(t, "shopify_refund.json"), "refund_id": "9001"}, "refund_invoice_draft", []string{"approve"}},
		{"which refund", withOrderInvoices, map[string]any{"order": readOrder(t, "shopify_refund.json")}, "invalid_arguments", []string{"9001, 9002"}},
		{"unknown refund", withOrderInvoices, map[string]any{"order": readOrder(t, "shopify_refund.json"), "refund_id": "1"}, "invalid_arguments", []string{"no refund 1"}},
		{"more than ordered", withOrderInvoices, map[string]any{"order": shopify(func(r map[string]any) {
			r["refund_line_items"].([]any)[0].(map[string]any)["quantity"] = 3
		})}, "refund_exceeds_order", []string{"refunds 3 of SKU MUG-01", "has 2"}},
		{"paid back differs", withOrderInvoices, map[string]any{"order": shopify(func(r map[string]any) {
			r["transactions"].([]any)[0].(map[string]any)["amount"] = "170.00"
		})}, "refund_total_mismatch", []string{"178.95", "170.00", "by hand"}},
		{"nothing refunded", withOrderInvoices, map[string]any{"order": shopify(func(r map[string]any) {
			r["refund_line_items"], r["order_adjustments"], r["transactions"] = []any{}, []any{}, []any{}
		})}, "refund_without_lines", []string{"nothing to credit"}},
		{"woo refund without lines", withOrderInvoices, map[string]any{"order": readOrder(t, "woocommerce_refunded.json")}, "refund_without_lines", []string{"GET /orders/727/refunds/801"}},
		{"no refunds", withOrderInvoices, map[string]any{"order": readOrder(t, "generic.json")}, "order_has_no_refund", []string{"G-2001"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			billy := tc.billy(newOrderBilly())
			h := sdktest.New(t, New(), sdktest.WithBilly(billy.serve), sdktest.WithWritesMode(sdk.WritesDirect), sdktest.WithConfig(orderConfig))
			err := h.CallToolInto(context.Background(), "credit_webshop_refund", tc.args, &RefundResult{})
			var e *sdk.Error
			if !errors.As(err, &e) || e.Code != tc.code {
				t.Fatalf("want %s, got %v", tc.code, err)
			}
			for _, c := range tc.contains {
				if !strings.Contains(e.Message, c) {
					t.Errorf("message %q lacks %q", e.Message, c)
				}
			}
			if len(billy.posts) != 0 {
				t.Errorf("written: %v", billy.posts)
			}
		})
	}
}

// TestOrderLookupChecksKey: Billy answers a filter it does not know with
// the whole list (billy-api.md § 4.2); an invoice of another order in
// that list is not taken for this order's.
func TestOrderLookupChecksKey(t *testing.T) {
	billy := withOrderInvoices(newOrderBilly())
	ignoring := func(ctx context.Context, req sdk.BillyRequest) (*sdk.BillyResponse, error) {
		if req.Query != nil {
			req.Query.Del("externalId")
		}
		return billy.serve(ctx, req)
	}
	h := sdktest.New(t, New(), sdktest.WithBilly(ignoring), sdktest.WithConfig(orderConfig))
	// Order G-2002 has no invoice: the import plans it (and stops at its
	// unknown SKUs) rather than answer exists with another order's.
	var got OrderResult
	var e *sdk.Error
	if err := h.CallToolInto(context.Background(), "import_webshop_order", map[string]any{"order": readOrder(t, "unknown_sku.json"), "dry_run": true}, &got); !errors.As(err, &e) || e.Code != "order_unknown_sku" {
		t.Fatalf("another order's invoice taken for this one? %+v, %v", got, err)
	}
	var ref RefundResult
	err := h.CallToolInto(context.Background(), "credit_webshop_refund", map[string]any{"order": readOrder(t, "generic_refund.json"), "dry_run": true}, &ref)
	if err != nil || ref.Status != "dry_run" || ref.InvoiceID != "inv-g" {
		t.Errorf("refund against the right invoice: %+v, %v", ref, err)
	}
}

// TestRefundAdjustment: money a refund pays back beyond its lines and
// shipping (Shopify's refund_discrepancy, a WooCommerce refund of an
// amount only) is credited as a price reduction, shared over the
// invoice's VAT rates in proportion to what each charged, on the product
// that carried most of each rate, cut to øre so the credit note is the
// money paid back exactly; with prices without moms it is refused.
func TestRefundAdjustment(t *testing.T) {
	shopify := func(mut func(o, r map[string]any)) json.RawMessage {
		var w struct {
			Order map[string]any `json:"order"`
		}
		if err := json.Unmarshal(readOrder(t, "shopify_refund.json"), &w); err != nil {
			t.Fatal(err)
		}
		r := w.Order["refunds"].([]any)[0].(map[string]any)
		mut(w.Order, r)
		w.Order["refunds"] = []any{r}
		b, _ := json.Marshal(w)
		return b
	}
	line := func(product, net, tax, rate string) map[string]any {
		return map[string]any{"productId": product, "amount": json.Number(net), "tax": json.Number(tax), "taxRateId": rate}
	}
	oneRate := map[string][]map[string]any{
		"inv-s": {line("p-tea", "141.60", "35.40", "r25"), line("p-mug", "207.92", "51.98", "r25"), line("p-ship", "39.20", "9.80", "r25")},
		"inv-w": {line("p-tea", "313.60", "78.40", "r25"), line("p-ship", "12.00", "3.00", "r25")},
	}
	twoRates := map[string][]map[string]any{
		"inv-s": {line("p-mug", "207.92", "51.98", "r25"), line("p-tea", "177.00", "0.00", "r0")},
	}
	type adj struct{ Kind, ProductID, Description, Amount string }
	for _, tc := range []struct {
		name      string
		lines     map[string][]map[string]any
		args      map[string]any
		wantTotal string
		want      []adj
		code      string
	}{
		{"shopify, 20.00 more than the lines", oneRate, map[string]any{"order": shopify(func(_, r map[string]any) {
			r["transactions"].([]any)[0].(map[string]any)["amount"] = "198.95"
		})}, "198.95", []adj{
			{"item", "p-mug", "Kaffekrus", "129.95"}, {"shipping", "p-ship", "Fragt", "49.00"},
			{"adjustment", "p-mug", "Prisnedslag, refusion 9001 af ordre #1001", "20.00"}}, ""},
		{"shopify, money only, two rates", twoRates, map[string]any{"order": shopify(func(_, r map[string]any) {
			r["refund_line_items"], r["order_adjustments"] = []any{}, []any{map[string]any{"kind": "refund_discrepancy", "amount": "-100.01", "tax_amount": "0.00"}}
			r["transactions"].([]any)[0].(map[string]any)["amount"] = "100.01"
		})}, "100.01", []adj{
			// 100.01 × 259.90 / 436.90 = 59.493…, × 177.00 / 436.90 =
			// 40.516…: 59.49 + 40.51 leaves one øre, which goes to the
			// larger remainder.
			{"adjustment", "p-mug", "Prisnedslag, refusion 9001 af ordre #1001", "59.49"},
			{"adjustment", "p-tea", "Prisnedslag, refusion 9001 af ordre #1001", "40.52"}}, ""},
		{"woocommerce, an amount only", oneRate, map[string]any{"order": readOrder(t, "woocommerce_refunded.json"),
			"refund": json.RawMessage(`{"id": 802, "date_created": "2026-11-24T10:00:00", "amount": "50.00", "reason": "Kulanz", "line_items": [], "shipping_lines": []}`)},
			"50.00", []adj{{"adjustment", "p-tea", "Prisnedslag, refusion 802 af ordre 727", "50.00"}}, ""},
		{"prices without moms", oneRate, map[string]any{"order": shopify(func(o, r map[string]any) {
			o["taxes_included"] = false
			r["transactions"].([]any)[0].(map[string]any)["amount"] = "250.00"
		})}, "", nil, "refund_adjustment_tax_exclusive"},
		{"an invoice without lines to share it over", map[string][]map[string]any{}, map[string]any{"order": shopify(func(_, r map[string]any) {
			r["transactions"].([]any)[0].(map[string]any)["amount"] = "198.95"
		})}, "", nil, "refund_adjustment_without_lines"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			billy := withOrderInvoices(newOrderBilly())
			billy.lines = tc.lines
			if tc.code == "refund_adjustment_tax_exclusive" {
				billy.invoices[0]["taxMode"] = "excl"
			}
			h := sdktest.New(t, New(), sdktest.WithBilly(billy.serve), sdktest.WithWritesMode(sdk.WritesDirect), sdktest.WithConfig(orderConfig))
			var got RefundResult
			err := h.CallToolInto(context.Background(), "credit_webshop_refund", tc.args, &got)
			if tc.code != "" {
				var e *sdk.Error
				if !errors.As(err, &e) || e.Code != tc.code || !strings.Contains(e.Message, "by hand") {
					t.Fatalf("want %s, got %v", tc.code, err)
				}
				if len(billy.posts) != 0 {
					t.Errorf("written: %v", billy.posts)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			var lines []adj
			for _, l := range got.Lines {
				lines = append(lines, adj{l.Kind, l.ProductID, l.Description, l.Amount})
			}
			if diff := cmp.Diff(tc.want, lines); diff != "" {
				t.Errorf("lines (-want +got):\n%s", diff)
			}
			if got.Status != "done" || got.Total != tc.wantTotal || len(billy.posts) != 1 {
				t.Fatalf("status %s, total %s, posts %v", got.Status, got.Total, billy.posts)
			}
			// What Billy is sent adds up to the money paid back.
			var body struct {
				Invoice struct {
					Lines []struct{ Quantity, UnitPrice decimal.Decimal }
				}
			}
			if err := json.Unmarshal([]byte(strings.TrimPrefix(billy.posts[0], "POST /invoices ")), &body); err != nil {
				t.Fatal(err)
			}
			sum := decimal.Zero
			for _, l := range body.Invoice.Lines {
				sum = sum.Add(l.Quantity.Mul(l.UnitPrice))
			}
			if sum.StringFixed(2) != tc.wantTotal {
				t.Errorf("the credit note's lines add up to %s, want %s", sum.StringFixed(2), tc.wantTotal)
			}
		})
	}
}
