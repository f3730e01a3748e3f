package integrations

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/billy-mcp/billy-mcp/sdk"
	"github.com/billy-mcp/billy-mcp/sdk/sdktest"
	"github.com/google/go-cmp/cmp"
	"github.com/shopspring/decimal"
)

// dineroBilly is a Billy organization for the migration: a chart that has
// most of the synthetic export's account numbers (not 55100, which the
// tests map to 5600), tax rates named as the sandbox names them, one
// contact with the export's customer's CVR under another name, and what
// the migration creates.
type dineroBilly struct {
	mu       sync.Mutex
	contacts []map[string]any
	products []map[string]any
	txs      []map[string]any
	posts    []string
}

func (f *dineroBilly) serve(_ context.Context, req sdk.BillyRequest) (*sdk.BillyResponse, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	ok := func(v map[string]any) (*sdk.BillyResponse, error) {
		v["meta"] = map[string]any{"paging": map[string]any{"page": 1, "pageCount": 1}}
		b, err := json.Marshal(v)
		return &sdk.BillyResponse{Status: 200, Body: b}, err
	}
	acct := func(no int, name, nature string) map[string]any {
		return map[string]any{"id": fmt.Sprintf("a-%d", no), "accountNo": no, "name": name, "natureId": nature}
	}
	var body map[string]map[string]any
	if req.Method == "POST" {
		b, _ := json.Marshal(req.Body)
		f.posts = append(f.posts, req.Path+" "+string(b))
		if err := json.Unmarshal(b, &body); err != nil {
			return nil, err
		}
	}
	switch {
	case req.Method == "GET" && req.Path == "/organization":
		return ok(map[string]any{"organization": map[string]any{"id": "org1", "baseCurrencyId": "DKK"}})
	case req.Method == "GET" && req.Path == "/accounts":
		return ok(map[string]any{"accounts": []any{
			acct(1000, "Salg", "revenue"), acct(1300, "Varekøb", "expense"), acct(2750, "Husleje", "expense"),
			acct(5600, "Debitorer", "asset"), acct(55000, "Bank", "asset"), acct(60000, "Egenkapital", "equity"),
			acct(61000, "Overført resultat", "equity"), acct(63000, "Salgsmoms", "liability"), acct(63100, "Købsmoms", "asset"),
		}})
	case req.Method == "GET" && req.Path == "/taxRates":
		return ok(map[string]any{"taxRates": []any{
			map[string]any{"id": "tr-s25", "name": "Salgsmoms", "abbreviation": "S25", "predefinedTag": "dk_sales_25", "appliesToSales": true, "isActive": true},
			map[string]any{"id": "tr-k25", "name": "Købsmoms", "abbreviation": "K25", "appliesToPurchases": true, "isActive": true},
		}})
	case req.Method == "GET" && req.Path == "/contacts":
		return ok(map[string]any{"contacts": append([]map[string]any{{"id": "c-old", "name": "Kunde A/S (gammel)", "registrationNo": "DK87654321"}}, f.contacts...)})
	case req.Method == "GET" && req.Path == "/products":
		return ok(map[string]any{"products": f.products})
	case req.Method == "GET" && req.Path == "/daybookTransactions":
		return ok(map[string]any{"daybookTransactions": f.txs})
	case req.Method == "POST" && req.Path == "/contacts":
		c := body["contact"]
		rec := map[string]any{"id": fmt.Sprintf("c%d", len(f.contacts)+1), "name": c["name"], "registrationNo": c["registrationNo"]}
		f.contacts = append(f.contacts, rec)
		return ok(map[string]any{"contacts": []any{rec}})
	case req.Method == "POST" && req.Path == "/products":
		pr := body["product"]
		rec := map[string]any{"id": fmt.Sprintf("p%d", len(f.products)+1), "name": pr["name"], "productNo": pr["productNo"]}
		f.products = append(f.products, rec)
		return ok(map[string]any{"products": []any{rec}})
	case req.Method == "POST" && req.Path == "/daybookTransactions":
		t := body["daybookTransaction"]
		rec := map[string]any{"id": fmt.Sprintf("dt%d", len(f.txs)+1), "state": "draft", "apiType": t["apiType"], "entryDate": t["entryDate"]}
		f.txs = append(f.txs, rec)
		return ok(map[string]any{"daybookTransactions": []any{rec}})
	}
	return &sdk.BillyResponse{Status: 404, Body: json.RawMessage(`{"errorCode":"ROUTE_NOT_FOUND"}`)}, nil
}

