package main

import (
	"crypto/rand"
	"io"
	"time"

	"github.com/billy-mcp/billy-mcp/sdk"
)

// plugin holds what the tools share: the clock (injected by tests, for
// token expiry and "today") and the confirmation tokens.
type plugin struct {
	now    func() time.Time
	tokens *tokens
}

// New declares the plugin. Keeping it separate from main lets the sdktest
// tests run exactly what the binary serves.
func New() *sdk.Plugin { return newPlugin(time.Now, rand.Reader).declare() }

func newPlugin(now func() time.Time, random io.Reader) *plugin {
	return &plugin{now: now, tokens: newTokens(now, random)}
}

func (p *plugin) declare() *sdk.Plugin {
	return &sdk.Plugin{
		Name:    "invoices",
		Version: "0.1.0",
		Description: "Invoicing in Billy.dk: invoices and credit notes (create, approve, email, void), customers and contact persons, " +
			"products, payments, revenue, tax rates and accounts, and connection checks. Destructive writes ask for confirmation.",
		Tools: []sdk.Tool{
			// invoices
			p.listInvoicesTool(), p.getInvoiceTool(), p.getInvoicePDFTool(),
			p.createInvoiceTool(), p.updateInvoiceTool(),
			p.approveInvoiceTool(), p.sendInvoiceTool(), p.cancelInvoiceTool(), p.createCreditNoteTool(),
			p.markInvoicePaidTool(), p.getRevenueTool(),
			// customers
			p.listCustomersTool(), p.getCustomerTool(), p.createCustomerTool(), p.updateCustomerTool(),
			p.listContactPersonsTool(), p.createContactPersonTool(),
			// products
			p.listProductsTool(), p.getProductTool(), p.createProductTool(), p.updateProductTool(),
			// payments
			p.listPaymentsTool(), p.recordPaymentTool(),
			// reference
			p.listTaxRatesTool(), p.listAccountsTool(),
			// diagnostics
			p.validateAuthTool(), p.testConnectionTool(),
		},
	}
}

// Tool specs by effect. Every tool reaches Billy, so none is closed-world.

func readSpec(s sdk.ToolSpec) sdk.ToolSpec {
	s.Effect = sdk.ReadOnly
	s.Idempotent = true
	return s
}

// additiveSpec: creates and edits that another edit can undo. Creates are
// not idempotent (calling twice makes two records); updates are.
func additiveSpec(s sdk.ToolSpec, idempotent bool) sdk.ToolSpec {
	s.Effect = sdk.Additive
	s.Idempotent = idempotent
	return s
}

// destructiveSpec: writes that cannot be taken back (bookkeeping entries,
// emails, payments).
func destructiveSpec(s sdk.ToolSpec) sdk.ToolSpec {
	s.Effect = sdk.Destructive
	return s
}

// Text shared by write tool descriptions.
const (
	additiveNote = " Writes follow the deployment's write policy: refused when writes are off; otherwise done directly, " +
		"because it can be undone by another edit. dry_run: true returns the exact Billy request without writing. " +
		"Returns the record as Billy stored it."
	destructiveNote = " This cannot be undone, so under the default write policy the first call writes nothing: it returns " +
		"status confirmation_required with a preview and a confirmation_token; show the preview to the user and, only if they agree, " +
		"repeat the identical call with confirmation_token (valid 5 minutes, once). Clients with forms are asked directly instead. " +
		"dry_run: true returns the exact Billy request without writing. Returns the record as Billy stored it."
)
