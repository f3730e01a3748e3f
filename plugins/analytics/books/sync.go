package books

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/shopspring/decimal"
)

// Billy answers one GET of Billy's API v2 (path below the base URL) with
// the response body. The plugin binds it to call.Host.Billy, so the host's
// gateway holds the credentials, retries and rate-limits.
type Billy func(ctx context.Context, path string, q url.Values) ([]byte, error)

// Progress is told how far a sync has come: done of total steps (a total
// that grows while page counts are learnt), and what it is reading.
type Progress func(done, total int, message string)

// PageSize is what a sync asks Billy for per page: its maximum (§4.1).
const PageSize = 1000

// pageSize is PageSize, smaller in tests that need many pages.
var pageSize = PageSize

// Stats is what one sync read and wrote.
type Stats struct {
	Full        bool   `json:"full" jsonschema:"whether this was a full sync (first time, or asked for)"`
	Requests    int    `json:"requests" jsonschema:"pages read from Billy"`
	Invoices    int    `json:"invoices" jsonschema:"invoice and credit note records written (new, changed or re-checked)"`
	Payments    int    `json:"payments" jsonschema:"bank payment records written"`
	Bills       int    `json:"bills"`
	Postings    int    `json:"postings"`
	PostingFrom string `json:"postingsFrom,omitempty" jsonschema:"postings were re-read from this entry date on (empty: all)"`
	Millis      int64  `json:"millis"`
}

// syncer is one run of Sync.
type syncer struct {
	s        *Set
	billy    Billy
	progress Progress
	stats    Stats
	done     int
	total    int
}

// Sync brings the organization's working set up to date. With full, every
// record is read again (and the high-water marks reset); otherwise only
// what may have changed:
//
//   - invoices, credit notes and bills created since the last sync
//     (newest first, until the previous high-water mark of createdTime);
//   - every one still open (isPaid=false: drafts and unpaid ones, whose
//     state and balance change); one that was open and no longer is has
//     been paid (balance 0), or appears in the voided list;
//   - the voided ones;
//   - bank payments created since the last sync, and the voided ones;
//   - postings from the earliest entry date of any transaction created
//     since the last sync (a void writes a reversing transaction, so the
//     ledger only grows; voided postings and their reversals are both
//     kept and cancel out);
//   - contacts, products, accounts and tax rates in full (they are few).
//
// Syncs of one organization run one at a time; reads run beside them.
func (st *Store) Sync(ctx context.Context, org string, billy Billy, progress Progress, full bool) (Stats, error) {
	lock := st.orgLock(org)
	lock.Lock()
	defer lock.Unlock()
	set, err := st.Set(ctx, org)
	if err != nil {
		return Stats{}, err
	}
	if progress == nil {
		progress = func(int, int, string) {}
	}
	start := time.Now()
	y := &syncer{s: set, billy: billy, progress: progress, total: 12}
	if full || set.info.LastSync.IsZero() {
		y.stats.Full = true
		set.marks = marks{}
	}
	steps := []struct {
		name string
		f    func(context.Context) error
	}{
		{"organization", y.organization},
		{"contacts", y.contacts},
		{"products", y.products},
		{"tax rates", y.taxRates},
		{"accounts", y.accounts},
		{"invoices", y.invoices},
		{"bills", y.bills},
		{"payments", y.payments},
		{"postings", y.postings},
	}
	for _, step := range steps {
		if err := ctx.Err(); err != nil {
			return y.stats, err
		}
		if err := step.f(ctx); err != nil {
			return y.stats, fmt.Errorf("syncing %s: %w", step.name, err)
		}
	}
	now := st.Now().UTC()
	m := set.marks
	if _, err := set.db.ExecContext(ctx, `UPDATE sync_state SET last_sync=?, inv_mark=?, bill_mark=?, pay_mark=?, tx_mark=? WHERE org_id=?`,
		now.Format(time.RFC3339Nano), m.inv, m.bill, m.pay, m.tx, org); err != nil {
		return y.stats, err
	}
	y.stats.Millis = time.Since(start).Milliseconds()
	progress(y.total, y.total, "sync done")
	return y.stats, nil
}

