package books

import (
	"context"
	"database/sql"
	"fmt"
	"sort"

	"time"

	"github.com/shopspring/decimal"
)

// Info says what a working set holds and when it was last synced.
type Info struct {
	OrganizationID   string    `json:"organizationId"`
	OrganizationName string    `json:"organizationName"`
	BaseCurrency     string    `json:"baseCurrency"`
	LastSync         time.Time `json:"lastSync"`
	Invoices         int       `json:"invoices" jsonschema:"approved and voided invoices held"`
	CreditNotes      int       `json:"creditNotes"`
	Payments         int       `json:"payments" jsonschema:"payment allocations (bank payment to invoice) held"`
	Bills            int       `json:"bills"`
	Postings         int       `json:"postings"`
}

// marks are the high-water marks of createdTime per list.
type marks struct{ inv, bill, pay, tx string }

// Set is one organization's working set; safe for concurrent use.
type Set struct {
	db    *sql.DB
	org   string
	info  Info
	marks marks
}

func (s *Set) loadInfo(ctx context.Context) error {
	s.info = Info{OrganizationID: s.org, BaseCurrency: "DKK"}
	var last string
	err := s.db.QueryRowContext(ctx, `SELECT org_name, base_currency, last_sync, inv_mark, bill_mark, pay_mark, tx_mark FROM sync_state WHERE org_id=?`, s.org).
		Scan(&s.info.OrganizationName, &s.info.BaseCurrency, &last, &s.marks.inv, &s.marks.bill, &s.marks.pay, &s.marks.tx)
	if err == sql.ErrNoRows {
		return nil
	}
	if err != nil {
		return err
	}
	if last != "" {
		s.info.LastSync, _ = time.Parse(time.RFC3339Nano, last)
	}
	counts := []struct {
		q   string
		dst *int
	}{
		{`SELECT COUNT(*) FROM invoices WHERE org_id=? AND type<>'creditNote' AND state<>'draft'`, &s.info.Invoices},
		{`SELECT COUNT(*) FROM invoices WHERE org_id=? AND type='creditNote' AND state<>'draft'`, &s.info.CreditNotes},
		{`SELECT COUNT(*) FROM payments WHERE org_id=? AND is_voided=0`, &s.info.Payments},
		{`SELECT COUNT(*) FROM bills WHERE org_id=? AND state<>'draft'`, &s.info.Bills},
		{`SELECT COUNT(*) FROM postings WHERE org_id=?`, &s.info.Postings},
	}
	for _, c := range counts {
		if err := s.db.QueryRowContext(ctx, c.q, s.org).Scan(c.dst); err != nil {
			return err
		}
	}
	return nil
}

// Info says what the set holds (as of when it was opened).
func (s *Set) Info() Info { return s.info }

// DB is the database, for read-only queries of the tables in store.go;
// always filter by OrganizationID.
func (s *Set) DB() *sql.DB { return s.db }

// MonthRevenue is one month's revenue in one currency.
type MonthRevenue struct {
	Month    string          `json:"month"`
	Currency string          `json:"currency"`
	Net      decimal.Decimal `json:"net"`
	VAT      decimal.Decimal `json:"vat"`
	Gross    decimal.Decimal `json:"gross"`
	// BaseNet is Net in the base currency, at each invoice's own rate.
	BaseNet  decimal.Decimal `json:"baseNet"`
	Invoices int             `json:"invoices"`
}

// monthEnd is the last day of a YYYY-MM month, as a date bound.
func monthBounds(from, to string) (string, string) {
	lo, hi := "0000-01-01", "9999-12-31"
	if from != "" {
		lo = from + "-01"
	}
	if to != "" {
		hi = to + "-31"
	}
	return lo, hi
}

