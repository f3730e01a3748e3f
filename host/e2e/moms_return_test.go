package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/billy-mcp/billy-mcp/sandbox"
	"github.com/google/go-cmp/cmp"
	"github.com/modelcontextprotocol/go-sdk/mcp"
	"github.com/shopspring/decimal"
)

// TestMomsReturnOnTheSandbox (issue 12): the VAT return of each business
// kind's sandbox books, asked by the official Go SDK client through the
// real host and the moms plugin, equals a second calculation written here
// deliberately simply and differently: the VAT and duty fields are the
// period's balances of the VAT and duty accounts in the ledger (the
// settlement left out), the rubrik fields the net values of the lines
// whose tax rate (by its tag) has a box. The plugin computes the VAT from
// the documents and their rates instead, so the two meet only if both are
// right.
func TestMomsReturnOnTheSandbox(t *testing.T) {
	for _, kind := range []string{sandbox.BusinessFreelancer, sandbox.BusinessRetail, sandbox.BusinessService} {
		t.Run(kind, func(t *testing.T) {
			org, base := serveSandbox(t, "e2e-moms", kind)
			h := startHost(t, "plugins:\n  moms: {path: billy-mcp-plugin-moms}\n",
				sandboxEnv(org, base)...)
			h.waitReady(20 * time.Second)

			cctx, ccancel := context.WithTimeout(context.Background(), 60*time.Second)
			defer ccancel()
			client := mcp.NewClient(&mcp.Implementation{Name: "billy-mcp-e2e-moms", Version: "1.0.0"}, nil)
			session, err := client.Connect(cctx, &mcp.StreamableClientTransport{Endpoint: h.url("/mcp")}, nil)
			if err != nil {
				t.Fatal(err)
			}
			defer session.Close()
			res, err := session.CallTool(cctx, &mcp.CallToolParams{Name: "moms_return", Arguments: map[string]any{}})
			if err != nil {
				t.Fatal(err)
			}
			if res.IsError {
				t.Fatalf("moms_return failed: %+v", res.Content)
			}
			raw, _ := json.Marshal(res.StructuredContent)
			var out struct {
				Period, Start, End, Summary string
				Afgiftstilsvar              json.Number
				Complete                    bool
				Fields                      []struct {
					Key    string
					Amount json.Number
				}
				Findings []struct{ Rule, Severity, Message string }
			}
			dec := json.NewDecoder(strings.NewReader(string(raw)))
			dec.UseNumber()
			if err := dec.Decode(&out); err != nil {
				t.Fatalf("%s: %v", raw, err)
			}
			b := &billyReader{t: t, base: base, token: org.AccessToken}
			want, wantTilsvar := simpleSandboxReturn(b, out.Start, out.End)
			got := map[string]string{}
			for _, f := range out.Fields {
				if f.Amount.String() != "0" {
					got[f.Key] = f.Amount.String()
				}
			}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("%s %s: fields (-ledger and lines +moms_return):\n%s", kind, out.Period, diff)
			}
			if out.Afgiftstilsvar.String() != wantTilsvar {
				t.Errorf("%s %s: afgiftstilsvar %s, the second calculation %s", kind, out.Period, out.Afgiftstilsvar, wantTilsvar)
			}
			t.Logf("%s %s (%s..%s): %v; %s", kind, out.Period, out.Start, out.End, got, out.Summary)
			for _, f := range out.Findings {
				t.Logf("finding %s: %s (%s)", f.Severity, f.Message, f.Rule)
			}

			// The other tools that read the books answer on every kind's
			// books: the bookkeeping check, the fiscal periods, and the
			// invoice check of each draft.
			calls := []struct {
				name string
				args map[string]any
			}{{"bookkeeping_check", map[string]any{}}, {"fiscal_periods", map[string]any{}}}
			dq := url.Values{"state": {"draft"}}
			for _, d := range b.list("/invoices", dq, "invoices") {
				calls = append(calls, struct {
					name string
					args map[string]any
				}{"moms_check_invoice", map[string]any{"invoiceId": d["id"]}})
			}
			for _, c := range calls {
				res, err := session.CallTool(cctx, &mcp.CallToolParams{Name: c.name, Arguments: c.args})
				if err != nil {
					t.Fatalf("%s: %v", c.name, err)
				}
				raw, _ := json.Marshal(res.StructuredContent)
				if res.IsError || len(raw) < 3 {
					t.Errorf("%s %v failed: %+v", c.name, c.args, res.Content)
					continue
				}
				t.Logf("%s %v: %.300s", c.name, c.args, raw)
			}
		})
	}
}

