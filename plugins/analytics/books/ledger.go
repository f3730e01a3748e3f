package books

import (
	"context"

	"github.com/shopspring/decimal"
)

// AccountTotal is the sum of an account's postings: debit positive,
// credit negative, in the base currency.
type AccountTotal struct {
	AccountID, AccountNo, Name, Nature string
	Debit, Credit                      decimal.Decimal // both positive
	Balance                            decimal.Decimal // Debit - Credit
	Postings                           int
}

// AccountTotals sums postings dated from..to (YYYY-MM-DD, "" = open) per
// account, in account-number order. Voided postings are kept with their
// reversals: together they cancel, as in the ledger.
func (s *Set) AccountTotals(ctx context.Context, from, to string) ([]AccountTotal, error) {
	if from == "" {
		from = "0000-01-01"
	}
	if to == "" {
		to = "9999-12-31"
	}
	rows, err := s.db.QueryContext(ctx, `SELECT p.account_id, COALESCE(a.account_no,''), COALESCE(a.name,''), COALESCE(a.nature,''),
		SUM(CASE WHEN p.amount>0 THEN p.amount ELSE 0 END), SUM(CASE WHEN p.amount<0 THEN -p.amount ELSE 0 END), COUNT(*)
		FROM postings p LEFT JOIN accounts a ON a.org_id=p.org_id AND a.id=p.account_id
		WHERE p.org_id=? AND p.entry_date BETWEEN ? AND ?
		GROUP BY p.account_id ORDER BY CAST(COALESCE(a.account_no,'0') AS INTEGER), p.account_id`, s.org, from, to)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []AccountTotal
	for rows.Next() {
		var a AccountTotal
		var d, c int64
		if err := rows.Scan(&a.AccountID, &a.AccountNo, &a.Name, &a.Nature, &d, &c, &a.Postings); err != nil {
			return nil, err
		}
		a.Debit, a.Credit, a.Balance = Dec(d), Dec(c), Dec(d-c)
		out = append(out, a)
	}
	return out, rows.Err()
}

// CustomerActivity is a customer's invoicing: first and last invoice ever,
// and net revenue (base currency, credit notes subtracted) in a period
// and the period before it.
type CustomerActivity struct {
	ContactID, Name        string
	FirstInvoice           string
	LastInvoice            string
	Net, PreviousNet       decimal.Decimal
	Invoices, PrevInvoices int
}

// Customers is every customer with an approved invoice, with its activity
// in from..to and in prevFrom..prevTo.
func (s *Set) Customers(ctx context.Context, from, to, prevFrom, prevTo string) ([]CustomerActivity, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT i.contact_id, COALESCE(c.name, i.contact_id), MIN(i.entry_date), MAX(i.entry_date),
		SUM(CASE WHEN i.entry_date BETWEEN ? AND ? THEN (CASE WHEN i.type='creditNote' THEN -i.base_net ELSE i.base_net END) ELSE 0 END),
		SUM(CASE WHEN i.entry_date BETWEEN ? AND ? THEN (CASE WHEN i.type='creditNote' THEN -i.base_net ELSE i.base_net END) ELSE 0 END),
		SUM(CASE WHEN i.entry_date BETWEEN ? AND ? AND i.type<>'creditNote' THEN 1 ELSE 0 END),
		SUM(CASE WHEN i.entry_date BETWEEN ? AND ? AND i.type<>'creditNote' THEN 1 ELSE 0 END)
		FROM invoices i LEFT JOIN contacts c ON c.org_id=i.org_id AND c.id=i.contact_id
		WHERE i.org_id=? AND i.state='approved'
		GROUP BY i.contact_id ORDER BY i.contact_id`, from, to, prevFrom, prevTo, from, to, prevFrom, prevTo, s.org)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []CustomerActivity
	for rows.Next() {
		var a CustomerActivity
		var n, pn int64
		if err := rows.Scan(&a.ContactID, &a.Name, &a.FirstInvoice, &a.LastInvoice, &n, &pn, &a.Invoices, &a.PrevInvoices); err != nil {
			return nil, err
		}
		a.Net, a.PreviousNet = Dec(n), Dec(pn)
		out = append(out, a)
	}
	return out, rows.Err()
}