// page reads one page of a list.
func (y *syncer) page(ctx context.Context, path string, q url.Values, page int) (map[string]json.RawMessage, int, error) {
	qq := url.Values{}
	for k, v := range q {
		qq[k] = v
	}
	qq.Set("page", strconv.Itoa(page))
	qq.Set("pageSize", strconv.Itoa(pageSize))
	body, err := y.billy(ctx, path, qq)
	if err != nil {
		return nil, 0, err
	}
	y.stats.Requests++
	var roots map[string]json.RawMessage
	if err := json.Unmarshal(body, &roots); err != nil {
		return nil, 0, fmt.Errorf("GET %s: the answer is not a JSON object", path)
	}
	var meta struct {
		Paging struct {
			PageCount int `json:"pageCount"`
		} `json:"paging"`
	}
	if raw, ok := roots["meta"]; ok {
		_ = json.Unmarshal(raw, &meta)
	}
	return roots, max(meta.Paging.PageCount, 1), nil
}

// each reads pages of a list in order and hands each page's root to f,
// until the last page or until f says stop. Only one page is held at a
// time: memory stays flat however long the list is.
func (y *syncer) each(ctx context.Context, label, path, root string, q url.Values, f func(raw json.RawMessage) (stop bool, err error)) error {
	counted := false
	for p := 1; ; p++ {
		if err := ctx.Err(); err != nil {
			return err
		}
		roots, count, err := y.page(ctx, path, q, p)
		if err != nil {
			return err
		}
		if !counted {
			y.total += count - 1
			counted = true
		}
		raw, ok := roots[root]
		if !ok {
			return fmt.Errorf("GET %s: the answer has no %q key", path, root)
		}
		stop, err := f(raw)
		if err != nil {
			return err
		}
		y.done++
		y.progress(y.done, max(y.total, y.done), fmt.Sprintf("%s: page %d of %d", label, p, count))
		if stop || p >= count {
			// Pages the stop left unread are no longer to do.
			y.total -= count - p
			return nil
		}
	}
}

// tx runs f in one transaction: one page is written at once.
func (y *syncer) tx(ctx context.Context, f func(tx *sql.Tx) error) error {
	tx, err := y.s.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	if err := f(tx); err != nil {
		tx.Rollback()
		return err
	}
	return tx.Commit()
}

func (y *syncer) organization(ctx context.Context) error {
	body, err := y.billy(ctx, "/organization", nil)
	if err != nil {
		return err
	}
	y.stats.Requests++
	var env struct {
		Organization struct {
			Name           string `json:"name"`
			BaseCurrencyID string `json:"baseCurrencyId"`
		} `json:"organization"`
	}
	if err := json.Unmarshal(body, &env); err != nil {
		return fmt.Errorf("GET /organization: %w", err)
	}
	base := env.Organization.BaseCurrencyID
	if base == "" {
		base = "DKK"
	}
	y.s.info.OrganizationName, y.s.info.BaseCurrency = env.Organization.Name, base
	_, err = y.s.db.ExecContext(ctx, `INSERT INTO sync_state (org_id, org_name, base_currency) VALUES (?, ?, ?)
		ON CONFLICT (org_id) DO UPDATE SET org_name=excluded.org_name, base_currency=excluded.base_currency`,
		y.s.org, env.Organization.Name, base)
	y.done++
	return err
}

func (y *syncer) contacts(ctx context.Context) error {
	return y.each(ctx, "contacts", "/contacts", "contacts", nil, func(raw json.RawMessage) (bool, error) {
		var cs []struct {
			ID          string `json:"id"`
			Name        string `json:"name"`
			CountryID   string `json:"countryId"`
			CreatedTime string `json:"createdTime"`
			IsCustomer  bool   `json:"isCustomer"`
		}
		if err := json.Unmarshal(raw, &cs); err != nil {
			return false, err
		}
		return false, y.tx(ctx, func(tx *sql.Tx) error {
			for _, c := range cs {
				if _, err := tx.ExecContext(ctx, `INSERT OR REPLACE INTO contacts VALUES (?,?,?,?,?,?)`,
					y.s.org, c.ID, c.Name, c.CountryID, c.CreatedTime, c.IsCustomer); err != nil {
					return err
				}
			}
			return nil
		})
	})
}

