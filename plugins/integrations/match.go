package integrations

import (
	"fmt"
	"regexp"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/billy-mcp/billy-mcp/plugins/internal/fik"
	"github.com/shopspring/decimal"
)

// Matching a bank line to an open invoice (integrations.md § 1.5), the
// strongest evidence first:
//
//  1. a FIK +71 payment ID in the line's text or reference whose check
//     digit holds (the rules in plugins/internal/fik, shared with the moms
//     plugin's fik_code) and whose payload is an open invoice's number;
//  2. the invoice's number named in the text ("faktura 1042", "fak. nr.
//     1042", "invoice #1042"), confirmed by the amount equal to its balance
//     or by its customer's name on the line;
//  3. the customer's name on the line (text or payer) and exactly one of
//     the customer's open invoices with a balance equal to the amount.
//
// The amount alone is never enough: a line whose only link to an invoice
// is an equal amount stays unmatched, with that invoice as a hint. A line
// that fits several invoices, or an invoice claimed by several lines, is
// ambiguous: a person decides. Only money in (positive lines) in the
// invoice's currency pays an invoice; money out is not matched here.

// Match statuses.
const (
	matched   = "matched"
	ambiguous = "ambiguous"
	unmatched = "unmatched"
)

// Match is one line's outcome.
type Match struct {
	Key        string      `json:"key" jsonschema:"the line's de-duplication key; record_bank_payments takes these"`
	Line       int         `json:"line"`
	Date       string      `json:"date"`
	Amount     string      `json:"amount"`
	Currency   string      `json:"currency"`
	Text       string      `json:"text"`
	Status     string      `json:"status" jsonschema:"matched, ambiguous or unmatched"`
	Rule       string      `json:"rule,omitempty" jsonschema:"matched by: fik, invoice_number_amount, invoice_number_customer or customer_amount"`
	Reason     string      `json:"reason"`
	Invoice    *Candidate  `json:"invoice,omitempty" jsonschema:"the invoice a matched line pays"`
	Candidates []Candidate `json:"candidates,omitempty" jsonschema:"invoices an ambiguous or unmatched line might pay"`
}

// Candidate is an open invoice as the report names it.
type Candidate struct {
	InvoiceID string `json:"invoice_id"`
	InvoiceNo string `json:"invoice_no"`
	Customer  string `json:"customer"`
	Balance   string `json:"balance" jsonschema:"still owed"`
	Currency  string `json:"currency"`
	DueDate   string `json:"due_date,omitempty"`
}

func candidateOf(inv openInvoice) Candidate {
	return Candidate{InvoiceID: inv.ID, InvoiceNo: inv.No, Customer: inv.Customer, Balance: inv.Balance.StringFixed(2), Currency: inv.Currency, DueDate: inv.DueDate}
}

var (
	digitRun = regexp.MustCompile(`\d+`)
	// invoiceRef finds an invoice number after a word that announces one.
	invoiceRef = regexp.MustCompile(`(?i)(?:^|[^\p{L}])(?:faktura|fakt|fak|fa|invoice|inv|fakturanr|fakturanummer)\.?\s*(?:nr\.?|no\.?|nummer)?\s*[:#]?\s*(\d{1,12})(?:\D|$)`)
)

// fikNumbers are the invoice numbers of the valid +71 payment IDs in s.
func fikNumbers(s string) []string {
	var out []string
	for _, run := range digitRun.FindAllString(s, -1) {
		if n := fik.Number(run); n != "" && !slices.Contains(out, n) {
			out = append(out, n)
		}
	}
	return out
}

func invoiceNumbers(s string) []string {
	var out []string
	for _, m := range invoiceRef.FindAllStringSubmatch(s, -1) {
		n := strings.TrimLeft(m[1], "0")
		if n != "" && !slices.Contains(out, n) {
			out = append(out, n)
		}
	}
	return out
}

