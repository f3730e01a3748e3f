package analytics

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/billy-mcp/billy-mcp/sdk"
	"github.com/billy-mcp/billy-mcp/sdk/sdktest"
)

func TestSyncReportsProgressAndIsIncremental(t *testing.T) {
	srv := newSandbox(t, "service")
	h := start(t, srv)
	ctx := context.Background()
	var first, second SyncOutput
	if err := h.CallToolInto(ctx, "analytics_sync", SyncInput{}, &first); err != nil {
		t.Fatal(err)
	}
	if !first.Stats.Full || first.Set.Invoices == 0 || first.Set.OrganizationName == "" {
		t.Errorf("first sync: %+v", first)
	}
	prog := h.Progress()
	if len(prog) < 5 {
		t.Fatalf("%d progress notifications, want one per page at least", len(prog))
	}
	for i := 1; i < len(prog); i++ {
		if prog[i].Progress < prog[i-1].Progress || prog[i].Progress > prog[i].Total {
			t.Errorf("progress %d: %v of %v after %v", i, prog[i].Progress, prog[i].Total, prog[i-1].Progress)
		}
	}
	if err := h.CallToolInto(ctx, "analytics_sync", SyncInput{}, &second); err != nil {
		t.Fatal(err)
	}
	if second.Stats.Full || second.Set.Invoices != first.Set.Invoices {
		t.Errorf("second sync: full %v, %d invoices (first %d)", second.Stats.Full, second.Set.Invoices, first.Set.Invoices)
	}
}

// A Billy that is down reaches the caller as Billy's error, in the one
// error model, not as an internal error.
func TestBillyDownIsUpstreamUnavailable(t *testing.T) {
	p := &Plugin{now: func() time.Time { return anchor }}
	h, err := sdktest.Start(t, p.declare(), sdktest.WithDataDir(t.TempDir()),
		sdktest.WithCaller(sdk.Caller{Subject: "u", OrganizationID: "org-1"}),
		sdktest.WithBilly(func(ctx context.Context, req sdk.BillyRequest) (*sdk.BillyResponse, error) {
			return nil, &sdk.Error{Code: "upstream_unavailable", Category: sdk.CategoryUpstreamUnavailable, Message: "Billy is down", Retryable: true}
		}))
	if err != nil {
		t.Fatal(err)
	}
	_, err = h.CallTool(context.Background(), "get_aged_receivables", ReceivablesInput{})
	var e *sdk.Error
	if !errors.As(err, &e) || e.Category != sdk.CategoryUpstreamUnavailable || !e.Retryable {
		t.Fatalf("got %v, want upstream_unavailable", err)
	}
}

func TestNoOrganization(t *testing.T) {
	p := &Plugin{now: func() time.Time { return anchor }}
	h, err := sdktest.Start(t, p.declare(), sdktest.WithDataDir(t.TempDir()), sdktest.WithCaller(sdk.Caller{Subject: "u"}))
	if err != nil {
		t.Fatal(err)
	}
	_, err = h.CallTool(context.Background(), "get_revenue_report", RevenueReportInput{})
	var e *sdk.Error
	if !errors.As(err, &e) || e.Code != "organization_required" {
		t.Fatalf("got %v, want organization_required", err)
	}
}

func TestCustomersAndCashIn(t *testing.T) {
	srv := newSandbox(t, "service")
	h := start(t, srv)
	ctx := context.Background()
	var c CustomersOutput
	if err := h.CallToolInto(ctx, "get_customer_report", CustomersInput{From: "2026-01-01", To: "2026-11-27", Top: 5}, &c); err != nil {
		t.Fatal(err)
	}
	if len(c.Top) != 5 || c.ActiveCount < 5 {
		t.Fatalf("top %d of %d active", len(c.Top), c.ActiveCount)
	}
	for i := 1; i < len(c.Top); i++ {
		if c.Top[i].Net.Dec().GreaterThan(c.Top[i-1].Net.Dec()) {
			t.Errorf("top customers not in order at %d", i)
		}
	}
	for _, n := range c.New {
		if n.FirstInvoice < "2026-01-01" {
			t.Errorf("new customer %s first invoiced %s", n.Name, n.FirstInvoice)
		}
	}
	for _, l := range c.Lapsed {
		if l.Invoices != 0 || l.LastInvoice > c.PreviousTo {
			t.Errorf("lapsed customer %s: %d invoices in the period, last %s", l.Name, l.Invoices, l.LastInvoice)
		}
	}
	var ci CashInOutput
	if err := h.CallToolInto(ctx, "get_cash_in_forecast", CashInInput{AsOf: "2026-11-27", Horizon: 60, By: "month"}, &ci); err != nil {
		t.Fatal(err)
	}
	var ar ReceivablesOutput
	if err := h.CallToolInto(ctx, "get_aged_receivables", ReceivablesInput{AsOf: "2026-11-27"}, &ar); err != nil {
		t.Fatal(err)
	}
	// Every open invoice is expected somewhere: the periods add up to the
	// open invoices (credit notes are not cash in).
	var expected, open int
	for _, p := range ci.Periods {
		expected += p.Invoices
	}
	for _, t := range ar.Totals {
		open += t.Invoices
	}
	if expected == 0 || expected > open {
		t.Errorf("cash-in counts %d invoices, receivables %d", expected, open)
	}
	for _, inv := range ci.Invoices {
		if inv.Expected < "2026-11-27" {
			t.Errorf("invoice %s expected %s, before asOf", inv.No, inv.Expected)
		}
	}
}