func dineroArgs(t *testing.T) map[string]any {
	files := map[string]string{}
	for k, v := range readDineroDir(t, "testdata/dinero/basic") {
		files[k] = string(v)
	}
	return map[string]any{"files": files, "account_map": map[string]int{"55100": 5600}, "result_account_no": 61000}
}

// TestDineroReport compares the dry-run report of the synthetic export
// with its golden file, and checks the opening balance balances to the
// øre: the balance sheet of 2025 plus the year's loss of 3,300.00 carried
// to equity.
func TestDineroReport(t *testing.T) {
	h := sdktest.New(t, New(), sdktest.WithBilly((&dineroBilly{}).serve))
	args := dineroArgs(t)
	args["dry_run"] = true
	var got DineroResult
	if err := h.CallToolInto(context.Background(), "migrate_from_dinero", args, &got); err != nil {
		t.Fatal(err)
	}
	b, err := json.MarshalIndent(got, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	golden := filepath.Join("testdata", "dinero", "report.golden.json")
	if *update {
		if err := os.WriteFile(golden, append(b, '\n'), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatal(err)
	}
	if d := cmp.Diff(strings.TrimSpace(string(want)), string(b)); d != "" {
		t.Errorf("report (-golden +got):\n%s", d)
	}
	ob := got.OpeningBalance
	if ob.Status != "create" || ob.Debit != "10375.00" || ob.Credit != "10375.00" || ob.Difference != "0.00" || ob.Result != "3300.00" || ob.Key != "dinero-opening:12345678:2026-01-01" {
		t.Errorf("opening balance %+v", ob)
	}
	sum := decimal.Zero
	for _, l := range ob.Lines {
		a := decimal.RequireFromString(l.Amount)
		if l.Side == "credit" {
			a = a.Neg()
		}
		sum = sum.Add(a)
	}
	if !sum.IsZero() {
		t.Errorf("the lines sum to %s", sum)
	}
}

// TestDineroBlocked: without the result account, or with an account that
// has no Billy account, the opening balance is blocked: reported in the
// dry run, refused in a real run with nothing written.
func TestDineroBlocked(t *testing.T) {
	ctx := context.Background()
	billy := &dineroBilly{}
	h := sdktest.New(t, New(), sdktest.WithBilly(billy.serve), sdktest.WithWritesMode(sdk.WritesDirect))
	args := dineroArgs(t)
	delete(args, "result_account_no")
	delete(args, "account_map")
	args["dry_run"] = true
	var got DineroResult
	if err := h.CallToolInto(ctx, "migrate_from_dinero", args, &got); err != nil {
		t.Fatal(err)
	}
	if got.OpeningBalance.Status != "blocked" || len(got.OpeningBalance.BlockedBy) != 2 {
		t.Errorf("opening balance %+v", got.OpeningBalance)
	}
	delete(args, "dry_run")
	err := h.CallToolInto(ctx, "migrate_from_dinero", args, &got)
	if e := sdk.AsError(err); e == nil || e.Code != "dinero_opening_blocked" || len(billy.posts) != 0 {
		t.Errorf("a blocked run: %v; posts %v", err, billy.posts)
	}
	args["skip_opening_balance"] = true
	if err := h.CallToolInto(ctx, "migrate_from_dinero", args, &got); err != nil || got.Status != "done" || len(billy.posts) != 4 {
		t.Errorf("skip_opening_balance: %v %+v; posts %v", err, got.Status, billy.posts)
	}
}

// TestDineroOnce: confirmed through the token, the migration creates the
// two contacts Billy lacks (the customer is matched by CVR), the two
// products and the opening balance, with progress; a second run creates
// nothing.
func TestDineroOnce(t *testing.T) {
	ctx := context.Background()
	billy := &dineroBilly{}
	h := sdktest.New(t, New(), sdktest.WithBilly(billy.serve), sdktest.WithWritesMode(sdk.WritesConfirm),
		sdktest.WithCaller(sdk.Caller{Subject: "u1", OrganizationID: "org1", Scopes: []string{"admin"}}))
	args := dineroArgs(t)
	var pre DineroResult
	if err := h.CallToolInto(ctx, "migrate_from_dinero", args, &pre); err != nil {
		t.Fatal(err)
	}
	if pre.Status != "confirmation_required" || len(billy.posts) != 0 {
		t.Fatalf("preview: %s %s; posts %v", pre.Status, pre.Message, billy.posts)
	}
	args["confirmation_token"] = pre.ConfirmationToken
	var done DineroResult
	if err := h.CallToolInto(ctx, "migrate_from_dinero", args, &done); err != nil {
		t.Fatal(err)
	}
	if done.Status != "done" || cmp.Diff(map[string]int{"contacts": 2, "products": 2, "daybook_transactions": 1}, done.Created) != "" || len(billy.posts) != 5 {
		t.Fatalf("done: %s %v; posts %v", done.Status, done.Created, billy.posts)
	}
	for i, want := range []string{`"registrationNo":"11223344"`, `"type":"person"`, `"productNo":"P-1"`, `"unitPrice":199.50`, `"apiType":"dinero-opening:12345678:2026-01-01"`} {
		found := false
		for _, p := range billy.posts {
			found = found || strings.Contains(p, want)
		}
		if !found {
			t.Errorf("%d: no request has %s: %v", i, want, billy.posts)
		}
	}
	prog := h.Progress()
	if len(prog) != 5 || prog[4] != (sdktest.Progress{Progress: 5, Total: 5, Message: "opening balance"}) || prog[0].Message != "contact Leverandør ApS" {
		t.Errorf("progress: %+v", prog)
	}
	if done.Contacts[0].Action != "exists" || done.Contacts[0].MatchedBy != "cvr" || done.Contacts[0].BillyID != "c-old" {
		t.Errorf("the customer: %+v", done.Contacts[0])
	}
	delete(args, "confirmation_token")
	var again DineroResult
	if err := h.CallToolInto(ctx, "migrate_from_dinero", args, &again); err != nil {
		t.Fatal(err)
	}
	if again.Status != "done" || len(billy.posts) != 5 || again.OpeningBalance.Status != "exists" {
		t.Errorf("again: %s %s; posts %d", again.Status, again.Message, len(billy.posts))
	}
	for _, c := range again.Contacts {
		if c.Action != "exists" {
			t.Errorf("again: contact %s %s", c.Name, c.Action)
		}
	}
}

// TestDineroPostingsDisagree: postings that do not add up to the closing
// balance (a voucher cut from Posteringer.csv) are named per account.
func TestDineroPostingsDisagree(t *testing.T) {
	h := sdktest.New(t, New(), sdktest.WithBilly((&dineroBilly{}).serve))
	args := dineroArgs(t)
	args["dry_run"] = true
	files := args["files"].(map[string]string)
	lines := strings.Split(strings.TrimRight(files["2025/Posteringer.csv"], "\r\n"), "\n")
	files["2025/Posteringer.csv"] = strings.Join(lines[:len(lines)-3], "\n")
	var got DineroResult
	if err := h.CallToolInto(context.Background(), "migrate_from_dinero", args, &got); err != nil {
		t.Fatal(err)
	}
	want := []string{
		"account 1300 Varekøb: the postings of 2025 add up to 0.00, SaldoBalance.csv says 800.00",
		"account 55000 Bankkonto: the postings of 2025 add up to 7250.00, SaldoBalance.csv says 6250.00",
		"account 63100 Købsmoms: the postings of 2025 add up to 0.00, SaldoBalance.csv says 200.00",
	}
	if d := cmp.Diff(want, got.Warnings); d != "" {
		t.Errorf("warnings (-want +got):\n%s", d)
	}
}

// TestDineroZipInput: the folder as a zip in content reads as the files
// do; a bad file in it refuses the call, naming file and line.
func TestDineroZipInput(t *testing.T) {
	ctx := context.Background()
	h := sdktest.New(t, New(), sdktest.WithBilly((&dineroBilly{}).serve))
	files := readDineroDir(t, "testdata/dinero/basic")
	args := map[string]any{"export": map[string]any{"content": base64.StdEncoding.EncodeToString(zipOf(t, "eksport/", files))}, "dry_run": true,
		"account_map": map[string]int{"55100": 5600}, "result_account_no": 61000}
	var got DineroResult
	if err := h.CallToolInto(ctx, "migrate_from_dinero", args, &got); err != nil {
		t.Fatal(err)
	}
	if got.OpeningBalance.Debit != "10375.00" || len(got.Contacts) != 3 {
		t.Errorf("from the zip: %+v", got.OpeningBalance)
	}
	files["2025/SaldoBalance.csv"] = []byte("Konto;Kontonavn;Beløb\n1000;Salg;1.500,00\n55000;Bank;12,5x\n")
	args["export"] = map[string]any{"content": base64.StdEncoding.EncodeToString(zipOf(t, "eksport/", files))}
	err := h.CallToolInto(ctx, "migrate_from_dinero", args, &got)
	if e := sdk.AsError(err); e == nil || e.Code != "dinero_amount" || !strings.Contains(e.Message, "eksport/2025/SaldoBalance.csv line 3") {
		t.Errorf("a bad file: %v", err)
	}
}

// BenchmarkParseDinero: a year of 50,000 postings (about 4 MB, past the
// size of a small business's year), parsed and checked.
func BenchmarkParseDinero(b *testing.B) {
	files := readDineroDir(b, "testdata/dinero/basic")
	var sb strings.Builder
	sb.WriteString("Konto;Kontonavn;Dato;Bilag;Bilagstype;Tekst;Momstype;Beløb;Saldo\n")
	for i := range 25000 {
		fmt.Fprintf(&sb, "55100;Debitorer;2025-%02d-%02d;%d;Faktura;Faktura %d;;1250,00;0,00\n", i%12+1, i%28+1, i, i)
		fmt.Fprintf(&sb, "1000;Salg;2025-%02d-%02d;%d;Faktura;Faktura %d;U25 - Dansk salgsmoms;-1250,00;0,00\n", i%12+1, i%28+1, i, i)
	}
	files["2025/Posteringer.csv"] = []byte(sb.String())
	b.SetBytes(int64(sb.Len()))
	for b.Loop() {
		x, err := parseDineroExport(files)
		if err != nil || len(x.Years[1].Postings) != 50000 {
			b.Fatal(err)
		}
	}
}

// TestDineroFolder: the export folder unzipped in the inbox reads as the
// files do, over stdio only, and not through a link out of the inbox.
func TestDineroFolder(t *testing.T) {
	ctx := context.Background()
	inbox := t.TempDir()
	dst := filepath.Join(inbox, "dinero")
	for name, b := range readDineroDir(t, "testdata/dinero/basic") {
		p := filepath.Join(dst, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	outside := t.TempDir()
	if err := os.Symlink(outside, filepath.Join(inbox, "out")); err != nil {
		t.Fatal(err)
	}
	args := map[string]any{"folder": "dinero", "dry_run": true, "account_map": map[string]int{"55100": 5600}, "result_account_no": 61000}
	stdio := sdktest.New(t, New(), sdktest.WithBilly((&dineroBilly{}).serve), sdktest.WithConfig(map[string]any{"inbox_dir": inbox}),
		sdktest.WithCaller(sdk.Caller{Subject: "u1", OrganizationID: "org1", Transport: "mcp-stdio"}))
	var got DineroResult
	if err := stdio.CallToolInto(ctx, "migrate_from_dinero", args, &got); err != nil {
		t.Fatal(err)
	}
	if got.OpeningBalance.Debit != "10375.00" || len(got.Files) != 8 {
		t.Errorf("from the folder: %+v, files %v", got.OpeningBalance, got.Files)
	}
	args["folder"] = "out"
	if e := sdk.AsError(stdio.CallToolInto(ctx, "migrate_from_dinero", args, &got)); e == nil || e.Category != sdk.CategoryValidation {
		t.Errorf("a link out of the inbox: %v", e)
	}
	args["folder"] = "dinero"
	http := sdktest.New(t, New(), sdktest.WithBilly((&dineroBilly{}).serve), sdktest.WithConfig(map[string]any{"inbox_dir": inbox}),
		sdktest.WithCaller(sdk.Caller{Subject: "u1", OrganizationID: "org1", Transport: "mcp-http"}))
	if e := sdk.AsError(http.CallToolInto(ctx, "migrate_from_dinero", args, &got)); e == nil || e.Code != "path_needs_stdio" {
		t.Errorf("over HTTP: %v", e)
	}
}

// TestDineroUpload: the export zipped and uploaded to the host (HTTP
// clients) is named by its handle in export.upload, which the input
// schema lets through (the host validates arguments against it).
func TestDineroUpload(t *testing.T) {
	zipped := zipOf(t, "eksport/", readDineroDir(t, "testdata/dinero/basic"))
	h := sdktest.New(t, New(), sdktest.WithBilly((&dineroBilly{}).serve),
		sdktest.WithUpload("upl_dinero", sdk.Upload{Data: zipped, MIME: "application/zip", FileName: "dinero.zip"}))
	args := map[string]any{"export": map[string]any{"upload": "upl_dinero"}, "dry_run": true, "account_map": map[string]int{"55100": 5600}, "result_account_no": 61000}
	var got DineroResult
	if err := h.CallToolInto(context.Background(), "migrate_from_dinero", args, &got); err != nil {
		t.Fatal(err)
	}
	if got.OpeningBalance.Debit != "10375.00" || len(got.Contacts) != 3 {
		t.Errorf("from the upload: %+v", got.OpeningBalance)
	}
	var schema struct {
		Properties struct {
			Export struct {
				Properties map[string]any
			}
		}
	}
	if err := json.Unmarshal(dineroInputSchema, &schema); err != nil || schema.Properties.Export.Properties["upload"] == nil {
		t.Errorf("the input schema's export takes no upload (%v)", err)
	}
}

// TestDineroStopsHalfWay: a Billy error part way stops the run, saying how
// far it got; the lease keeps a second run off until it runs out, and the
// run after it creates only what is missing.
func TestDineroStopsHalfWay(t *testing.T) {
	ctx := context.Background()
	billy := &dineroBilly{}
	failProducts := true
	serve := func(ctx context.Context, req sdk.BillyRequest) (*sdk.BillyResponse, error) {
		if req.Method == "POST" && req.Path == "/products" && failProducts {
			return &sdk.BillyResponse{Status: 500, Body: json.RawMessage(`{"errorCode":"INTERNAL_ERROR"}`)}, nil
		}
		return billy.serve(ctx, req)
	}
	leases := map[string]bool{}
	h := sdktest.New(t, New(), sdktest.WithBilly(serve), sdktest.WithWritesMode(sdk.WritesDirect),
		sdktest.WithConsumeOnce(func(_ context.Context, key string, _ time.Time) (bool, error) {
			first := !leases[key]
			leases[key] = true
			return first, nil
		}))
	args := dineroArgs(t)
	err := h.CallToolInto(ctx, "migrate_from_dinero", args, &DineroResult{})
	if err == nil || !strings.Contains(err.Error(), "stopped at product P-1 after 2 of 5 records (created 2 contacts, 0 products)") {
		t.Fatalf("a failing product: %v", err)
	}
	failProducts = false
	if e := sdk.AsError(h.CallToolInto(ctx, "migrate_from_dinero", args, &DineroResult{})); e == nil || e.Code != "dinero_migration_in_progress" {
		t.Fatalf("within the lease: %v", e)
	}
	clear(leases)
	var done DineroResult
	if err := h.CallToolInto(ctx, "migrate_from_dinero", args, &done); err != nil {
		t.Fatal(err)
	}
	if cmp.Diff(map[string]int{"contacts": 0, "products": 2, "daybook_transactions": 1}, done.Created) != "" || len(billy.contacts) != 2 {
		t.Errorf("the run after: %v; %d contacts in Billy", done.Created, len(billy.contacts))
	}
}
