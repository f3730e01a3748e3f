package anomaly

import (
	"fmt"
	"math"
	"sort"
	"strings"
	"time"

	"github.com/shopspring/decimal"
)

// Invoice is an approved invoice or credit note, amounts in its currency
// except BaseNet (base currency, for comparisons across currencies).
type Invoice struct {
	ID, No     string
	Type       string // invoice, creditNote
	CustomerID string
	Customer   string
	Country    string // ISO code of the customer's country
	EntryDate  string // YYYY-MM-DD
	DueDate    string
	Currency   string
	Gross      decimal.Decimal
	BaseNet    decimal.Decimal
	Balance    decimal.Decimal
	IsPaid     bool
	CreditedID string // a credit note's invoice
	Lines      []Line
}

// Line is an invoice line.
type Line struct {
	ProductID, Description string
	Quantity               decimal.Decimal
	Net                    decimal.Decimal
	TaxRate                decimal.Decimal // 0.25 for 25 %
	DiscountPercent        decimal.Decimal
}

// Customer is what the VAT rule needs about a customer; unknown fields
// stay zero (Known false: only the country is used).
type Customer struct {
	Known          bool
	Company        bool // a company (or it has a VAT number)
	SalesTaxExempt bool
}

// Payment is one payment of an invoice.
type Payment struct {
	InvoiceID, CustomerID string
	Date                  string
	DaysLate              int
}

// Finding is one anomaly: what, why, and the records.
type Finding struct {
	Kind     string   // amount, vat_rate, discount, duplicate, late_payer, revenue_dip
	Severity string   // high, medium, low
	Summary  string   // one line for people (English; the tool adds Danish text)
	Reason   string   // the evidence, with the figures
	Records  []string // invoice IDs (or months for revenue_dip)
	Labels   []string // the records for people: invoice numbers (or months)
	Customer string   `json:",omitempty"`
	// Amount is the amount concerned in the base currency (the invoice's
	// net, or the shortfall of a dip), when there is one.
	Amount *decimal.Decimal `json:",omitempty"`
}

// Options tune the detectors; the zero value is the documented default.
type Options struct {
	Today string // YYYY-MM-DD, for open invoices' lateness
	// Since limits findings to invoices/payments on or after this date
	// (history before it is still used as the baseline). "" = all.
	Since string
	// LinesFrom: invoices dated before it were read without their lines
	// (to keep a large history cheap); the detectors that need lines leave
	// them out, and Discounts starts from PriorDiscounts instead.
	LinesFrom      string
	PriorDiscounts map[string]DiscountHistory
}

// DiscountHistory is how many invoices a customer had before
// Options.LinesFrom, and how many of them carried a discount.
type DiscountHistory struct{ Invoices, Discounted int }

func (o Options) hasLines(inv Invoice) bool { return o.LinesFrom == "" || inv.EntryDate >= o.LinesFrom }

// EU member states other than Denmark (2026), for the VAT rule.
var euOther = map[string]bool{"AT": true, "BE": true, "BG": true, "HR": true, "CY": true, "CZ": true, "EE": true, "FI": true,
	"FR": true, "DE": true, "GR": true, "HU": true, "IE": true, "IT": true, "LV": true, "LT": true, "LU": true, "MT": true,
	"NL": true, "PL": true, "PT": true, "RO": true, "SK": true, "SI": true, "ES": true, "SE": true}

var (
	rate25  = decimal.RequireFromString("0.25")
	hundred = decimal.NewFromInt(100)
)

// robustZ is the modified z-score 0.6745·(x − median)/MAD of Iglewicz and
// Hoaglin (1993), "How to Detect and Handle Outliers", who suggest |z| > 3.5
// as the outlier cut-off.
func robustZ(x float64, sample []float64) (z, med, mad float64) {
	med = median(sample)
	dev := make([]float64, len(sample))
	for i, v := range sample {
		dev[i] = math.Abs(v - med)
	}
	mad = median(dev)
	if mad == 0 {
		return math.NaN(), med, 0
	}
	return 0.6745 * (x - med) / mad, med, mad
}