// MonthlyRevenue is revenue per month and currency: basis "invoice"
// (approved invoices by invoice date, credit notes subtracted, drafts and
// voided ones left out) or "payment" (money received by payment date,
// each payment split into net and VAT in the proportion of the invoice it
// paid; refunds of credit notes subtract). These are get_revenue's rules
// (plugins/invoices/revenue.go). from and to are YYYY-MM, inclusive, ""
// for open. Months without revenue are absent.
func (s *Set) MonthlyRevenue(ctx context.Context, basis, from, to string) ([]MonthRevenue, error) {
	lo, hi := monthBounds(from, to)
	rows, err := s.Revenue(ctx, RevenueQuery{Basis: basis, From: lo, To: hi, By: "month"})
	if err != nil {
		return nil, err
	}
	out := make([]MonthRevenue, 0, len(rows))
	for _, r := range rows {
		out = append(out, MonthRevenue{Month: r.Key, Currency: r.Currency, Net: r.Net, VAT: r.VAT, Gross: r.Net.Add(r.VAT), BaseNet: r.BaseNet, Invoices: r.Invoices})
	}
	return out, nil
}

// FillMonths is rows' months of one currency from..to (YYYY-MM), with
// zero months where there was no revenue.
func FillMonths(rows []MonthRevenue, currency, from, to string) []MonthRevenue {
	have := map[string]MonthRevenue{}
	for _, r := range rows {
		if r.Currency == currency {
			have[r.Month] = r
		}
	}
	var out []MonthRevenue
	t, err := time.Parse("2006-01", from)
	if err != nil {
		return nil
	}
	for m := t.Format("2006-01"); m <= to; t, m = t.AddDate(0, 1, 0), t.AddDate(0, 1, 0).Format("2006-01") {
		r, ok := have[m]
		if !ok {
			r = MonthRevenue{Month: m, Currency: currency}
		}
		out = append(out, r)
	}
	return out
}

// RevenueQuery asks for revenue grouped by a key.
type RevenueQuery struct {
	Basis    string // "invoice" or "payment"
	From, To string // YYYY-MM-DD inclusive
	// By is "month", "quarter", "year", "day", "customer", "product" or
	// "currency" ("" = currency only).
	By string
}

// RevenueRow is one group's revenue in one currency. Credit notes are
// already subtracted.
type RevenueRow struct {
	Key         string
	Label       string // the customer's or product's name
	Currency    string
	Net, VAT    decimal.Decimal
	BaseNet     decimal.Decimal
	BaseVAT     decimal.Decimal
	Invoices    int
	CreditNotes int
}

func groupExpr(by, date string) (string, error) {
	switch by {
	case "", "currency":
		return "''", nil
	case "day":
		return date, nil
	case "month":
		return "substr(" + date + ",1,7)", nil
	case "year":
		return "substr(" + date + ",1,4)", nil
	case "quarter":
		return "substr(" + date + ",1,4) || '-Q' || ((CAST(substr(" + date + ",6,2) AS INTEGER)+2)/3)", nil
	case "customer":
		return "i.contact_id", nil
	}
	return "", fmt.Errorf("unknown grouping %q", by)
}

