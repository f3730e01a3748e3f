package analytics

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/billy-mcp/billy-mcp/sdk"
	"github.com/billy-mcp/billy-mcp/sdk/sdktest"
	"github.com/google/go-cmp/cmp"
)

var update = flag.Bool("update", false, "rewrite the golden files")

func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.MkdirAll("testdata", 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (go test -update writes it)", err)
	}
	if diff := cmp.Diff(string(want), string(got)); diff != "" {
		t.Errorf("%s (-golden +got):\n%s", name, diff)
	}
}

// exportOf runs export_report and reads the resource it links to.
func exportOf(t *testing.T, h *sdktest.Harness, in ExportInput) (ExportOutput, sdk.ResourceContents) {
	t.Helper()
	ctx := context.Background()
	res, err := h.CallTool(ctx, "export_report", in)
	if err != nil {
		t.Fatal(err)
	}
	var out ExportOutput
	if err := json.Unmarshal(res.Structured, &out); err != nil {
		t.Fatal(err)
	}
	var link *sdk.ResourceLink
	for _, c := range res.Content {
		if l, ok := c.(*sdk.ResourceLink); ok {
			link = l
		}
	}
	if link == nil || link.URI != out.URI || !strings.HasPrefix(out.URI, exportURIPrefix) {
		t.Fatalf("no resource link to %s in %+v", out.URI, res.Content)
	}
	contents, err := h.ReadResource(ctx, out.URI)
	if err != nil || len(contents) != 1 {
		t.Fatalf("reading %s: %v %v", out.URI, contents, err)
	}
	return out, contents[0]
}

func TestExportGoldens(t *testing.T) {
	srv := newSandbox(t, "service")
	h := start(t, srv)
	_, csv := exportOf(t, h, ExportInput{Report: "revenue", Format: "csv",
		Arguments: map[string]any{"from": "2025-01-01", "to": "2026-11-27", "basis": "invoice", "by": "month"}})
	if csv.MIMEType != "text/csv" {
		t.Errorf("MIME type %q", csv.MIMEType)
	}
	golden(t, "revenue_service.csv", []byte(csv.Text))
	_, js := exportOf(t, h, ExportInput{Report: "receivables", Format: "json", Arguments: map[string]any{"asOf": "2026-11-27"}})
	golden(t, "receivables_service.json", []byte(js.Text))
}

func TestExportPDFIsALinkNotInline(t *testing.T) {
	srv := newSandbox(t, "service")
	h := start(t, srv)
	res, err := h.CallTool(context.Background(), "export_report", ExportInput{Report: "dashboard", Format: "pdf"})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range res.Content {
		if _, ok := c.(*sdk.EmbeddedResource); ok {
			t.Error("a PDF export was embedded in the result")
		}
	}
	_, pdf := exportOf(t, h, ExportInput{Report: "dashboard", Format: "pdf"})
	if pdf.MIMEType != "application/pdf" || !strings.HasPrefix(string(pdf.Blob), "%PDF-") {
		t.Fatalf("not a PDF: %q %q", pdf.MIMEType, pdf.Blob[:min(10, len(pdf.Blob))])
	}
	pdfinfo, err := exec.LookPath("pdftotext")
	if err != nil {
		if testing.Short() {
			t.Skip("poppler-utils missing")
		}
		t.Fatal("pdftotext is missing: install Debian's poppler-utils (scripts/install-deps.sh pdf)")
	}
	f := filepath.Join(t.TempDir(), "d.pdf")
	if err := os.WriteFile(f, pdf.Blob, 0o600); err != nil {
		t.Fatal(err)
	}
	text, err := exec.Command(pdfinfo, "-layout", f, "-").Output()
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"Driftig IT ApS", "Nøgletal", "Periode: 01.11.2026–27.11.2026", "Side 1 af"} {
		if !strings.Contains(string(text), want) {
			t.Errorf("no %q in the dashboard PDF", want)
		}
	}
}

func TestExportBelongsToItsOrganization(t *testing.T) {
	srv := newSandbox(t, "service")
	dir := t.TempDir()
	p := &Plugin{now: func() time.Time { return anchor }}
	billy := sdktest.WithBilly(func(ctx context.Context, req sdk.BillyRequest) (*sdk.BillyResponse, error) {
		code, body := serve(srv, req.Method, req.Path, req.Query)
		return &sdk.BillyResponse{Status: code, Body: body}, nil
	})
	h1, err := sdktest.Start(t, p.declare(), sdktest.WithDataDir(dir), billy, sdktest.WithCaller(sdk.Caller{Subject: "a", OrganizationID: "org-1"}))
	if err != nil {
		t.Fatal(err)
	}
	out, _ := exportOf(t, h1, ExportInput{Report: "receivables", Format: "csv"})
	p2 := &Plugin{now: func() time.Time { return anchor }}
	h2, err := sdktest.Start(t, p2.declare(), sdktest.WithDataDir(dir), billy, sdktest.WithCaller(sdk.Caller{Subject: "b", OrganizationID: "org-2"}))
	if err != nil {
		t.Fatal(err)
	}
	_, err = h2.ReadResource(context.Background(), out.URI)
	var e *sdk.Error
	if !errors.As(err, &e) || e.Category != sdk.CategoryNotFound {
		t.Errorf("another organization read the export: %v", err)
	}
}

func TestReportArgumentErrors(t *testing.T) {
	srv := newSandbox(t, "service")
	h := start(t, srv)
	for _, tc := range []struct {
		tool  string
		args  any
		field string
	}{
		{"get_revenue_report", RevenueReportInput{From: "2026-13-01"}, "from"},
		{"get_revenue_report", RevenueReportInput{From: "2026-05-01", To: "2026-04-01"}, "from"},
		{"get_revenue_report", RevenueReportInput{Basis: "accrual"}, "basis"},
		{"get_revenue_report", RevenueReportInput{Basis: "payment", By: "product"}, "by"},
		{"get_cash_in_forecast", CashInInput{Horizon: 400}, "horizonDays"},
		{"get_customer_report", CustomersInput{Top: 101}, "top"},
		{"export_report", ExportInput{Report: "nope", Format: "csv"}, "report"},
		{"export_report", ExportInput{Report: "revenue", Format: "xlsx"}, "format"},
		{"export_report", ExportInput{Report: "revenue", Format: "csv", Arguments: map[string]any{"colour": "red"}}, "arguments"},
	} {
		_, err := h.CallTool(context.Background(), tc.tool, tc.args)
		var e *sdk.Error
		if !errors.As(err, &e) || e.Category != sdk.CategoryValidation || !strings.Contains(e.Message+fieldsOf(e), tc.field) {
			t.Errorf("%s %+v: %v, want a validation error naming %s", tc.tool, tc.args, err, tc.field)
		}
	}
}

func fieldsOf(e *sdk.Error) string {
	var s []string
	for _, f := range e.Fields {
		s = append(s, f.Field)
	}
	return strings.Join(s, ",")
}
