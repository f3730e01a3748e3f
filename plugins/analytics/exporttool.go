package analytics

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/billy-mcp/billy-mcp/plugins/analytics/books"
	"github.com/billy-mcp/billy-mcp/plugins/analytics/export"
	"github.com/billy-mcp/billy-mcp/sdk"
)

// exportURIPrefix names exports as resources.
const exportURIPrefix = "billy://analytics/exports/"

// inlineLimit is the largest text export also sent inline (as an embedded
// resource) with its link; anything larger, and every PDF, is only linked,
// so that it is not pasted into the chat.
const inlineLimit = 8 << 10

// ExportInput is export_report's input.
type ExportInput struct {
	Report    string         `json:"report" jsonschema:"revenue, receivables, cash_in, customers, profit_and_loss, trial_balance or dashboard"`
	Arguments map[string]any `json:"arguments,omitempty" jsonschema:"the report tool's own arguments (get_revenue_report's for revenue, and so on)"`
	Format    string         `json:"format" jsonschema:"json, csv or pdf"`
}

// ExportOutput says where the export is.
type ExportOutput struct {
	URI      string `json:"uri" jsonschema:"read it as a resource (resources/read); kept 24 hours"`
	Name     string `json:"name" jsonschema:"a file name for it"`
	MIMEType string `json:"mimeType"`
	Bytes    int    `json:"bytes"`
	Inline   bool   `json:"inline" jsonschema:"whether the content is also embedded in this result (small text exports only)"`
	Summary  string `json:"summary"`

	content []sdk.Content
}

// AddedContent sends the link (and a small text export itself).
func (o ExportOutput) AddedContent() []sdk.Content { return o.content }

func (p *Plugin) exportTool() sdk.Tool {
	return sdk.NewTool(sdk.ToolSpec{
		Name: "export_report", Title: "Export a report",
		Description: "Renders an analytics report as JSON, CSV or PDF (a client-ready report in Danish formats with charts and page numbers) and returns a link to it as a resource " +
			"(billy://analytics/exports/…, kept 24 hours); small JSON and CSV exports are embedded too. Large exports are never pasted into the chat.",
		Effect: sdk.ReadOnly, Category: "analytics", Scopes: readScopes,
		Examples: []sdk.Example{
			{Title: "This year's revenue by month as PDF", Arguments: ExportInput{Report: "revenue", Arguments: map[string]any{"from": "2026-01-01", "to": "2026-11-30", "basis": "invoice", "by": "month"}, Format: "pdf"}},
			{Title: "Aged receivables as CSV", Arguments: ExportInput{Report: "receivables", Format: "csv"}},
		},
	}, p.export)
}

func (p *Plugin) reportNames() []string {
	var names []string
	for _, r := range p.reports() {
		names = append(names, r.name)
	}
	return names
}

func (p *Plugin) export(ctx context.Context, call *sdk.Call, in ExportInput) (ExportOutput, error) {
	var out ExportOutput
	idx := slices.IndexFunc(p.reports(), func(r reportDef) bool { return r.name == in.Report })
	if idx < 0 {
		return out, sdk.Invalid("report", "must be one of %s, got %q", strings.Join(p.reportNames(), ", "), in.Report)
	}
	if !slices.Contains([]string{"json", "csv", "pdf"}, in.Format) {
		return out, sdk.Invalid("format", "must be json, csv or pdf, got %q", in.Format)
	}
	org, err := orgOf(call)
	if err != nil {
		return out, err
	}
	var raw json.RawMessage
	if in.Arguments != nil {
		if raw, err = json.Marshal(in.Arguments); err != nil {
			return out, sdk.Invalid("arguments", "must be a JSON object: %v", err)
		}
	}
	doc, err := p.reports()[idx].run(ctx, call, raw)
	if err != nil {
		return out, err
	}
	var data []byte
	mime := map[string]string{"json": "application/json", "csv": "text/csv", "pdf": "application/pdf"}[in.Format]
	switch in.Format {
	case "json":
		data, err = export.JSON(doc)
	case "csv":
		data, err = export.CSV(doc)
	default:
		data, err = export.PDF(doc)
	}
	if err != nil {
		return out, sdk.NewError(sdk.CategoryInternal, "export_failed", "rendering the %s export of %s failed: %v", in.Format, in.Report, err)
	}
	id, err := newID()
	if err != nil {
		return out, err
	}
	st, err := p.storeFor()
	if err != nil {
		return out, err
	}
	name := fmt.Sprintf("%s_%s.%s", in.Report, strings.ReplaceAll(doc.To, "-", ""), in.Format)
	if err := st.SaveExport(ctx, id, org, mime, name, data, p.now()); err != nil {
		return out, storeErr(err)
	}
	out = ExportOutput{URI: exportURIPrefix + id, Name: name, MIMEType: mime, Bytes: len(data)}
	out.content = []sdk.Content{&sdk.ResourceLink{URI: out.URI, Name: name, MIMEType: mime, Description: doc.Title + " – " + doc.Organization}}
	if in.Format != "pdf" && len(data) <= inlineLimit {
		out.Inline = true
		out.content = append(out.content, &sdk.EmbeddedResource{Resource: sdk.ResourceContents{URI: out.URI, MIMEType: mime, Text: string(data)}})
	}
	out.Summary = fmt.Sprintf("%s (%s, %s bytes) er klar: %s. Linket gælder i 24 timer.", doc.Title, strings.ToUpper(in.Format), daInt(len(data)), out.URI)
	return out, nil
}

func newID() (string, error) {
	b := make([]byte, 16)
	if _, err := rand.Read(b); err != nil {
		return "", sdk.NewError(sdk.CategoryInternal, "export_failed", "no randomness for an export ID: %v", err)
	}
	return hex.EncodeToString(b), nil
}

func (p *Plugin) resourceTemplates() []sdk.ResourceTemplate {
	return []sdk.ResourceTemplate{{
		URITemplate: exportURIPrefix + "{id}", Name: "analytics-export", Title: "Analytics export",
		Description: "A report rendered by export_report (JSON, CSV or PDF), for 24 hours; only the organization it was made for can read it.",
		Read: func(ctx context.Context, call *sdk.Call, uri string, vars map[string]string) ([]sdk.ResourceContents, error) {
			org, err := orgOf(call)
			if err != nil {
				return nil, err
			}
			st, err := p.storeFor()
			if err != nil {
				return nil, err
			}
			mime, _, data, err := st.LoadExport(ctx, vars["id"], org, p.now())
			if errors.Is(err, books.ErrNoExport) {
				return nil, sdk.NotFound("export_not_found", "there is no export %s for this organization (exports are kept 24 hours); run export_report again", uri)
			}
			if err != nil {
				return nil, storeErr(err)
			}
			if mime == "application/pdf" {
				return []sdk.ResourceContents{{URI: uri, MIMEType: mime, Blob: data}}, nil
			}
			return []sdk.ResourceContents{{URI: uri, MIMEType: mime, Text: string(data)}}, nil
		},
	}}
}