// Revenue sums revenue over the working set on get_revenue's rules.
func (s *Set) Revenue(ctx context.Context, q RevenueQuery) ([]RevenueRow, error) {
	type key struct{ k, cur string }
	acc := map[key]*RevenueRow{}
	get := func(k, cur string) *RevenueRow {
		r := acc[key{k, cur}]
		if r == nil {
			r = &RevenueRow{Key: k, Currency: cur}
			acc[key{k, cur}] = r
		}
		return r
	}
	switch {
	case q.Basis == "invoice" && q.By == "product":
		// Lines: a line's net and VAT, by product; credit notes' lines
		// subtract.
		rows, err := s.db.QueryContext(ctx, `SELECT l.product_id, i.currency, i.rate,
			SUM(CASE WHEN i.type='creditNote' THEN -l.net ELSE l.net END),
			SUM(CASE WHEN i.type='creditNote' THEN -l.vat ELSE l.vat END),
			COUNT(DISTINCT CASE WHEN i.type<>'creditNote' THEN i.id END), COUNT(DISTINCT CASE WHEN i.type='creditNote' THEN i.id END)
			FROM invoice_lines l JOIN invoices i ON i.org_id=l.org_id AND i.id=l.invoice_id
			WHERE i.org_id=? AND i.state='approved' AND i.entry_date BETWEEN ? AND ?
			GROUP BY l.product_id, i.currency, i.rate`, s.org, q.From, q.To)
		if err != nil {
			return nil, err
		}
		defer rows.Close()
		for rows.Next() {
			var k, cur, rate string
			var net, vat int64
			var ni, nc int
			if err := rows.Scan(&k, &cur, &rate, &net, &vat, &ni, &nc); err != nil {
				return nil, err
			}
			r := get(k, cur)
			rt, _ := decimal.NewFromString(rate)
			r.Net, r.VAT = r.Net.Add(Dec(net)), r.VAT.Add(Dec(vat))
			r.BaseNet, r.BaseVAT = r.BaseNet.Add(Dec(net).Mul(rt).Round(2)), r.BaseVAT.Add(Dec(vat).Mul(rt).Round(2))
			r.Invoices += ni
			r.CreditNotes += nc
		}
		if err := rows.Err(); err != nil {
			return nil, err
		}
	case q.Basis == "invoice":
		g, err := groupExpr(q.By, "i.entry_date")
		if err != nil {
			return nil, err
		}
		rows, err := s.db.QueryContext(ctx, `SELECT `+g+`, i.currency,
			SUM(CASE WHEN i.type='creditNote' THEN -i.net ELSE i.net END),
			SUM(CASE WHEN i.type='creditNote' THEN -i.vat ELSE i.vat END),
			SUM(CASE WHEN i.type='creditNote' THEN -i.base_net ELSE i.base_net END),
			SUM(CASE WHEN i.type='creditNote' THEN -i.base_vat ELSE i.base_vat END),
			SUM(i.type<>'creditNote'), SUM(i.type='creditNote')
			FROM invoices i WHERE i.org_id=? AND i.state='approved' AND i.entry_date BETWEEN ? AND ?
			GROUP BY 1, 2`, s.org, q.From, q.To)
		if err != nil {
			return nil, err
		}
		defer rows.Close()
		for rows.Next() {
			var k, cur string
			var net, vat, bn, bv int64
			var ni, nc int
			if err := rows.Scan(&k, &cur, &net, &vat, &bn, &bv, &ni, &nc); err != nil {
				return nil, err
			}
			r := get(k, cur)
			r.Net, r.VAT, r.BaseNet, r.BaseVAT = Dec(net), Dec(vat), Dec(bn), Dec(bv)
			r.Invoices, r.CreditNotes = ni, nc
		}
		if err := rows.Err(); err != nil {
			return nil, err
		}
	case q.Basis == "payment":
		if q.By == "product" {
			return nil, fmt.Errorf("revenue by product is on the invoice basis only: a payment settles an invoice, not its lines")
		}
		g, err := groupExpr(q.By, "p.entry_date")
		if err != nil {
			return nil, err
		}
		// Each allocation is split in the proportion of the invoice it
		// paid, rounded per allocation (get_revenue's splitGross), so
		// the sum is done here, row by row, in decimals; memory holds
		// only the groups.
		rows, err := s.db.QueryContext(ctx, `SELECT `+g+`, i.currency, i.rate, i.type, p.amount, i.net, i.gross
			FROM payments p JOIN invoices i ON i.org_id=p.org_id AND i.id=p.invoice_id
			WHERE p.org_id=? AND p.is_voided=0 AND p.entry_date BETWEEN ? AND ?`, s.org, q.From, q.To)
		if err != nil {
			return nil, err
		}
		defer rows.Close()
		for rows.Next() {
			var k, cur, rate, typ string
			var amount, net, gross int64
			if err := rows.Scan(&k, &cur, &rate, &typ, &amount, &net, &gross); err != nil {
				return nil, err
			}
			paid := Dec(amount)
			pnet := paid
			if gross != 0 {
				pnet = paid.Mul(Dec(net)).DivRound(Dec(gross), 2)
			}
			pvat := paid.Sub(pnet)
			if typ == "creditNote" {
				pnet, pvat = pnet.Neg(), pvat.Neg()
			}
			rt, _ := decimal.NewFromString(rate)
			if !rt.IsPositive() {
				rt = decimal.NewFromInt(1)
			}
			r := get(k, cur)
			r.Net, r.VAT = r.Net.Add(pnet), r.VAT.Add(pvat)
			r.BaseNet, r.BaseVAT = r.BaseNet.Add(pnet.Mul(rt).Round(2)), r.BaseVAT.Add(pvat.Mul(rt).Round(2))
		}
		if err := rows.Err(); err != nil {
			return nil, err
		}
		// Distinct invoices and credit notes per group, counted in SQL so
		// that memory holds only the groups.
		counts, err := s.db.QueryContext(ctx, `SELECT `+g+`, i.currency, COUNT(DISTINCT CASE WHEN i.type<>'creditNote' THEN i.id END),
			COUNT(DISTINCT CASE WHEN i.type='creditNote' THEN i.id END)
			FROM payments p JOIN invoices i ON i.org_id=p.org_id AND i.id=p.invoice_id
			WHERE p.org_id=? AND p.is_voided=0 AND p.entry_date BETWEEN ? AND ? GROUP BY 1, 2`, s.org, q.From, q.To)
		if err != nil {
			return nil, err
		}
		defer counts.Close()
		for counts.Next() {
			var k, cur string
			var ni, nc int
			if err := counts.Scan(&k, &cur, &ni, &nc); err != nil {
				return nil, err
			}
			r := get(k, cur)
			r.Invoices, r.CreditNotes = ni, nc
		}
		if err := counts.Err(); err != nil {
			return nil, err
		}
	default:
		return nil, fmt.Errorf("unknown basis %q", q.Basis)
	}
	out := make([]RevenueRow, 0, len(acc))
	for _, r := range acc {
		out = append(out, *r)
	}
	if q.By == "customer" || q.By == "product" {
		if err := s.label(ctx, q.By, out); err != nil {
			return nil, err
		}
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Key != out[j].Key {
			return out[i].Key < out[j].Key
		}
		return out[i].Currency < out[j].Currency
	})
	return out, nil
}

