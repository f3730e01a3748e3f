package integrations

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"regexp"
	"strings"

	"github.com/billy-mcp/billy-mcp/plugins/internal/gln"
	"github.com/billy-mcp/billy-mcp/sdk"
	"github.com/shopspring/decimal"
)

// The e-invoice preflight (integrations.md § 4.1, § 4.5): Billy sends
// OIOUBL/Peppol invoices to public buyers itself (POST /invoiceDeliveries,
// through its partner), so what a plugin adds is catching the known
// rejection causes before sending: no or an invalid GLN, no buyer or order
// reference, zero quantities or prices, lines without a VAT rate, no seller
// CVR, a negative credit note, and an invoice already delivered. It reads
// and reports; it sends nothing.

// Finding is one preflight result.
type Finding struct {
	Rule     string `json:"rule" jsonschema:"what was checked, e.g. gln_check_digit"`
	Severity string `json:"severity" jsonschema:"error (the send would be rejected), warning (may be rejected) or info"`
	Field    string `json:"field,omitempty" jsonschema:"the Billy field to fix"`
	Message  string `json:"message"`
}

// PreflightReport is the output of einvoice_preflight.
type PreflightReport struct {
	InvoiceID string    `json:"invoice_id"`
	InvoiceNo string    `json:"invoice_no"`
	Customer  string    `json:"customer"`
	GLN       string    `json:"gln,omitempty"`
	Ready     bool      `json:"ready" jsonschema:"no error found; warnings may remain"`
	Findings  []Finding `json:"findings"`
}

// PreflightInput names the invoice.
type PreflightInput struct {
	InvoiceID string `json:"invoice_id"`
}

var safeOrderRef = regexp.MustCompile(`^[A-Za-z0-9 ._/-]{1,35}$`)

func (p *plugin) einvoicePreflightTool() sdk.Tool {
	return sdk.NewTool(sdk.ToolSpec{
		Name:  "einvoice_preflight",
		Title: "Check an invoice before sending it as an e-invoice",
		Description: "Checks an invoice for the known rejection causes of OIOUBL/Peppol e-invoices to Danish public buyers (NemHandel): " +
			"the customer's GLN (EAN) and its check digit, a buyer or order reference, zero quantities or prices, lines without VAT, the seller's CVR, " +
			"a negative credit note, and whether it was delivered already. Reads only; Billy sends the e-invoice itself.",
		Effect: sdk.ReadOnly, Idempotent: true, Category: "integrations",
		Scopes: []string{"invoices:read"},
	}, func(ctx context.Context, call *sdk.Call, in PreflightInput) (PreflightReport, error) {
		if err := checkID("invoice_id", in.InvoiceID); err != nil {
			return PreflightReport{}, err
		}
		return preflight(ctx, call, in.InvoiceID)
	})
}