// containsName says whether the customer's name n appears in the text h
// as whole words, both already normalised (normText: case and spacing
// ignored), so that a statement of many lines against many customers
// normalises each once. Names shorter than three letters are too common
// to count.
func containsName(h, n string) bool {
	if !strings.Contains(h, n) || utf8.RuneCountInString(n) < 3 {
		return false
	}
	for i := 0; ; {
		j := strings.Index(h[i:], n)
		if j < 0 {
			return false
		}
		start, end := i+j, i+j+len(n)
		if boundary(h, start-1) && boundary(h, end) {
			return true
		}
		i = start + 1
	}
}

func boundary(s string, i int) bool {
	if i < 0 || i >= len(s) {
		return true
	}
	r := rune(s[i])
	return !(unicode.IsLetter(r) || unicode.IsDigit(r)) && r < 0x80
}

// matchLines matches every line against the open invoices.
func matchLines(lines []BankLine, invs []openInvoice) []Match {
	ix := index{byNo: map[string][]openInvoice{}, byName: map[string][]openInvoice{}, byBalance: map[string][]openInvoice{}}
	for _, inv := range invs {
		ix.byBalance[inv.Balance.StringFixed(6)] = append(ix.byBalance[inv.Balance.StringFixed(6)], inv)
		n := strings.TrimLeft(inv.No, "0")
		ix.byNo[n] = append(ix.byNo[n], inv)
		name := normText(inv.Customer)
		if _, seen := ix.byName[name]; !seen {
			ix.names = append(ix.names, name)
		}
		ix.byName[name] = append(ix.byName[name], inv)
	}
	out := make([]Match, 0, len(lines))
	for _, l := range lines {
		out = append(out, matchLine(l, ix))
	}
	// An invoice claimed by two lines: neither is taken on trust.
	claims := map[string][]int{}
	for i, m := range out {
		if m.Status == matched {
			claims[m.Invoice.InvoiceID] = append(claims[m.Invoice.InvoiceID], i)
		}
	}
	for _, idx := range claims {
		if len(idx) < 2 {
			continue
		}
		for _, i := range idx {
			others := []string{}
			for _, j := range idx {
				if j != i {
					others = append(others, fmt.Sprint(out[j].Line))
				}
			}
			m := &out[i]
			m.Status, m.Candidates = ambiguous, []Candidate{*m.Invoice}
			m.Reason = fmt.Sprintf("%s; but line(s) %s claim invoice %s too: decide which line pays it", m.Reason, strings.Join(others, ", "), m.Invoice.InvoiceNo)
			m.Invoice, m.Rule = nil, ""
		}
	}
	return out
}

// index is the open invoices by number and by normalised customer name.
type index struct {
	byNo   map[string][]openInvoice
	byName map[string][]openInvoice
	names  []string // byName's keys, in invoice order
	// byBalance: the amount-only hint (never a match) without a scan.
	byBalance map[string][]openInvoice
}