// label fills in customers' or products' names.
func (s *Set) label(ctx context.Context, by string, rows []RevenueRow) error {
	table := "contacts"
	if by == "product" {
		table = "products"
	}
	for i := range rows {
		err := s.db.QueryRowContext(ctx, `SELECT name FROM `+table+` WHERE org_id=? AND id=?`, s.org, rows[i].Key).Scan(&rows[i].Label)
		if err != nil && err != sql.ErrNoRows {
			return err
		}
		if rows[i].Label == "" {
			if rows[i].Key == "" {
				rows[i].Label = "(no product)"
			} else {
				rows[i].Label = rows[i].Key
			}
		}
	}
	return nil
}

// InvoiceFilter selects invoices and credit notes.
type InvoiceFilter struct {
	From, To      string // entry date YYYY-MM-DD, "" = open
	ContactID     string
	IncludeVoided bool
	OnlyOpen      bool // approved with a balance
	WithLines     bool
}

// Invoice is an approved (or voided) invoice or credit note.
type Invoice struct {
	ID, No            string
	Type              string // "invoice" or "creditNote"
	State             string // "approved" or "voided"
	ContactID         string
	ContactName       string
	CountryID         string
	EntryDate         string
	DueDate           string
	Currency          string
	ExchangeRate      decimal.Decimal
	Net, VAT, Gross   decimal.Decimal // as Billy has them: positive for credit notes too
	Balance           decimal.Decimal
	IsPaid            bool
	PaidDate          string // the last payment's date, "" if none
	CreditedInvoiceID string
	Lines             []Line
}