func median(x []float64) float64 {
	if len(x) == 0 {
		return math.NaN()
	}
	s := append([]float64(nil), x...)
	sort.Float64s(s)
	n := len(s)
	if n%2 == 1 {
		return s[n/2]
	}
	return (s[n/2-1] + s[n/2]) / 2
}

func f64(d decimal.Decimal) float64 { v, _ := d.Float64(); return v }

func pct(d decimal.Decimal) string { return d.Mul(hundred).Round(1).String() + " %" }

// minHistory is how many other invoices a customer needs before an amount
// can be called unusual for it.
const minHistory = 5

// leaveOneOutMax is the most invoices a customer may have for the exact
// leave-one-out statistics.
const leaveOneOutMax = 200

// Amounts flags invoices whose net amount is an outlier among the same
// customer's other invoices (modified z-score > 3.5); for a customer whose
// invoices are all the same amount (MAD 0, such as a subscription), an
// invoice more than 25 % away from it.
func Amounts(invs []Invoice, opt Options) []Finding {
	by := map[string][]Invoice{}
	for _, inv := range invs {
		if inv.Type == "invoice" {
			by[inv.CustomerID] = append(by[inv.CustomerID], inv)
		}
	}
	var out []Finding
	for _, list := range by {
		if len(list) < minHistory+1 {
			continue
		}
		all := make([]float64, len(list))
		for j, o := range list {
			all[j] = f64(o.BaseNet)
		}
		sorted := append([]float64(nil), all...)
		sort.Float64s(sorted)
		// A large customer's median and MAD hardly move when one invoice
		// is left out: compute them once (leave-one-out would cost n² log n).
		var bigZ func(x float64) (float64, float64)
		if len(list) > leaveOneOutMax {
			_, med, mad := robustZ(0, all)
			bigZ = func(x float64) (float64, float64) {
				if mad == 0 {
					return math.NaN(), med
				}
				return 0.6745 * (x - med) / mad, med
			}
		}
		for i, inv := range list {
			if opt.Since != "" && inv.EntryDate < opt.Since {
				continue
			}
			x := all[i]
			var z, med float64
			if bigZ != nil {
				z, med = bigZ(x)
			} else {
				others := make([]float64, 0, len(list)-1)
				others = append(append(others, all[:i]...), all[i+1:]...)
				z, med, _ = robustZ(x, others)
			}
			// the others' range: the sorted values without one copy of x
			lo, hi := sorted[0], sorted[len(sorted)-1]
			if x == lo {
				lo = sorted[1]
			}
			if x == hi {
				hi = sorted[len(sorted)-2]
			}
			// Only a new extreme can be an outlier: an amount within the
			// range the customer has already been invoiced is its normal
			// spread (support hours on top of a subscription, say), even
			// when most invoices are identical and the MAD is 0.
			newExtreme := x > hi*1.2 && x-hi > 1 || x < lo/1.2 && lo-x > 1
			var reason string
			switch {
			case !newExtreme:
			case math.IsNaN(z):
				reason = fmt.Sprintf("net %s; the customer's other %d invoices are all %s", money(inv.BaseNet), len(list)-1, money(decimal.NewFromFloat(med)))
			case math.Abs(z) > 3.5:
				reason = fmt.Sprintf("net %s; the customer's other %d invoices range %s to %s with median %s; modified z-score %.1f (|z| > 3.5 is an outlier)",
					money(inv.BaseNet), len(list)-1, money(decimal.NewFromFloat(lo)), money(decimal.NewFromFloat(hi)), money(decimal.NewFromFloat(med)), z)
			}
			if reason == "" {
				continue
			}
			dir := "higher"
			if x < med {
				dir = "lower"
			}
			amt := inv.BaseNet
			sev := "medium"
			if math.IsNaN(z) || math.Abs(z) > 7 {
				sev = "high"
			}
			out = append(out, Finding{Kind: "amount", Severity: sev, Customer: inv.Customer, Amount: &amt,
				Summary: fmt.Sprintf("Invoice %s to %s is much %s than usual", label(inv), inv.Customer, dir),
				Reason:  reason, Records: []string{inv.ID}, Labels: []string{label(inv)}})
		}
	}
	return out
}