func (y *syncer) products(ctx context.Context) error {
	return y.each(ctx, "products", "/products", "products", nil, func(raw json.RawMessage) (bool, error) {
		var ps []struct{ ID, Name string }
		if err := json.Unmarshal(raw, &ps); err != nil {
			return false, err
		}
		return false, y.tx(ctx, func(tx *sql.Tx) error {
			for _, p := range ps {
				if _, err := tx.ExecContext(ctx, `INSERT OR REPLACE INTO products VALUES (?,?,?)`, y.s.org, p.ID, p.Name); err != nil {
					return err
				}
			}
			return nil
		})
	})
}

func (y *syncer) taxRates(ctx context.Context) error {
	return y.each(ctx, "tax rates", "/taxRates", "taxRates", nil, func(raw json.RawMessage) (bool, error) {
		var rs []struct {
			ID   string `json:"id"`
			Rate num    `json:"rate"`
		}
		if err := json.Unmarshal(raw, &rs); err != nil {
			return false, err
		}
		return false, y.tx(ctx, func(tx *sql.Tx) error {
			for _, r := range rs {
				if _, err := tx.ExecContext(ctx, `INSERT OR REPLACE INTO tax_rates VALUES (?,?,?)`, y.s.org, r.ID, r.Rate.d.String()); err != nil {
					return err
				}
			}
			return nil
		})
	})
}

func (y *syncer) accounts(ctx context.Context) error {
	return y.each(ctx, "accounts", "/accounts", "accounts", url.Values{"include": {"account.group:embed"}}, func(raw json.RawMessage) (bool, error) {
		var as []struct {
			ID        string `json:"id"`
			AccountNo str    `json:"accountNo"`
			Name      string `json:"name"`
			NatureID  string `json:"natureId"`
			Group     *struct {
				NatureID string `json:"natureId"`
			} `json:"group"`
		}
		if err := json.Unmarshal(raw, &as); err != nil {
			return false, err
		}
		return false, y.tx(ctx, func(tx *sql.Tx) error {
			for _, a := range as {
				nature := a.NatureID
				if nature == "" && a.Group != nil {
					nature = a.Group.NatureID
				}
				if _, err := tx.ExecContext(ctx, `INSERT OR REPLACE INTO accounts VALUES (?,?,?,?,?)`, y.s.org, a.ID, string(a.AccountNo), a.Name, nature); err != nil {
					return err
				}
			}
			return nil
		})
	})
}

// billyInvoice is an invoice or credit note as Billy lists it.
type billyInvoice struct {
	ID                string `json:"id"`
	Type              string `json:"type"`
	State             string `json:"state"`
	InvoiceNo         str    `json:"invoiceNo"`
	ContactID         string `json:"contactId"`
	EntryDate         string `json:"entryDate"`
	DueDate           string `json:"dueDate"`
	CurrencyID        string `json:"currencyId"`
	ExchangeRate      num    `json:"exchangeRate"`
	Amount            num    `json:"amount"`
	Tax               num    `json:"tax"`
	GrossAmount       num    `json:"grossAmount"`
	Balance           num    `json:"balance"`
	IsPaid            bool   `json:"isPaid"`
	CreditedInvoiceID str    `json:"creditedInvoiceId"`
	CreatedTime       string `json:"createdTime"`
	Lines             []struct {
		ID            string `json:"id"`
		ProductID     str    `json:"productId"`
		Description   string `json:"description"`
		Quantity      num    `json:"quantity"`
		UnitPrice     num    `json:"unitPrice"`
		Amount        num    `json:"amount"`
		Tax           num    `json:"tax"`
		TaxRateID     str    `json:"taxRateId"`
		DiscountMode  str    `json:"discountMode"`
		DiscountValue num    `json:"discountValue"`
	} `json:"lines"`
}