func preflight(ctx context.Context, call *sdk.Call, id string) (PreflightReport, error) {
	roots, err := billy(ctx, call, "GET", "/invoices/"+url.PathEscape(id), nil, nil)
	if err != nil {
		var e *sdk.Error
		if errors.As(err, &e) && e.Category == sdk.CategoryNotFound {
			return PreflightReport{}, sdk.NotFound("invoice_not_found", "there is no invoice with ID %q in this Billy organization; check invoice_id", id)
		}
		return PreflightReport{}, withContext(err, "reading invoice %s", id)
	}
	var inv struct {
		billyInvoice
		OrderNo     *string         `json:"orderNo"`
		GrossAmount decimal.Decimal `json:"grossAmount"`
	}
	if err := decodeRoot(roots, "invoice", &inv); err != nil {
		return PreflightReport{}, err
	}
	out := PreflightReport{InvoiceID: id, InvoiceNo: string(inv.InvoiceNo), Findings: []Finding{}}
	add := func(rule, sev, field, format string, args ...any) {
		out.Findings = append(out.Findings, Finding{Rule: rule, Severity: sev, Field: field, Message: fmt.Sprintf(format, args...)})
	}

	if inv.State != "approved" {
		add("approved", "error", "state", "the invoice is %s; Billy sends only approved invoices as e-invoices", inv.State)
	}
	if inv.Type == "creditNote" && inv.GrossAmount.IsNegative() && !inv.GrossAmount.IsZero() {
		// Billy keeps credit note amounts positive; a negative total would
		// break DK-R-016.
		add("credit_note_not_negative", "error", "lines", "the credit note's total is negative (%s); Peppol DK-R-016 refuses it", inv.GrossAmount.StringFixed(2))
	}

	// The buyer: name and GLN.
	croots, err := billy(ctx, call, "GET", "/contacts/"+url.PathEscape(inv.ContactID), nil, nil)
	if err != nil {
		return PreflightReport{}, withContext(err, "reading the invoice's customer")
	}
	var contact struct {
		Name           string `json:"name"`
		EAN            string `json:"ean"`
		RegistrationNo string `json:"registrationNo"`
	}
	if err := decodeRoot(croots, "contact", &contact); err != nil {
		return PreflightReport{}, err
	}
	out.Customer = contact.Name
	ean := strings.Join(strings.Fields(contact.EAN), "")
	out.GLN = ean
	switch {
	case ean == "":
		add("gln_present", "error", "contact.ean", "the customer %s has no EAN (GLN): a public buyer is addressed by the 13-digit location number it gave you; set it on the customer", contact.Name)
	case !gln.Valid(ean):
		add("gln_check_digit", "error", "contact.ean", "the customer's EAN (GLN) %q is not a valid 13-digit location number (the GS1 check digit fails); ask the buyer for the right one", contact.EAN)
	default:
		add("gln_registered", "info", "contact.ean", "the GLN %s is well-formed; whether it is registered in NemHandelsregisteret cannot be checked from here", ean)
	}

	// The reference the buyer needs (Peppol R003: buyer or order reference).
	ref := ""
	if inv.OrderNo != nil {
		ref = strings.TrimSpace(*inv.OrderNo)
	}
	switch {
	case ref == "":
		add("buyer_reference", "error", "orderNo", "the invoice has no order number: public buyers require the order number or personal reference they gave (Peppol R003), and reject invoices without it")
	case !safeOrderRef.MatchString(ref):
		add("order_reference_format", "warning", "orderNo", "the order number %q has characters or a length (over 35) that buyers' systems often reject; use letters, digits, space, . _ / -", ref)
	}

	// The seller's CVR (DK-R-002).
	oroots, err := billy(ctx, call, "GET", "/organization", nil, nil)
	if err != nil {
		return PreflightReport{}, withContext(err, "reading the organization")
	}
	var org struct {
		RegistrationNo string `json:"registrationNo"`
	}
	_ = decodeRoot(oroots, "organization", &org)
	cvr := strings.TrimPrefix(strings.Join(strings.Fields(org.RegistrationNo), ""), "DK")
	if len(cvr) != 8 || !digitsOnly(cvr) {
		add("seller_cvr", "error", "organization.registrationNo", "the organization's CVR number (%q) is missing or not 8 digits; Peppol DK-R-002 requires it", org.RegistrationNo)
	}

	// The lines: non-zero quantity and price, a VAT rate each.
	type line struct {
		Description string          `json:"description"`
		Quantity    decimal.Decimal `json:"quantity"`
		UnitPrice   decimal.Decimal `json:"unitPrice"`
		TaxRateID   string          `json:"taxRateId"`
	}
	lines, err := listAll[line](ctx, call, "/invoiceLines", "invoiceLines", url.Values{"invoiceId": {id}}, 1)
	if err != nil {
		return PreflightReport{}, withContext(err, "reading the invoice's lines")
	}
	if len(lines) == 0 {
		add("lines", "error", "lines", "the invoice has no lines")
	}
	for i, l := range lines {
		switch {
		case l.Quantity.IsZero():
			add("zero_quantity", "error", fmt.Sprintf("lines[%d].quantity", i), "line %d (%s) has quantity 0; zero values are a common rejection cause", i+1, l.Description)
		case l.UnitPrice.IsZero():
			add("zero_price", "error", fmt.Sprintf("lines[%d].unitPrice", i), "line %d (%s) has price 0; zero values are a common rejection cause", i+1, l.Description)
		}
		if l.TaxRateID == "" {
			add("line_vat", "error", fmt.Sprintf("lines[%d].taxRateId", i), "line %d (%s) has no VAT rate; every e-invoice line needs a VAT category", i+1, l.Description)
		}
	}

	// Delivered already? Billy's invoice log says (received, signedoff).
	logs, err := listAll[struct {
		Type string `json:"type"`
	}](ctx, call, "/invoiceLogs", "invoiceLogs", url.Values{"invoiceId": {id}}, 1)
	switch {
	case err != nil:
		add("not_sent_before", "warning", "", "whether the invoice was delivered before could not be checked (Billy's invoice log did not answer: %s); sending it twice is a common rejection cause", sdk.AsError(err).Message)
	default:
		for _, l := range logs {
			if l.Type == "received" || l.Type == "signedoff" {
				add("not_sent_before", "error", "", "the invoice was delivered already (invoice log: %s); sending it again is rejected as a duplicate", l.Type)
				break
			}
		}
	}

	out.Ready = true
	for _, f := range out.Findings {
		if f.Severity == "error" {
			out.Ready = false
		}
	}
	return out, nil
}