func label(inv Invoice) string {
	if inv.No != "" {
		return inv.No
	}
	return inv.ID
}

func money(d decimal.Decimal) string { return d.StringFixed(2) }

// VATRates checks each line's VAT rate against the customer's country and
// kind (danish-compliance.md §1.1, §1.4; ML § 33, § 34, § 46): Danish
// customers 25 %; EU companies 0 % (reverse charge for services,
// zero-rated goods, with the buyer's VAT number); EU consumers Danish VAT
// (or OSS), never 0 %; companies outside the EU 0 % (outside the scope of
// Danish VAT or export). A product that is usually invoiced at 0 % to Danish
// customers is taken to be exempt (e.g. a gift card) and not flagged, nor
// is a customer marked sales-tax exempt.
func VATRates(invs []Invoice, customers map[string]Customer, opt Options) []Finding {
	// products usually at 0 % for Danish customers: exempt supplies
	zero, all := map[string]int{}, map[string]int{}
	for _, inv := range invs {
		if inv.Country != "DK" {
			continue
		}
		for _, l := range inv.Lines {
			if l.ProductID == "" {
				continue
			}
			all[l.ProductID]++
			if l.TaxRate.IsZero() {
				zero[l.ProductID]++
			}
		}
	}
	var out []Finding
	for _, inv := range invs {
		if opt.Since != "" && inv.EntryDate < opt.Since || len(inv.Lines) == 0 {
			continue
		}
		cu := customers[inv.CustomerID]
		if cu.SalesTaxExempt {
			continue
		}
		var bad []string
		var rule string
		for k, l := range inv.Lines {
			if l.Net.IsZero() {
				continue
			}
			r := l.TaxRate
			what := fmt.Sprintf("line %d (%s) at %s", k+1, strings.TrimSpace(l.Description), pct(r))
			switch {
			case inv.Country == "DK":
				if r.Equal(rate25) {
					continue
				}
				if r.IsZero() && l.ProductID != "" && 2*zero[l.ProductID] > all[l.ProductID] {
					continue // an exempt product
				}
				rule = "a Danish customer pays 25 % VAT (ML § 33)"
				bad = append(bad, what)
			case euOther[inv.Country] && cu.Known && cu.Company:
				if r.IsZero() {
					continue
				}
				rule = "an EU business customer is invoiced without Danish VAT: reverse charge (omvendt betalingspligt, ML § 46) for services, zero-rated (ML § 34) for goods, with the buyer's VAT number"
				bad = append(bad, what)
			case euOther[inv.Country] && cu.Known && !cu.Company:
				if !r.IsZero() {
					continue
				}
				rule = "an EU private customer pays Danish VAT (or the destination country's through OSS), never 0 %"
				bad = append(bad, what)
			case !euOther[inv.Country] && inv.Country != "" && cu.Known && cu.Company:
				if r.IsZero() {
					continue
				}
				rule = "a business customer outside the EU is normally invoiced without Danish VAT (outside the scope, or export)"
				bad = append(bad, what)
			}
		}
		if len(bad) == 0 {
			continue
		}
		amt := inv.BaseNet
		out = append(out, Finding{Kind: "vat_rate", Severity: "high", Customer: inv.Customer, Amount: &amt,
			Summary: fmt.Sprintf("VAT on invoice %s to %s (%s) does not fit the customer", label(inv), inv.Customer, inv.Country),
			Reason:  rule + "; " + strings.Join(bad, ", "), Records: []string{inv.ID}, Labels: []string{label(inv)}})
	}
	return out
}