// billyReader reads the sandbox as Billy's API, every page, numbers exact.
type billyReader struct {
	t           *testing.T
	base, token string
}

func (b *billyReader) list(path string, q url.Values, root string) []map[string]any {
	b.t.Helper()
	var out []map[string]any
	for page := 1; ; page++ {
		q.Set("page", fmt.Sprint(page))
		q.Set("pageSize", "1000")
		req, _ := http.NewRequest("GET", b.base+path+"?"+q.Encode(), nil)
		req.Header.Set("X-Access-Token", b.token)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			b.t.Fatal(err)
		}
		var body map[string]any
		dec := json.NewDecoder(resp.Body)
		dec.UseNumber()
		err = dec.Decode(&body)
		resp.Body.Close()
		if err != nil || resp.StatusCode != 200 {
			b.t.Fatalf("GET %s: %d %v", path, resp.StatusCode, err)
		}
		for _, r := range body[root].([]any) {
			out = append(out, r.(map[string]any))
		}
		paging, _ := body["meta"].(map[string]any)["paging"].(map[string]any)
		if paging == nil || fmt.Sprint(paging["pageCount"]) == fmt.Sprint(page) || fmt.Sprint(paging["pageCount"]) == "0" {
			return out
		}
	}
}

func decOf(v any) decimal.Decimal {
	if v == nil {
		return decimal.Zero
	}
	return decimal.RequireFromString(fmt.Sprint(v))
}

// The boxes of the rates the sandbox seeds, by tag (sandbox/chart.go,
// chart_books.go), written out here.
var (
	salesBox = map[string]string{"dk_sales_eu_goods": "rubrik_b_varer", "dk_sales_eu_goods_installed": "rubrik_b_varer_ikke_eu_salgsangivelse",
		"dk_sales_eu_services": "rubrik_b_ydelser", "dk_sales_world": "rubrik_c", "dk_sales_domestic_reverse_charge": "rubrik_c"}
	purchaseBox = map[string]string{"dk_purchase_eu_goods": "rubrik_a_varer", "dk_purchase_eu_services": "rubrik_a_ydelser"}
	// The ledger's VAT and duty accounts: field, and +1 when the field
	// grows on the credit side.
	ledgerField = map[string]struct {
		field  string
		credit bool
	}{
		"7210": {"salgsmoms", true}, "7230": {"moms_varekoeb_udland", true}, "7240": {"moms_ydelseskoeb_udland", true},
		"7220": {"koebsmoms", false}, "7250": {"olie_flaskegasafgift", false}, "7251": {"elafgift", false},
		"7252": {"naturgas_bygasafgift", false}, "7253": {"kulafgift", false}, "7254": {"co2_afgift", false}, "7255": {"vandafgift", false},
	}
	euCountries = map[string]bool{"AT": true, "BE": true, "BG": true, "CY": true, "CZ": true, "DE": true, "EE": true, "GR": true, "ES": true,
		"FI": true, "FR": true, "HR": true, "HU": true, "IE": true, "IT": true, "LT": true, "LU": true, "LV": true, "MT": true, "NL": true,
		"PL": true, "PT": true, "RO": true, "SE": true, "SI": true, "SK": true}
)