// writeInvoices upserts one page of invoices (with their lines when the
// page has them) and returns the newest createdTime on it.
func (y *syncer) writeInvoices(ctx context.Context, raw json.RawMessage, withLines bool) (newest, oldest string, err error) {
	var invs []billyInvoice
	if err := json.Unmarshal(raw, &invs); err != nil {
		return "", "", err
	}
	err = y.tx(ctx, func(tx *sql.Tx) error {
		for i, inv := range invs {
			if i == 0 || inv.CreatedTime > newest {
				newest = inv.CreatedTime
			}
			if i == 0 || inv.CreatedTime < oldest {
				oldest = inv.CreatedTime
			}
			rate := inv.ExchangeRate.d
			if !rate.IsPositive() {
				rate = decimal.NewFromInt(1)
			}
			// The base-currency equivalent at the invoice's own rate,
			// rounded to øre per invoice as Billy posts it (the rule
			// get_revenue uses).
			baseNet, baseVAT := cents(inv.Amount.d.Mul(rate)), cents(inv.Tax.d.Mul(rate))
			if _, err := tx.ExecContext(ctx, `INSERT OR REPLACE INTO invoices VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)`,
				y.s.org, inv.ID, string(inv.InvoiceNo), inv.Type, inv.State, inv.ContactID, inv.EntryDate, inv.DueDate,
				inv.CurrencyID, rate.String(), cents(inv.Amount.d), cents(inv.Tax.d), cents(inv.GrossAmount.d), cents(inv.Balance.d),
				baseNet, baseVAT, inv.IsPaid, string(inv.CreditedInvoiceID), inv.CreatedTime); err != nil {
				return err
			}
			if _, err := tx.ExecContext(ctx, `INSERT OR REPLACE INTO sync_seen VALUES (?, ?)`, y.s.org, inv.ID); err != nil {
				return err
			}
			if !withLines {
				continue
			}
			if _, err := tx.ExecContext(ctx, `DELETE FROM invoice_lines WHERE org_id=? AND invoice_id=?`, y.s.org, inv.ID); err != nil {
				return err
			}
			for _, l := range inv.Lines {
				// Billy's discountMode (billy-api.md §7.3): percentage_discount
				// is a percent of the line, cash_discount an amount off it.
				pct, amt := "", ""
				switch l.DiscountMode {
				case "percentage_discount":
					pct = l.DiscountValue.d.String()
				case "cash_discount":
					amt = l.DiscountValue.d.String()
				}
				if _, err := tx.ExecContext(ctx, `INSERT OR REPLACE INTO invoice_lines VALUES (?,?,?,?,?,?,?,?,?,?,?,?)`,
					y.s.org, inv.ID, l.ID, string(l.ProductID), l.Description, l.Quantity.d.String(), l.UnitPrice.d.String(),
					cents(l.Amount.d), cents(l.Tax.d), string(l.TaxRateID), pct, amt); err != nil {
					return err
				}
			}
		}
		y.stats.Invoices += len(invs)
		return nil
	})
	return newest, oldest, err
}

// resetSeen empties sync_seen, which tracks the records a pass over the
// open ones saw (a table, not a TEMP one: those are per connection).
func (y *syncer) resetSeen(ctx context.Context) error {
	_, err := y.s.db.ExecContext(ctx, `DELETE FROM sync_seen WHERE org_id=?`, y.s.org)
	return err
}

