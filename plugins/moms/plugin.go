package moms

import (
	"sync/atomic"
	"time"

	_ "time/tzdata" // "today" is Danish time, also where the system has no zoneinfo

	"github.com/billy-mcp/billy-mcp/sdk"
)

// plugin holds what the tools share: the clock (tests inject it, for
// "today") and the configuration in force.
type plugin struct {
	now  func() time.Time
	conf atomic.Pointer[settings]
}

// New declares the plugin. Keeping it separate from main lets the sdktest
// tests run exactly what the binary serves.
func New() *sdk.Plugin { return newPlugin(time.Now).declare() }

func newPlugin(now func() time.Time) *plugin { return &plugin{now: now} }

func (p *plugin) declare() *sdk.Plugin {
	return &sdk.Plugin{
		Name:    "moms",
		Version: "0.2.0",
		Description: "Danish compliance: the VAT return (momsangivelse) from the books, invoice rules, payment terms, late-payment " +
			"interest and reminder fees, FIK codes, fiscal periods, the bookkeeping check; VAT calculation, CVR and IBAN checks, deadlines.",
		Configure:    p.configure,
		ConfigSchema: configSchema,
		Tools: []sdk.Tool{
			calculateVATTool(), validateCVRTool(), validateIBANTool(), vatDeadlinesTool(),
			p.momsReturnTool(), p.checkInvoiceTool(), p.bookkeepingCheckTool(),
			paymentDueDateTool(), p.latePaymentTool(), fikCodeTool(), p.fiscalPeriodsTool(),
		},
		Prompts: p.prompts(),
	}
}

// pureSpec fills in what the computation tools share: they compute from
// their input alone, so they are read-only, idempotent and closed-world.
func pureSpec(s sdk.ToolSpec) sdk.ToolSpec {
	s.Effect = sdk.ReadOnly
	s.Idempotent = true
	s.ClosedWorld = true
	s.Category = "moms"
	// moms:read: billy:read and every role grant it; moms:file (reporting
	// VAT to SKAT) is for a tool that files.
	s.Scopes = []string{"moms:read"}
	return s
}

// booksSpec is for the tools that read the books in Billy: read-only and
// idempotent, but open-world (they reach Billy, sdk.ToolSpec.ClosedWorld),
// and guarded by moms:read like the computations: they compute, and file
// nothing (moms:file is for that).
func booksSpec(s sdk.ToolSpec) sdk.ToolSpec {
	s.Effect = sdk.ReadOnly
	s.Idempotent = true
	s.Category = "moms"
	s.Scopes = []string{"moms:read"}
	return s
}

// copenhagen is Danish time: what "today" means for deadlines and periods.
var copenhagen = func() *time.Location {
	loc, err := time.LoadLocation("Europe/Copenhagen")
	if err != nil {
		return time.FixedZone("CET", 3600)
	}
	return loc
}()

// today is the current Danish civil date (midnight UTC, as date()).
func (p *plugin) today() time.Time {
	n := p.now().In(copenhagen)
	return date(n.Year(), n.Month(), n.Day())
}