// Discounts flags a line discount of 50 % or more, and a discount of
// 15 % or more for a customer none of whose previous 10 or more invoices
// had one.
func Discounts(invs []Invoice, opt Options) []Finding {
	seen := map[string]int{}       // invoices per customer so far
	discounted := map[string]int{} // of them with a discount
	for c, h := range opt.PriorDiscounts {
		seen[c], discounted[c] = h.Invoices, h.Discounted
	}
	half := decimal.NewFromInt(50)
	fifteen := decimal.NewFromInt(15)
	var out []Finding
	for _, inv := range invs { // entry-date order
		if inv.Type != "invoice" || !opt.hasLines(inv) {
			continue
		}
		var maxD decimal.Decimal
		var where string
		for k, l := range inv.Lines {
			if l.DiscountPercent.GreaterThan(maxD) {
				maxD = l.DiscountPercent
				where = fmt.Sprintf("line %d (%s)", k+1, strings.TrimSpace(l.Description))
			}
		}
		prior, prevDisc := seen[inv.CustomerID], discounted[inv.CustomerID]
		seen[inv.CustomerID]++
		if maxD.IsPositive() {
			discounted[inv.CustomerID]++
		}
		if opt.Since != "" && inv.EntryDate < opt.Since || !maxD.IsPositive() {
			continue
		}
		var reason string
		switch {
		case maxD.GreaterThanOrEqual(half):
			reason = fmt.Sprintf("%s has a %s %% discount (50 %% or more)", where, maxD.String())
		case maxD.GreaterThanOrEqual(fifteen) && prior >= 10 && prevDisc == 0:
			reason = fmt.Sprintf("%s has a %s %% discount; none of the customer's %d earlier invoices had a discount", where, maxD.String(), prior)
		}
		if reason == "" {
			continue
		}
		amt := inv.BaseNet
		out = append(out, Finding{Kind: "discount", Severity: "medium", Customer: inv.Customer, Amount: &amt,
			Summary: fmt.Sprintf("Unusual discount on invoice %s to %s", label(inv), inv.Customer),
			Reason:  reason, Records: []string{inv.ID}, Labels: []string{label(inv)}})
	}
	return out
}

// duplicateWindow is how close two invoices' dates must be to look like
// one invoice entered twice.
const duplicateWindow = 7

// Duplicates flags pairs of invoices to the same customer, in the same
// currency, with the same gross amount, dated within duplicateWindow days
// of each other and with the same lines (products and quantities, or line
// descriptions), unless one of them has been credited.
func Duplicates(invs []Invoice, opt Options) []Finding {
	credited := map[string]bool{}
	for _, inv := range invs {
		if inv.Type == "creditNote" && inv.CreditedID != "" {
			credited[inv.CreditedID] = true
		}
	}
	type key struct{ cust, cur, gross string }
	groups := map[key][]Invoice{}
	for _, inv := range invs {
		if inv.Type != "invoice" || credited[inv.ID] || inv.Gross.IsZero() || !opt.hasLines(inv) {
			continue
		}
		k := key{inv.CustomerID, inv.Currency, inv.Gross.StringFixed(2)}
		groups[k] = append(groups[k], inv)
	}
	var out []Finding
	for _, g := range groups {
		for i := 0; i < len(g); i++ {
			for j := i + 1; j < len(g); j++ {
				a, b := g[i], g[j]
				if opt.Since != "" && a.EntryDate < opt.Since && b.EntryDate < opt.Since {
					continue
				}
				days := daysBetween(a.EntryDate, b.EntryDate)
				if days > duplicateWindow {
					continue
				}
				if !sameLines(a.Lines, b.Lines) {
					continue
				}
				amt := b.BaseNet
				out = append(out, Finding{Kind: "duplicate", Severity: "high", Customer: a.Customer, Amount: &amt,
					Summary: fmt.Sprintf("Invoices %s and %s to %s look like the same invoice twice", label(a), label(b), a.Customer),
					Reason: fmt.Sprintf("same customer, same amount (%s %s gross), %d days apart, same lines; neither is credited",
						a.Gross.StringFixed(2), a.Currency, days),
					Records: []string{a.ID, b.ID}, Labels: []string{label(a), label(b)}})
			}
		}
	}
	return out
}

