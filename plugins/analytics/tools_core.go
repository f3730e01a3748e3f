package analytics

import (
	"context"
	"time"

	"github.com/billy-mcp/billy-mcp/plugins/analytics/books"
	"github.com/billy-mcp/billy-mcp/sdk"
)

// coreTools are the working set's, the reports', the dashboard's and the
// export's tools.
func (p *Plugin) coreTools() []sdk.Tool {
	tools := []sdk.Tool{
		sdk.NewTool(sdk.ToolSpec{
			Name:  "analytics_sync",
			Title: "Sync the analytics working set",
			Description: "Copies the organization's invoices (with lines), credit notes, payments, bills and postings from Billy into the analytics working set, " +
				"only what changed since the last sync (full: true reads everything again). Reports sync on their own when the set is older than 10 minutes; " +
				"call this after many changes, or to see what the set holds.",
			Effect: sdk.ReadOnly, Idempotent: true, Category: "analytics", Scopes: readScopes,
			Task:     sdk.TaskOptional,
			Examples: []sdk.Example{{Title: "Bring the working set up to date", Arguments: SyncInput{}}},
		}, p.sync),
	}
	return append(tools, p.reportTools()...)
}

// SyncInput is analytics_sync's input.
type SyncInput struct {
	Full bool `json:"full,omitempty" jsonschema:"read everything again instead of only what changed"`
}

// SyncOutput is what a sync did and what the working set holds now.
type SyncOutput struct {
	Stats books.Stats `json:"sync"`
	Set   books.Info  `json:"workingSet"`
	Text  string      `json:"summary"`
}

func (p *Plugin) sync(ctx context.Context, call *sdk.Call, in SyncInput) (SyncOutput, error) {
	org, err := orgOf(call)
	if err != nil {
		return SyncOutput{}, err
	}
	st, err := p.storeFor()
	if err != nil {
		return SyncOutput{}, err
	}
	stats, err := st.Sync(ctx, org, billyFor(call), progressFor(ctx, call), in.Full)
	if err != nil {
		return SyncOutput{}, syncErr(err)
	}
	set, err := st.Set(ctx, org)
	if err != nil {
		return SyncOutput{}, storeErr(err)
	}
	info := set.Info()
	kind := "Inkrementel"
	if stats.Full {
		kind = "Fuld"
	}
	text := kind + " synkronisering af " + info.OrganizationName + " " + daDateTime(info.LastSync) + ": " +
		daInt(info.Invoices) + " fakturaer, " + daInt(info.CreditNotes) + " kreditnotaer, " + daInt(info.Payments) + " betalinger, " +
		daInt(info.Bills) + " regninger, " + daInt(info.Postings) + " posteringer (" + daInt(stats.Requests) + " kald til Billy, " +
		(time.Duration(stats.Millis) * time.Millisecond).String() + ")."
	return SyncOutput{Stats: stats, Set: info, Text: text}, nil
}
