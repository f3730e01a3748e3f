package sandbox

import (
	"sort"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// Every transaction of the seeded books, bills and daybook entries
// included, balances in the base currency, and each approved bill and
// daybook entry has one.
func TestGeneratedBooksBalance(t *testing.T) {
	t.Parallel()
	for _, o := range generated(t, 1) {
		for _, tx := range o.transactions.all() {
			var debit, credit int64
			for _, p := range o.postings.pick(tx.postingIDs) {
				if p.Side == "debit" {
					debit += toOre(p.BaseAmount.v)
				} else {
					credit += toOre(p.BaseAmount.v)
				}
			}
			if debit != credit {
				t.Errorf("%s: transaction %d (%s) debits %d øre, credits %d øre", o.business, tx.TransactionNo, tx.OriginatorReference, debit, credit)
			}
		}
		for _, b := range o.bills.all() {
			if _, ok := o.transactions.get(b.transactionID); b.State == stateApproved && !ok {
				t.Errorf("%s: approved bill %s has no transaction", o.business, b.ID)
			}
		}
		for _, d := range o.daybookTransactions.all() {
			if _, ok := o.transactions.get(d.transactionID); d.State == stateApproved && !ok {
				t.Errorf("%s: approved daybook transaction %s has no transaction", o.business, d.ID)
			}
		}
	}
}

// The seeded businesses together use every field of the VAT return
// (danish-compliance.md §1.5): each purchase and sales treatment, each
// deduction share, and each energy duty account.
func TestGeneratedBooksUseEveryBox(t *testing.T) {
	t.Parallel()
	seen := map[string]bool{}
	for _, o := range generated(t, 1) {
		box := func(tr *taxRate) {
			seen["treatment "+tr.treatment] = true
			if tr.AppliesToPurchases && tr.Rate.v.IsPositive() {
				seen["deductible "+o.deductibleShare(tr).String()] = true
			}
		}
		for _, inv := range o.invoices.all() {
			for _, l := range o.invoiceLines.pick(inv.lineIDs) {
				if tr, ok := o.taxRates.get(l.TaxRateID); ok && inv.State == stateApproved {
					box(tr)
				}
			}
		}
		for _, b := range o.bills.all() {
			for _, l := range o.billLines.pick(b.lineIDs) {
				if tr, ok := o.taxRates.get(l.TaxRateID); ok && b.State == stateApproved {
					box(tr)
				}
			}
		}
		for _, l := range o.daybookLines.all() {
			if l.TaxRateID != nil {
				tr, _ := o.taxRates.get(*l.TaxRateID)
				box(tr)
			}
		}
		types := map[string]string{}
		for _, s := range o.salesTaxAccounts.all() {
			types[s.AccountID] = s.Type
		}
		for _, p := range o.postings.all() {
			if typ := types[p.AccountID]; typ != "" {
				seen["account "+typ] = true
			}
		}
		settled, paid := 0, 0
		for _, r := range o.salesTaxReturns.all() {
			if r.IsSettled {
				settled++
			}
			if r.IsPaid {
				paid++
			}
		}
		if settled == 0 || paid != settled {
			t.Errorf("%s: %d returns settled, %d paid", o.business, settled, paid)
		}
	}
	want := []string{
		"account co2Duty", "account coalDuty", "account electricityDuty", "account euGoodsVat", "account euServicesVat",
		"account gasDuty", "account oilDuty", "account purchaseVat", "account salesVat", "account settlement", "account waterDuty",
		"deductible 0", "deductible 0.25", "deductible 0.5", "deductible 1",
		"treatment domestic", "treatment domestic_rc_sale", "treatment eu_goods", "treatment eu_goods_installed", "treatment eu_services",
		"treatment exempt", "treatment export", "treatment input", "treatment none", "treatment rc_domestic", "treatment rc_eu_goods",
		"treatment rc_eu_services", "treatment rc_import",
	}
	var got []string
	for k := range seen {
		got = append(got, k)
	}
	sort.Strings(got)
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("boxes in use (-want +got):\n%s", diff)
	}
}