func daysBetween(a, b string) int {
	ta, err1 := time.Parse(time.DateOnly, a)
	tb, err2 := time.Parse(time.DateOnly, b)
	if err1 != nil || err2 != nil {
		return math.MaxInt32
	}
	d := int(tb.Sub(ta).Hours() / 24)
	if d < 0 {
		d = -d
	}
	return d
}

// sameLines compares the lines as multisets of (product, quantity), or of
// descriptions where there is no product.
func sameLines(a, b []Line) bool {
	if len(a) != len(b) {
		return false
	}
	keys := func(ls []Line) []string {
		out := make([]string, len(ls))
		for i, l := range ls {
			if l.ProductID != "" {
				out[i] = l.ProductID + "×" + l.Quantity.String()
			} else {
				out[i] = strings.ToLower(strings.TrimSpace(l.Description))
			}
		}
		sort.Strings(out)
		return out
	}
	ka, kb := keys(a), keys(b)
	for i := range ka {
		if ka[i] != kb[i] {
			return false
		}
	}
	return true
}

// LatePayers flags customers whose recent lateness is well beyond their
// own habit: the median days late of their last 3 payments (and of their
// open invoices already overdue, counted as late as they are today) above
// the median of their earlier payments by more than max(7, 3·MAD) days.
// A customer needs 5 earlier payments for a habit.
func LatePayers(invs []Invoice, pays []Payment, opt Options) []Finding {
	byCust := map[string][]Payment{}
	for _, p := range pays {
		byCust[p.CustomerID] = append(byCust[p.CustomerID], p)
	}
	names := map[string]string{}
	open := map[string][]Invoice{}
	for _, inv := range invs {
		names[inv.CustomerID] = inv.Customer
		if inv.Type == "invoice" && !inv.IsPaid && inv.Balance.IsPositive() && opt.Today != "" && inv.DueDate < opt.Today {
			open[inv.CustomerID] = append(open[inv.CustomerID], inv)
		}
	}
	var out []Finding
	for cust, ps := range byCust {
		sort.SliceStable(ps, func(i, j int) bool { return ps[i].Date < ps[j].Date })
		if len(ps) < 5+1 {
			continue
		}
		cut := max(len(ps)-3, 5)
		base := make([]float64, 0, cut)
		for _, p := range ps[:cut] {
			base = append(base, float64(p.DaysLate))
		}
		var recent []float64
		var ids []string
		for _, p := range ps[cut:] {
			if opt.Since == "" || p.Date >= opt.Since {
				recent = append(recent, float64(p.DaysLate))
				ids = append(ids, p.InvoiceID)
			}
		}
		for _, inv := range open[cust] {
			recent = append(recent, float64(daysBetween(inv.DueDate, opt.Today)))
			ids = append(ids, inv.ID)
		}
		if len(recent) == 0 {
			continue
		}
		_, med, mad := robustZ(0, base)
		rec := median(recent)
		limit := math.Max(7, 3*mad)
		if rec-med <= limit || rec <= 0 {
			continue // not worse than usual, or still paying on time
		}
		sev := "medium"
		if len(open[cust]) > 0 {
			sev = "high"
		}
		out = append(out, Finding{Kind: "late_payer", Severity: sev, Customer: names[cust],
			Summary: fmt.Sprintf("%s is paying later than usual", names[cust]),
			Reason: fmt.Sprintf("recently %.0f days late (median of %d: the last payments and open overdue invoices) against %.0f days over %d earlier payments; more than %.0f days worse",
				rec, len(recent), med, len(base), limit),
			Records: ids})
	}
	return out
}

// Sort orders findings by severity, then kind, then the first record.
func Sort(fs []Finding) {
	rank := map[string]int{"high": 0, "medium": 1, "low": 2}
	sort.SliceStable(fs, func(i, j int) bool {
		a, b := fs[i], fs[j]
		if rank[a.Severity] != rank[b.Severity] {
			return rank[a.Severity] < rank[b.Severity]
		}
		if a.Kind != b.Kind {
			return a.Kind < b.Kind
		}
		return strings.Join(a.Records, ",") < strings.Join(b.Records, ",")
	})
}