// Line is an invoice line.
type Line struct {
	ProductID, ProductName, Description, TaxRateID string
	Quantity, UnitPrice, Net, VAT                  decimal.Decimal
	// TaxRate is 0.25 for 25 %: the tax rate's, else the line's VAT over
	// its net.
	TaxRate decimal.Decimal
	// DiscountPercent is the line's discount in percent (Billy's
	// percentage_discount; 0 for none).
	DiscountPercent decimal.Decimal
	// DiscountAmount is an amount off the line (Billy's cash_discount; 0
	// for none), in the invoice's currency.
	DiscountAmount decimal.Decimal
}

// Invoices streams invoices and credit notes in entry-date order.
func (s *Set) Invoices(ctx context.Context, f InvoiceFilter, fn func(Invoice) error) error {
	lo, hi := f.From, f.To
	if lo == "" {
		lo = "0000-01-01"
	}
	if hi == "" {
		hi = "9999-12-31"
	}
	states := "('approved')"
	if f.IncludeVoided {
		states = "('approved','voided')"
	}
	where := `i.org_id=? AND i.state IN ` + states + ` AND i.entry_date BETWEEN ? AND ?`
	args := []any{s.org, lo, hi}
	if f.ContactID != "" {
		where += ` AND i.contact_id=?`
		args = append(args, f.ContactID)
	}
	if f.OnlyOpen {
		where += ` AND i.is_paid=0 AND i.balance<>0`
	}
	rows, err := s.db.QueryContext(ctx, `SELECT i.id, i.no, i.type, i.state, i.contact_id, COALESCE(c.name,''), COALESCE(c.country_id,''),
		i.entry_date, i.due_date, i.currency, i.rate, i.net, i.vat, i.gross, i.balance, i.is_paid, i.credited_id,
		COALESCE((SELECT MAX(p.entry_date) FROM payments p WHERE p.org_id=i.org_id AND p.invoice_id=i.id AND p.is_voided=0),'')
		FROM invoices i LEFT JOIN contacts c ON c.org_id=i.org_id AND c.id=i.contact_id
		WHERE `+where+` ORDER BY i.entry_date, i.id`, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var inv Invoice
		var rate string
		var net, vat, gross, bal int64
		if err := rows.Scan(&inv.ID, &inv.No, &inv.Type, &inv.State, &inv.ContactID, &inv.ContactName, &inv.CountryID,
			&inv.EntryDate, &inv.DueDate, &inv.Currency, &rate, &net, &vat, &gross, &bal, &inv.IsPaid, &inv.CreditedInvoiceID, &inv.PaidDate); err != nil {
			return err
		}
		inv.ExchangeRate, _ = decimal.NewFromString(rate)
		inv.Net, inv.VAT, inv.Gross, inv.Balance = Dec(net), Dec(vat), Dec(gross), Dec(bal)
		if f.WithLines {
			if inv.Lines, err = s.lines(ctx, inv.ID); err != nil {
				return err
			}
		}
		if err := fn(inv); err != nil {
			return err
		}
	}
	return rows.Err()
}