func (y *syncer) invoices(ctx context.Context) error {
	if err := y.resetSeen(ctx); err != nil {
		return err
	}
	mark := y.s.marks.inv
	newMark := mark
	// New since the last sync, newest first, with lines.
	q := url.Values{"sortProperty": {"createdTime"}, "sortDirection": {"DESC"}, "include": {"invoice.lines:embed"}}
	if err := y.each(ctx, "invoices", "/invoices", "invoices", q, func(raw json.RawMessage) (bool, error) {
		newest, oldest, err := y.writeInvoices(ctx, raw, true)
		if err != nil {
			return false, err
		}
		if newest > newMark {
			newMark = newest
		}
		return mark != "" && oldest < mark, nil
	}); err != nil {
		return err
	}
	if mark != "" {
		// Open ones: drafts and unpaid invoices change state and balance.
		if err := y.resetSeen(ctx); err != nil {
			return err
		}
		if err := y.each(ctx, "open invoices", "/invoices", "invoices", url.Values{"isPaid": {"false"}, "include": {"invoice.lines:embed"}},
			func(raw json.RawMessage) (bool, error) {
				_, _, err := y.writeInvoices(ctx, raw, true)
				return false, err
			}); err != nil {
			return err
		}
		// Open before and not now: paid (a draft that vanished was
		// deleted). The voided list below corrects any that were voided.
		if _, err := y.s.db.ExecContext(ctx, `DELETE FROM invoices WHERE org_id=? AND state='draft' AND id NOT IN (SELECT id FROM sync_seen WHERE org_id=?)`, y.s.org, y.s.org); err != nil {
			return err
		}
		if _, err := y.s.db.ExecContext(ctx, `UPDATE invoices SET is_paid=1, balance=0 WHERE org_id=? AND is_paid=0 AND state='approved' AND id NOT IN (SELECT id FROM sync_seen WHERE org_id=?)`, y.s.org, y.s.org); err != nil {
			return err
		}
		if err := y.each(ctx, "voided invoices", "/invoices", "invoices", url.Values{"state": {"voided"}}, func(raw json.RawMessage) (bool, error) {
			var vs []struct{ ID string }
			if err := json.Unmarshal(raw, &vs); err != nil {
				return false, err
			}
			return false, y.tx(ctx, func(tx *sql.Tx) error {
				for _, v := range vs {
					if _, err := tx.ExecContext(ctx, `UPDATE invoices SET state='voided' WHERE org_id=? AND id=?`, y.s.org, v.ID); err != nil {
						return err
					}
				}
				return nil
			})
		}); err != nil {
			return err
		}
	}
	y.s.marks.inv = newMark
	return nil
}

func (y *syncer) writeBills(ctx context.Context, raw json.RawMessage) (newest, oldest string, err error) {
	var bs []struct {
		ID          string `json:"id"`
		State       string `json:"state"`
		ContactID   string `json:"contactId"`
		EntryDate   string `json:"entryDate"`
		DueDate     string `json:"dueDate"`
		CurrencyID  string `json:"currencyId"`
		Amount      num    `json:"amount"`
		Tax         num    `json:"tax"`
		GrossAmount num    `json:"grossAmount"`
		Balance     num    `json:"balance"`
		IsPaid      bool   `json:"isPaid"`
		CreatedTime string `json:"createdTime"`
	}
	if err := json.Unmarshal(raw, &bs); err != nil {
		return "", "", err
	}
	err = y.tx(ctx, func(tx *sql.Tx) error {
		for i, b := range bs {
			if i == 0 || b.CreatedTime > newest {
				newest = b.CreatedTime
			}
			if i == 0 || b.CreatedTime < oldest {
				oldest = b.CreatedTime
			}
			if _, err := tx.ExecContext(ctx, `INSERT OR REPLACE INTO bills VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)`,
				y.s.org, b.ID, b.State, b.ContactID, b.EntryDate, b.DueDate, b.CurrencyID,
				cents(b.Amount.d), cents(b.Tax.d), cents(b.GrossAmount.d), cents(b.Balance.d), b.IsPaid, b.CreatedTime); err != nil {
				return err
			}
			if _, err := tx.ExecContext(ctx, `INSERT OR REPLACE INTO sync_seen VALUES (?, ?)`, y.s.org, b.ID); err != nil {
				return err
			}
		}
		y.stats.Bills += len(bs)
		return nil
	})
	return newest, oldest, err
}

