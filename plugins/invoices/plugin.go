package invoices

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"io"
	"time"

	"github.com/billy-mcp/billy-mcp/plugins/internal/confirm"
	"github.com/billy-mcp/billy-mcp/sdk"
)

// plugin holds what the tools share: the clock (injected by tests, for
// token expiry and "today") and the confirmation tokens.
type plugin struct {
	now    func() time.Time
	tokens *confirm.Tokens
}

// New declares the plugin. Keeping it separate from main lets the sdktest
// tests run exactly what the binary serves.
func New() *sdk.Plugin { return newPlugin(time.Now, rand.Reader).declare() }

func newPlugin(now func() time.Time, random io.Reader) *plugin {
	return &plugin{now: now, tokens: confirm.NewTokens("invoices", now, random)}
}

func (p *plugin) declare() *sdk.Plugin {
	return &sdk.Plugin{
		Name:      "invoices",
		Version:   "0.1.0",
		Configure: p.configure,
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

// confirmNote ends every destructive tool's description. The write policy,
// dry_run and the confirmation flow are explained once, in the server's
// instructions (host/internal/app), not in every tool: tools/list is paid
// for in every conversation.
const confirmNote = " May ask the user to confirm first."

// configure takes the deployment's signing key; the plugin has no config
// section of its own.
func (p *plugin) configure(ctx context.Context, _ json.RawMessage) error {
	p.tokens.UseKey(sdk.DeploymentFrom(ctx).SigningKey)
	return nil
}
