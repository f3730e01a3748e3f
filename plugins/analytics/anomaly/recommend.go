package anomaly

import (
	"fmt"
	"sort"
	"strings"

	"github.com/shopspring/decimal"
)

// OpenInvoice is an approved invoice with money still owed.
type OpenInvoice struct {
	ID, No, CustomerID, Customer string
	DueDate, Currency            string
	Balance                      decimal.Decimal // invoice currency
	BaseBalance                  decimal.Decimal // base currency
	DaysOverdue                  int             // today − due date (≤ 0: not yet due)
}

// Behaviour is how a customer has paid.
type Behaviour struct {
	CustomerID, Customer string
	Payments             int
	AvgDaysLate          decimal.Decimal
	MaxDaysLate          int
}

// VATPeriod is the current VAT period's running VAT.
type VATPeriod struct {
	Label     string // e.g. "4. kvartal 2026"
	From, To  string
	Deadline  string
	OutputVAT decimal.Decimal // on invoices less credit notes so far, base currency
	InputVAT  decimal.Decimal // on bills so far
	Notes     []string
}

// Recommendation is one action with its evidence.
type Recommendation struct {
	Kind     string // chase_overdue, review_terms, reserve_vat, check_duplicate, correct_vat, investigate_dip, check_invoice
	Priority string // high, medium, low
	Action   string
	Evidence []string
	Records  []string
	Labels   []string         // the records for people (invoice numbers, names, months)
	Amount   *decimal.Decimal `json:",omitempty"` // base currency
}

// lateTerms is the average lateness (days) at which a customer's terms
// deserve a review.
const lateTerms = 14

// Recommend turns the findings and the state of the books into at most
// limit actions, most urgent first.
func Recommend(findings []Finding, open []OpenInvoice, beh []Behaviour, vat *VATPeriod, limit int) []Recommendation {
	var out []Recommendation
	habit := map[string]Behaviour{}
	for _, b := range beh {
		habit[b.CustomerID] = b
	}
	// 1. VAT to reserve for the current period
	if vat != nil {
		due := vat.OutputVAT.Sub(vat.InputVAT)
		if due.IsPositive() {
			ev := []string{fmt.Sprintf("output VAT %s on invoices less credit notes from %s to %s so far", money(vat.OutputVAT), vat.From, vat.To),
				fmt.Sprintf("input VAT %s on bills in the same period", money(vat.InputVAT)),
				fmt.Sprintf("the return and payment are due %s", vat.Deadline)}
			ev = append(ev, vat.Notes...)
			d := due
			out = append(out, Recommendation{Kind: "reserve_vat", Priority: "high", Amount: &d,
				Action:   fmt.Sprintf("Set aside %s for VAT for %s (due %s)", money(due), vat.Label, vat.Deadline),
				Evidence: ev})
		}
	}
	// 2. overdue invoices, largest first
	var over []OpenInvoice
	for _, o := range open {
		if o.DaysOverdue > 0 {
			over = append(over, o)
		}
	}
	sort.SliceStable(over, func(i, j int) bool {
		if !over[i].BaseBalance.Equal(over[j].BaseBalance) {
			return over[i].BaseBalance.GreaterThan(over[j].BaseBalance)
		}
		return over[i].DaysOverdue > over[j].DaysOverdue
	})
	if len(over) > 0 {
		total := decimal.Zero
		oldest := 0
		for _, o := range over {
			total = total.Add(o.BaseBalance)
			oldest = max(oldest, o.DaysOverdue)
		}
		var ev, ids, labels []string
		for i, o := range over {
			if i == 5 {
				ev = append(ev, fmt.Sprintf("and %d more", len(over)-5))
				break
			}
			s := fmt.Sprintf("invoice %s to %s: %s %s open, %d days overdue", nz(o.No, o.ID), o.Customer, money(o.Balance), o.Currency, o.DaysOverdue)
			if b, ok := habit[o.CustomerID]; ok && b.Payments >= 3 {
				s += fmt.Sprintf(" (usually pays %s days late)", b.AvgDaysLate.String())
			}
			ev = append(ev, s)
			ids = append(ids, o.ID)
			labels = append(labels, nz(o.No, o.ID))
		}
		pr := "medium"
		if oldest > 30 {
			pr = "high"
		}
		t := total
		out = append(out, Recommendation{Kind: "chase_overdue", Priority: pr, Amount: &t,
			Action:   fmt.Sprintf("Chase %d overdue invoices (%s in total; the oldest %d days overdue)", len(over), money(total), oldest),
			Evidence: ev, Records: ids, Labels: labels})
	}
	// 3. customers whose terms deserve a review
	late := map[string]bool{}
	for _, f := range findings {
		if f.Kind == "late_payer" {
			late[f.Customer] = true
		}
	}
	var terms []Behaviour
	for _, b := range beh {
		if b.Payments >= 3 && b.AvgDaysLate.GreaterThan(decimal.NewFromInt(lateTerms)) || late[b.Customer] {
			terms = append(terms, b)
		}
	}
	sort.SliceStable(terms, func(i, j int) bool { return terms[i].AvgDaysLate.GreaterThan(terms[j].AvgDaysLate) })
	for i, b := range terms {
		if i == 3 {
			break
		}
		ev := []string{fmt.Sprintf("%d payments, on average %s days after the due date, at worst %d", b.Payments, b.AvgDaysLate.String(), b.MaxDaysLate)}
		for _, f := range findings {
			if f.Kind == "late_payer" && f.Customer == b.Customer {
				ev = append(ev, f.Reason)
			}
		}
		out = append(out, Recommendation{Kind: "review_terms", Priority: "medium",
			Action:   fmt.Sprintf("Review %s's payment terms (shorter terms, reminders, or payment up front)", b.Customer),
			Evidence: ev, Records: []string{b.CustomerID}, Labels: []string{b.Customer}})
	}
	// 4. findings that are actions in themselves
	for _, f := range findings {
		var r Recommendation
		switch f.Kind {
		case "duplicate":
			r = Recommendation{Kind: "check_duplicate", Priority: "high",
				Action: "Check whether these are one invoice entered twice; if so, credit one: " + strings.Join(f.Labels, ", ")}
		case "vat_rate":
			r = Recommendation{Kind: "correct_vat", Priority: "high",
				Action: "Check the VAT on this invoice; a wrong rate is corrected with a credit note and a new invoice: " + strings.Join(f.Labels, ", ")}
		case "revenue_dip":
			r = Recommendation{Kind: "investigate_dip", Priority: "medium", Action: "Look into the revenue dip in " + strings.Join(f.Records, ", ")}
		case "amount", "discount":
			r = Recommendation{Kind: "check_invoice", Priority: "low", Action: f.Summary + ": check it was meant"}
		default:
			continue
		}
		r.Evidence, r.Records, r.Labels, r.Amount = []string{f.Reason}, f.Records, f.Labels, f.Amount
		out = append(out, r)
	}
	rank := map[string]int{"high": 0, "medium": 1, "low": 2}
	sort.SliceStable(out, func(i, j int) bool { return rank[out[i].Priority] < rank[out[j].Priority] })
	if limit > 0 && len(out) > limit {
		out = out[:limit]
	}
	return out
}

func nz(a, b string) string {
	if a != "" {
		return a
	}
	return b
}