func (y *syncer) bills(ctx context.Context) error {
	if err := y.resetSeen(ctx); err != nil {
		return err
	}
	mark, newMark := y.s.marks.bill, y.s.marks.bill
	if err := y.each(ctx, "bills", "/bills", "bills", url.Values{"sortProperty": {"createdTime"}, "sortDirection": {"DESC"}},
		func(raw json.RawMessage) (bool, error) {
			newest, oldest, err := y.writeBills(ctx, raw)
			if newest > newMark {
				newMark = newest
			}
			return mark != "" && oldest < mark, err
		}); err != nil {
		return err
	}
	if mark != "" {
		if err := y.resetSeen(ctx); err != nil {
			return err
		}
		if err := y.each(ctx, "open bills", "/bills", "bills", url.Values{"isPaid": {"false"}}, func(raw json.RawMessage) (bool, error) {
			_, _, err := y.writeBills(ctx, raw)
			return false, err
		}); err != nil {
			return err
		}
		if _, err := y.s.db.ExecContext(ctx, `DELETE FROM bills WHERE org_id=? AND state='draft' AND id NOT IN (SELECT id FROM sync_seen WHERE org_id=?)`, y.s.org, y.s.org); err != nil {
			return err
		}
		if _, err := y.s.db.ExecContext(ctx, `UPDATE bills SET is_paid=1, balance=0 WHERE org_id=? AND is_paid=0 AND state='approved' AND id NOT IN (SELECT id FROM sync_seen WHERE org_id=?)`, y.s.org, y.s.org); err != nil {
			return err
		}
		if err := y.each(ctx, "voided bills", "/bills", "bills", url.Values{"state": {"voided"}}, func(raw json.RawMessage) (bool, error) {
			_, _, err := y.writeBills(ctx, raw)
			return false, err
		}); err != nil {
			return err
		}
	}
	y.s.marks.bill = newMark
	return nil
}

type billyPayment struct {
	ID                string `json:"id"`
	ContactID         str    `json:"contactId"`
	CreatedTime       string `json:"createdTime"`
	EntryDate         string `json:"entryDate"`
	CashAmount        num    `json:"cashAmount"`
	CashSide          string `json:"cashSide"`
	CashExchangeRate  num    `json:"cashExchangeRate"`
	SubjectCurrencyID string `json:"subjectCurrencyId"`
	FeeAmount         num    `json:"feeAmount"`
	IsVoided          bool   `json:"isVoided"`
	Associations      []struct {
		SubjectReference string `json:"subjectReference"`
		Amount           num    `json:"amount"`
		IsVoided         bool   `json:"isVoided"`
	} `json:"associations"`
}

// settled is what a single-invoice payment settled in the invoice's
// currency when the association carries no amount: get_revenue's rule
// (cashSettled in plugins/invoices/revenue.go), so both agree.
func (bp billyPayment) settled() decimal.Decimal {
	s := bp.CashAmount.d.Add(bp.FeeAmount.d)
	if bp.CashSide == "credit" {
		s = bp.CashAmount.d.Sub(bp.FeeAmount.d)
	}
	if bp.CashExchangeRate.d.IsPositive() {
		return s.DivRound(bp.CashExchangeRate.d, 2)
	}
	return s.Round(2)
}

func (y *syncer) writePayments(ctx context.Context, raw json.RawMessage) (newest, oldest string, err error) {
	var bps []billyPayment
	if err := json.Unmarshal(raw, &bps); err != nil {
		return "", "", err
	}
	err = y.tx(ctx, func(tx *sql.Tx) error {
		for i, bp := range bps {
			if i == 0 || bp.CreatedTime > newest {
				newest = bp.CreatedTime
			}
			if i == 0 || bp.CreatedTime < oldest {
				oldest = bp.CreatedTime
			}
			if _, err := tx.ExecContext(ctx, `DELETE FROM payments WHERE org_id=? AND id=?`, y.s.org, bp.ID); err != nil {
				return err
			}
			n := 0
			for _, a := range bp.Associations {
				if typ, _, _ := strings.Cut(a.SubjectReference, ":"); typ == "invoice" && !a.IsVoided {
					n++
				}
			}
			for _, a := range bp.Associations {
				typ, id, _ := strings.Cut(a.SubjectReference, ":")
				if typ != "invoice" || a.IsVoided {
					continue
				}
				amount := a.Amount.d.Abs()
				if amount.IsZero() && n == 1 {
					amount = bp.settled()
				}
				if _, err := tx.ExecContext(ctx, `INSERT OR REPLACE INTO payments VALUES (?,?,?,?,?,?,?,?)`,
					y.s.org, bp.ID, id, string(bp.ContactID), bp.EntryDate, cents(amount), bp.IsVoided, bp.CreatedTime); err != nil {
					return err
				}
			}
		}
		y.stats.Payments += len(bps)
		return nil
	})
	return newest, oldest, err
}