// simpleSandboxReturn is the second calculation: each field in whole
// kroner (truncated) as a string, zeros left out, and the afgiftstilsvar.
func simpleSandboxReturn(b *billyReader, start, end string) (map[string]string, string) {
	period := func() url.Values { return url.Values{"minEntryDate": {start}, "maxEntryDate": {end}} }
	exact := map[string]decimal.Decimal{}
	tags := map[any]string{}
	for _, r := range b.list("/taxRates", url.Values{}, "taxRates") {
		tags[r["id"]], _ = r["predefinedTag"].(string)
	}
	// The ledger: VAT and duty accounts, the settlement left out.
	settlement := map[any]bool{}
	for _, tx := range b.list("/transactions", period(), "transactions") {
		if ref, _ := tx["originatorReference"].(string); strings.HasPrefix(ref, "salesTax") {
			settlement[tx["id"]] = true
		}
	}
	for _, a := range b.list("/accounts", url.Values{}, "accounts") {
		lf, ok := ledgerField[fmt.Sprint(a["accountNo"])]
		if !ok {
			continue
		}
		q := period()
		q.Set("accountId", a["id"].(string))
		for _, p := range b.list("/postings", q, "postings") {
			if settlement[p["transactionId"]] {
				continue
			}
			amt := decOf(p["amount"])
			if cur, _ := p["currencyId"].(string); cur != "" && cur != "DKK" {
				amt = decOf(p["baseAmount"]) // the DKK amount of a posting in another currency
			}
			if (p["side"] == "credit") != lf.credit {
				amt = amt.Neg()
			}
			exact[lf.field] = exact[lf.field].Add(amt)
		}
	}
	// The boxes: net values per document and rate, in DKK.
	country := map[any]string{}
	for _, c := range b.list("/contacts", url.Values{}, "contacts") {
		country[c["id"]], _ = c["countryId"].(string)
	}
	addDoc := func(doc map[string]any, lines []any, boxes map[string]string, incl bool, supplier bool) {
		sign := decimal.NewFromInt(1)
		if doc["type"] == "creditNote" {
			sign = sign.Neg()
		}
		xr := decOf(doc["exchangeRate"])
		if xr.IsZero() {
			xr = decimal.NewFromInt(1)
		}
		perRate := map[string]decimal.Decimal{}
		for _, l := range lines {
			l := l.(map[string]any)
			box := boxes[tags[l["taxRateId"]]]
			if box == "" || (supplier && !euCountries[country[doc["contactId"]]]) {
				continue
			}
			net := decOf(l["amount"])
			if incl {
				net = net.Sub(decOf(l["tax"]))
			}
			perRate[box+" "+fmt.Sprint(l["taxRateId"])] = perRate[box+" "+fmt.Sprint(l["taxRateId"])].Add(net)
		}
		for k, net := range perRate {
			box, _, _ := strings.Cut(k, " ")
			exact[box] = exact[box].Add(net.Mul(xr).Round(2).Mul(sign))
		}
	}
	iq := period()
	iq.Set("state", "approved")
	iq.Set("include", "invoice.lines:embed")
	for _, inv := range b.list("/invoices", iq, "invoices") {
		lines, _ := inv["lines"].([]any)
		addDoc(inv, lines, salesBox, false, false)
	}
	bq := period()
	bq.Set("state", "approved")
	bq.Set("include", "bill.lines:embed")
	for _, bill := range b.list("/bills", bq, "bills") {
		lines, _ := bill["lines"].([]any)
		addDoc(bill, lines, purchaseBox, bill["taxMode"] == "incl", true)
	}
	dq := period()
	dq.Set("state", "approved")
	dq.Set("include", "daybookTransaction.lines:embed")
	for _, d := range b.list("/daybookTransactions", dq, "daybookTransactions") {
		lines, _ := d["lines"].([]any)
		for _, l := range lines {
			l := l.(map[string]any)
			tag := tags[l["taxRateId"]]
			amt := decOf(l["amount"])
			if box := salesBox[tag]; box != "" {
				if l["side"] != "credit" {
					amt = amt.Neg()
				}
				exact[box] = exact[box].Add(amt)
			} else if box := purchaseBox[tag]; box != "" {
				if l["side"] == "credit" {
					amt = amt.Neg()
				}
				exact[box] = exact[box].Add(amt)
			}
		}
	}
	out := map[string]string{}
	tilsvar := decimal.Zero
	for field, v := range exact {
		w := v.Truncate(0)
		if !w.IsZero() {
			out[field] = w.String()
		}
		switch field {
		case "salgsmoms", "moms_varekoeb_udland", "moms_ydelseskoeb_udland":
			tilsvar = tilsvar.Add(w)
		case "koebsmoms", "olie_flaskegasafgift", "elafgift", "naturgas_bygasafgift", "kulafgift", "co2_afgift", "vandafgift":
			tilsvar = tilsvar.Sub(w)
		}
	}
	return out, tilsvar.String()
}