func (s *Set) lines(ctx context.Context, id string) ([]Line, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT l.product_id, COALESCE(p.name,''), l.description, l.tax_rate_id, l.quantity, l.unit_price,
		l.net, l.vat, COALESCE(t.rate,''), l.discount, l.discount_amount
		FROM invoice_lines l LEFT JOIN products p ON p.org_id=l.org_id AND p.id=l.product_id
		LEFT JOIN tax_rates t ON t.org_id=l.org_id AND t.id=l.tax_rate_id
		WHERE l.org_id=? AND l.invoice_id=? ORDER BY l.id`, s.org, id)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Line
	for rows.Next() {
		var l Line
		var q, up, rate, disc, discAmt string
		var net, vat int64
		if err := rows.Scan(&l.ProductID, &l.ProductName, &l.Description, &l.TaxRateID, &q, &up, &net, &vat, &rate, &disc, &discAmt); err != nil {
			return nil, err
		}
		l.Quantity, _ = decimal.NewFromString(q)
		l.UnitPrice, _ = decimal.NewFromString(up)
		l.Net, l.VAT = Dec(net), Dec(vat)
		if r, err := decimal.NewFromString(rate); err == nil {
			l.TaxRate = r
		} else if net != 0 {
			l.TaxRate = Dec(vat).DivRound(Dec(net), 4)
		}
		if d, err := decimal.NewFromString(discAmt); err == nil {
			l.DiscountAmount = d
		}
		if d, err := decimal.NewFromString(disc); err == nil {
			l.DiscountPercent = d
		}
		out = append(out, l)
	}
	return out, rows.Err()
}

// Payment is one bank payment's allocation to one invoice.
type Payment struct {
	ID, ContactID, InvoiceID, EntryDate, Currency string
	Amount                                        decimal.Decimal // settled, in the invoice's currency
	DueDate                                       string          // the invoice's
	DaysLate                                      int             // entry date minus due date (negative: early)
}

// Payments streams the allocations of payments dated from..to (YYYY-MM-DD,
// "" = open) to invoices (not credit notes), voided ones left out.
func (s *Set) Payments(ctx context.Context, from, to string, fn func(Payment) error) error {
	if from == "" {
		from = "0000-01-01"
	}
	if to == "" {
		to = "9999-12-31"
	}
	rows, err := s.db.QueryContext(ctx, `SELECT p.id, i.contact_id, p.invoice_id, p.entry_date, i.currency, p.amount, i.due_date,
		CAST(julianday(p.entry_date) - julianday(i.due_date) AS INTEGER)
		FROM payments p JOIN invoices i ON i.org_id=p.org_id AND i.id=p.invoice_id
		WHERE p.org_id=? AND p.is_voided=0 AND i.type<>'creditNote' AND p.entry_date BETWEEN ? AND ?
		ORDER BY p.entry_date, p.id`, s.org, from, to)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var p Payment
		var amount int64
		if err := rows.Scan(&p.ID, &p.ContactID, &p.InvoiceID, &p.EntryDate, &p.Currency, &amount, &p.DueDate, &p.DaysLate); err != nil {
			return err
		}
		p.Amount = Dec(amount)
		if err := fn(p); err != nil {
			return err
		}
	}
	return rows.Err()
}

// PayBehaviour is how a customer pays.
type PayBehaviour struct {
	ContactID, ContactName string
	Payments               int
	AvgDaysLate            decimal.Decimal // mean of payment date minus due date, 1 decimal
	MaxDaysLate            int
}

// PaymentBehaviour is each paying customer's lateness, over all payments.
func (s *Set) PaymentBehaviour(ctx context.Context) ([]PayBehaviour, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT i.contact_id, COALESCE(c.name,''), COUNT(*),
		SUM(CAST(julianday(p.entry_date) - julianday(i.due_date) AS INTEGER)),
		MAX(CAST(julianday(p.entry_date) - julianday(i.due_date) AS INTEGER))
		FROM payments p JOIN invoices i ON i.org_id=p.org_id AND i.id=p.invoice_id
		LEFT JOIN contacts c ON c.org_id=i.org_id AND c.id=i.contact_id
		WHERE p.org_id=? AND p.is_voided=0 AND i.type<>'creditNote'
		GROUP BY i.contact_id ORDER BY i.contact_id`, s.org)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []PayBehaviour
	for rows.Next() {
		var b PayBehaviour
		var sum int64
		if err := rows.Scan(&b.ContactID, &b.ContactName, &b.Payments, &sum, &b.MaxDaysLate); err != nil {
			return nil, err
		}
		b.AvgDaysLate = decimal.NewFromInt(sum).DivRound(decimal.NewFromInt(int64(b.Payments)), 1)
		out = append(out, b)
	}
	return out, rows.Err()
}