func matchLine(l BankLine, ix index) Match {
	m := Match{Key: l.Key, Line: l.Line, Date: l.Date, Amount: l.Amount, Currency: l.Currency, Text: l.Text}
	if !l.amount.IsPositive() {
		m.Status, m.Reason = unmatched, "money out (or zero): only money in pays an invoice"
		return m
	}
	inCur := func(list []openInvoice) []openInvoice {
		return slices.DeleteFunc(slices.Clone(list), func(inv openInvoice) bool { return inv.Currency != l.Currency })
	}
	hay := l.Text + " " + l.Reference
	who := normText(l.Text + " " + l.Payer)

	// 1. FIK +71.
	if nums := fikNumbers(hay); len(nums) > 0 {
		var found []openInvoice
		for _, n := range nums {
			found = append(found, inCur(ix.byNo[n])...)
		}
		switch len(found) {
		case 1:
			return settle(m, found[0], "fik", fmt.Sprintf("FIK +71 payment ID for invoice %s", found[0].No), l.amount)
		case 0:
			m.Status, m.Reason = unmatched, fmt.Sprintf("a valid FIK +71 payment ID names invoice %s, which is not an open %s invoice (paid already, not approved, or another currency)", strings.Join(nums, ", "), l.Currency)
			return m
		default:
			return ambiguousOf(m, found, "the FIK payment IDs name several open invoices")
		}
	}

	// 2. The invoice number in the text.
	if nums := invoiceNumbers(hay); len(nums) > 0 {
		var found []openInvoice
		for _, n := range nums {
			found = append(found, inCur(ix.byNo[n])...)
		}
		switch {
		case len(found) == 1:
			inv := found[0]
			switch {
			case l.amount.Equal(inv.Balance):
				return settle(m, inv, "invoice_number_amount", fmt.Sprintf("invoice number %s in the text, and the amount equals its balance", inv.No), l.amount)
			case containsName(who, normText(inv.Customer)):
				return settle(m, inv, "invoice_number_customer", fmt.Sprintf("invoice number %s in the text, and its customer %s is named", inv.No, inv.Customer), l.amount)
			}
			return ambiguousOf(m, found, fmt.Sprintf("invoice number %s is in the text, but neither the amount (balance %s) nor the customer's name confirms it", inv.No, inv.Balance.StringFixed(2)))
		case len(found) > 1:
			return ambiguousOf(m, found, "the text names several open invoices; one bank line is recorded against one invoice here")
		}
		// Numbers named, none open: fall through to the customer.
	}

	// 3. The customer's name and the exact amount.
	var named []openInvoice
	for _, name := range ix.names {
		if containsName(who, name) {
			named = append(named, inCur(ix.byName[name])...)
		}
	}
	var exact []openInvoice
	for _, inv := range named {
		if l.amount.Equal(inv.Balance) {
			exact = append(exact, inv)
		}
	}
	switch {
	case len(exact) == 1:
		return settle(m, exact[0], "customer_amount", fmt.Sprintf("customer %s is named, and the amount equals the balance of their only open invoice of that amount", exact[0].Customer), l.amount)
	case len(exact) > 1:
		return ambiguousOf(m, exact, fmt.Sprintf("customer %s has %d open invoices of exactly this amount", exact[0].Customer, len(exact)))
	case len(named) > 0:
		m.Status, m.Candidates = unmatched, candidates(named)
		m.Reason = fmt.Sprintf("the customer %s is named, but none of their open invoices has a balance of %s", named[0].Customer, l.amount.StringFixed(2))
		return m
	}

	// Amount alone: a hint, never a match.
	same := inCur(ix.byBalance[l.amount.StringFixed(6)])
	m.Status = unmatched
	if len(same) > 0 {
		m.Candidates = candidates(same)
		m.Reason = "only the amount equals an open invoice's balance; the amount alone is never enough to match (no FIK code, invoice number or customer name on the line)"
	} else {
		m.Reason = "no FIK code, invoice number or customer name links this line to an open invoice"
	}
	return m
}

func settle(m Match, inv openInvoice, rule, reason string, amount decimal.Decimal) Match {
	c := candidateOf(inv)
	m.Status, m.Rule, m.Invoice = matched, rule, &c
	switch amount.Cmp(inv.Balance) {
	case -1:
		reason += fmt.Sprintf("; a part payment: %s of %s owed", amount.StringFixed(2), inv.Balance.StringFixed(2))
	case 1:
		reason += fmt.Sprintf("; %s more than the %s owed, which Billy keeps as the customer's balance", amount.Sub(inv.Balance).StringFixed(2), inv.Balance.StringFixed(2))
	}
	m.Reason = reason
	return m
}

func ambiguousOf(m Match, invs []openInvoice, reason string) Match {
	m.Status, m.Reason, m.Candidates = ambiguous, reason, candidates(invs)
	return m
}

func candidates(invs []openInvoice) []Candidate {
	const most = 5
	out := make([]Candidate, 0, min(len(invs), most))
	for i, inv := range invs {
		if i == most {
			break
		}
		out = append(out, candidateOf(inv))
	}
	return out
}
