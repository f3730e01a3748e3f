package economic

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/shopspring/decimal"
)

func get(t *testing.T, s http.Handler, path string, headers map[string]string) (int, map[string]any, http.Header) {
	t.Helper()
	req := httptest.NewRequest("GET", path, nil)
	for k, v := range headers {
		req.Header.Set(k, v)
	}
	rec := httptest.NewRecorder()
	s.ServeHTTP(rec, req)
	var body map[string]any
	d := json.NewDecoder(rec.Body)
	d.UseNumber()
	if err := d.Decode(&body); err != nil {
		t.Fatalf("GET %s: %v", path, err)
	}
	return rec.Code, body, rec.Header()
}

var auth = map[string]string{"X-AppSecretToken": "app-secret", "X-AgreementGrantToken": "demo-grant"}

// TestPaging: three pages of two customers make four, with nextPage on
// every page but the last and the envelope's counts.
func TestPaging(t *testing.T) {
	s := New(Options{})
	var numbers []string
	var next []bool
	for skip := range 3 {
		code, body, _ := get(t, s, "/customers?pagesize=3&skippages="+string(rune('0'+skip)), auth)
		if code != 200 {
			t.Fatalf("page %d: %d %v", skip, code, body)
		}
		for _, c := range body["collection"].([]any) {
			numbers = append(numbers, c.(map[string]any)["customerNumber"].(json.Number).String())
		}
		pg := body["pagination"].(map[string]any)
		_, has := pg["nextPage"]
		next = append(next, has)
		if pg["results"].(json.Number).String() != "4" || pg["pageSize"].(json.Number).String() != "3" {
			t.Errorf("page %d: pagination %v", skip, pg)
		}
	}
	if d := cmp.Diff([]string{"101", "102", "103", "104"}, numbers); d != "" {
		t.Errorf("customers (-want +got):\n%s", d)
	}
	if d := cmp.Diff([]bool{true, false, false}, next); d != "" {
		t.Errorf("nextPage (-want +got):\n%s", d)
	}
	if code, body, _ := get(t, s, "/customers?pagesize=1001", auth); code != 400 || body["httpStatusCode"].(json.Number).String() != "400" {
		t.Errorf("pagesize 1001: %d %v", code, body)
	}
}

// TestAuth: each header missing or wrong is a 401 in e-conomic's error
// body.
func TestAuth(t *testing.T) {
	s := New(Options{})
	for name, h := range map[string]map[string]string{
		"none":        {},
		"no grant":    {"X-AppSecretToken": "app-secret"},
		"wrong app":   {"X-AppSecretToken": "x", "X-AgreementGrantToken": "demo-grant"},
		"wrong grant": {"X-AppSecretToken": "app-secret", "X-AgreementGrantToken": "x"},
	} {
		code, body, _ := get(t, s, "/self", h)
		if code != 401 || body["message"] == "" || body["logId"] == nil || body["errorCode"] != "E00500" {
			t.Errorf("%s: %d %v", name, code, body)
		}
	}
}

// TestFaults: FailNext answers 429 with Retry-After, then the fake
// answers again; RateLimitAfter limits from the n+1th request.
func TestFaults(t *testing.T) {
	s := New(Options{RateLimitAfter: 2})
	s.FailNext(1, 429)
	if code, _, h := get(t, s, "/self", auth); code != 429 || h.Get("Retry-After") != "1" {
		t.Errorf("FailNext: %d %v", code, h)
	}
	if code, _, _ := get(t, s, "/self", auth); code != 200 {
		t.Errorf("after FailNext: %d", code)
	}
	if code, _, _ := get(t, s, "/self", auth); code != 429 {
		t.Errorf("over the limit: %d", code)
	}
	s.ResetRateLimit()
	if code, _, _ := get(t, s, "/self", auth); code != 200 {
		t.Errorf("after reset: %d", code)
	}
}

// TestDemoBalances: every accounting year's totals add up to zero, and the
// open invoices' remainders to the 2025 receivables.
func TestDemoBalances(t *testing.T) {
	d := Demo()
	for _, y := range d.AccountingYears {
		sum := decimal.Zero
		for _, v := range y.Totals {
			sum = sum.Add(decimal.RequireFromString(v.String()))
		}
		if !sum.IsZero() {
			t.Errorf("%s: totals add up to %s", y.Year, sum)
		}
	}
	open := decimal.Zero
	for _, inv := range d.Invoices {
		open = open.Add(decimal.RequireFromString(inv.RemainderInBaseCurrency.String()))
	}
	if want := decimal.RequireFromString(d.AccountingYears[1].Totals[5600].String()); !open.Equal(want) {
		t.Errorf("open items %s, receivables %s", open, want)
	}
	s := New(Options{})
	code, body, _ := get(t, s, "/invoices/unpaid?pagesize=1000", auth)
	if code != 200 || len(body["collection"].([]any)) != 2 {
		t.Errorf("unpaid: %d %v", code, body)
	}
	code, body, _ = get(t, s, "/accounting-years/2025/totals?pagesize=1000", auth)
	if code != 200 || len(body["collection"].([]any)) != 12 {
		t.Errorf("totals: %d %v", code, body)
	}
	if code, _, _ := get(t, s, "/accounting-years/1999/totals", auth); code != 404 {
		t.Errorf("a year that is not: %d", code)
	}
}