func (y *syncer) payments(ctx context.Context) error {
	mark, newMark := y.s.marks.pay, y.s.marks.pay
	inc := "bankPayment.associations:embed"
	if err := y.each(ctx, "payments", "/bankPayments", "bankPayments",
		url.Values{"sortProperty": {"createdTime"}, "sortDirection": {"DESC"}, "include": {inc}},
		func(raw json.RawMessage) (bool, error) {
			newest, oldest, err := y.writePayments(ctx, raw)
			if newest > newMark {
				newMark = newest
			}
			return mark != "" && oldest < mark, err
		}); err != nil {
		return err
	}
	if mark != "" {
		// A payment can be voided later; the voided ones are few.
		if err := y.each(ctx, "voided payments", "/bankPayments", "bankPayments", url.Values{"isVoided": {"true"}, "include": {inc}},
			func(raw json.RawMessage) (bool, error) {
				_, _, err := y.writePayments(ctx, raw)
				return false, err
			}); err != nil {
			return err
		}
	}
	y.s.marks.pay = newMark
	return nil
}

func (y *syncer) postings(ctx context.Context) error {
	mark, newMark := y.s.marks.tx, y.s.marks.tx
	from := ""
	if mark != "" {
		// Transactions created since the last sync: the earliest entry
		// date among them is where the ledger changed.
		any := false
		if err := y.each(ctx, "transactions", "/transactions", "transactions",
			url.Values{"sortProperty": {"createdTime"}, "sortDirection": {"DESC"}},
			func(raw json.RawMessage) (bool, error) {
				var ts []struct{ CreatedTime, EntryDate string }
				if err := json.Unmarshal(raw, &ts); err != nil {
					return false, err
				}
				stop := false
				for _, t := range ts {
					if t.CreatedTime < mark {
						stop = true
						continue
					}
					if !any || t.EntryDate < from {
						from = t.EntryDate
					}
					any = true
					if t.CreatedTime > newMark {
						newMark = t.CreatedTime
					}
				}
				return stop, nil
			}); err != nil {
			return err
		}
		if !any {
			return nil
		}
	} else {
		// The first sync reads every posting; the mark is the newest
		// transaction now.
		roots, _, err := y.page(ctx, "/transactions", url.Values{"sortProperty": {"createdTime"}, "sortDirection": {"DESC"}}, 1)
		if err != nil {
			return err
		}
		var ts []struct{ CreatedTime string }
		_ = json.Unmarshal(roots["transactions"], &ts)
		if len(ts) > 0 {
			newMark = ts[0].CreatedTime
		}
	}
	y.stats.PostingFrom = from
	if _, err := y.s.db.ExecContext(ctx, `DELETE FROM postings WHERE org_id=? AND entry_date>=?`, y.s.org, from); err != nil {
		return err
	}
	q := url.Values{"sortProperty": {"entryDate"}}
	if from != "" {
		q.Set("minEntryDate", from)
	}
	if err := y.each(ctx, "postings", "/postings", "postings", q, func(raw json.RawMessage) (bool, error) {
		var ps []struct {
			ID            string `json:"id"`
			TransactionID string `json:"transactionId"`
			EntryDate     string `json:"entryDate"`
			AccountID     string `json:"accountId"`
			Amount        num    `json:"amount"`
			BaseAmount    num    `json:"baseAmount"`
			Side          string `json:"side"`
			IsVoided      bool   `json:"isVoided"`
		}
		if err := json.Unmarshal(raw, &ps); err != nil {
			return false, err
		}
		return false, y.tx(ctx, func(tx *sql.Tx) error {
			for _, p := range ps {
				// The ledger is in the base currency: debit positive,
				// credit negative.
				amount := p.BaseAmount.d
				if amount.IsZero() {
					amount = p.Amount.d
				}
				c := cents(amount.Abs())
				if p.Side == "credit" {
					c = -c
				}
				if _, err := tx.ExecContext(ctx, `INSERT OR REPLACE INTO postings VALUES (?,?,?,?,?,?,?)`,
					y.s.org, p.ID, p.TransactionID, p.EntryDate, p.AccountID, c, p.IsVoided); err != nil {
					return err
				}
			}
			y.stats.Postings += len(ps)
			return nil
		})
	}); err != nil {
		return err
	}
	y.s.marks.tx = newMark
	return nil
}
