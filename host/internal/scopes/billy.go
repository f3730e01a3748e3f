package scopes

import (
	"encoding/json"
	"net/http"
	"strings"
)

// billyResource maps the first segment of a Billy API path to the
// resource of the vocabulary that guards it. A path not listed is guarded
// by billy itself (billy:write or more, or admin, may change it).
var billyResource = map[string]string{
	"invoices": "invoices", "invoiceLines": "invoices", "invoiceReminders": "invoices", "salesCreditNotes": "invoices",
	"invoiceDeliveries": "invoices", "invoiceLogs": "invoices",
	"contacts": "customers", "contactPersons": "customers",
	"products": "products", "productPrices": "products",
	"bankPayments": "payments", "balanceModifiers": "payments", "bankLines": "payments", "bankLineMatches": "payments",
	"organization": "organization", "organizations": "organization",
	"accounts": "reference", "taxRates": "reference", "currencies": "reference", "countries": "reference",
	"salesTaxReturns": "moms", "salesTaxPayments": "moms",
	"bills": "bills", "billLines": "bills",
	"daybookTransactions": "ledger", "transactions": "ledger", "postings": "ledger", "daybooks": "ledger",
}

// ForBilly returns the scope a principal needs for a plugin to send method
// path (with body) to Billy on its behalf, or "" for a read: the host's
// Billy service checks writes against it whatever the plugin's tool
// declared, so a read-only principal's call cannot write through any
// plugin. Reads are guarded by the scopes of the tool called.
//
// The action follows what the request does in Billy, not which tool
// sends it: approving or voiding an invoice (its state set to approved or
// voided), sending one (its emails, or an e-invoice through
// invoiceDeliveries), and any payment are approve; a VAT
// return's filing is moms:file; everything else that changes data is
// write.
func ForBilly(method, path string, body []byte) string {
	switch method {
	case http.MethodGet, http.MethodHead, http.MethodOptions:
		return ""
	}
	segs := strings.Split(strings.Trim(path, "/"), "/")
	resource, ok := billyResource[segs[0]]
	if !ok {
		resource = "billy"
	}
	action := "write"
	switch {
	case resource == "moms":
		return MomsFile
	case resource == "payments":
		action = "approve"
	case resource == "invoices" && len(segs) >= 3 && segs[2] == "emails":
		action = "approve"
	case segs[0] == "invoiceDeliveries":
		// Sends the invoice as an e-invoice (NemHandel), as emails does
		// by e-mail: it cannot be called back.
		action = "approve"
	case resource == "invoices" && setsFinalState(body):
		action = "approve"
	}
	return resource + ":" + action
}

// setsFinalState reports whether a Billy request body moves a record to a
// state that cannot be undone: {"invoice": {"state": "approved"}} and the
// like. A body that cannot be read counts as such: the check fails closed.
func setsFinalState(body []byte) bool {
	if len(body) == 0 {
		return false
	}
	var top map[string]json.RawMessage
	if err := json.Unmarshal(body, &top); err != nil {
		return true
	}
	if raw, ok := top["state"]; ok {
		var st string
		if json.Unmarshal(raw, &st) != nil || (st != "" && st != "draft") {
			return true
		}
	}
	for _, raw := range top {
		var rec struct {
			State string `json:"state"`
		}
		if json.Unmarshal(raw, &rec) != nil {
			continue // not an object (an array of lines, a number): no state
		}
		switch rec.State {
		case "", "draft":
		default:
			return true
		}
	}
	return false
}
