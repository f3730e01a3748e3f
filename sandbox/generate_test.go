package sandbox

import (
	"bytes"
	"encoding/json"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// generated builds every organization's data for a seed.
func generated(t *testing.T, seed int64) []*orgState {
	t.Helper()
	if seed == 1 {
		return seed1()
	}
	return generateAll(seed)
}

func generateAll(seed int64) []*orgState {
	var orgs []*orgState
	anchor := time.Date(testNow.Year(), testNow.Month(), testNow.Day(), 0, 0, 0, 0, time.UTC)
	for _, kind := range businesses {
		orgs = append(orgs, generate(seed, kind, anchor))
	}
	return orgs
}

// seed1 is generated once and shared by the read-only tests below:
// generation is the slow part of New, more so under -race.
var seed1 = sync.OnceValue(func() []*orgState { return generateAll(1) })

// snapshot serializes everything an organization holds, for comparisons.
func snapshot(t *testing.T, o *orgState) []byte {
	t.Helper()
	b, err := json.Marshal([]any{o.org, o.contacts.all(), o.contactPersons.all(), o.products.all(), o.productPrices.all(),
		o.invoices.all(), o.invoiceLines.all(), o.bankPayments.all(), o.balanceModifiers.all(), o.transactions.all(),
		o.postings.all(), o.accounts.all(), o.taxRates.all(), o.rulesets.all(), o.rules.all()})
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestDeterminism(t *testing.T) {
	t.Parallel()
	a, b, c := generated(t, 1), generateAll(1), generateAll(2)
	for i := range a {
		if !bytes.Equal(snapshot(t, a[i]), snapshot(t, b[i])) {
			t.Errorf("%s: the same seed gave different data", a[i].business)
		}
		// A different seed differs from the first records on.
		if a[i].org.ID == c[i].org.ID || a[i].org.RegistrationNo == c[i].org.RegistrationNo ||
			cmp.Equal(a[i].contacts.all()[0], c[i].contacts.all()[0], cmp.AllowUnexported(contact{})) {
			t.Errorf("%s: different seeds gave the same data", a[i].business)
		}
	}
	// The same seed answers the same over HTTP too (downloadUrl aside,
	// which changes on every read, and meta.time).
	get := func() []byte {
		sb := newSandbox(t, Options{Seed: 7})
		r := sb.do("GET", "/v2/invoices?pageSize=50&include=invoice.lines:embed", nil).ok(t)
		for _, inv := range r.list("invoices") {
			delete(inv, "downloadUrl")
		}
		delete(r.body, "meta")
		b, _ := json.Marshal(r.body["invoices"])
		return b
	}
	if !bytes.Equal(get(), get()) {
		t.Errorf("two sandboxes with the same seed answer differently")
	}
}

// Options.Today pins the history: a sandbox started a week later with Today
// set to the first one's day serves the same invoices, dates and IDs, while
// one without it moves on with the clock.
func TestTodayPinsTheHistory(t *testing.T) {
	t.Parallel()
	invoices := func(opts Options) string {
		sb := newSandbox(t, opts)
		r := sb.do("GET", "/v2/invoices?pageSize=1000&sortProperty=entryDate&sortDirection=DESC", nil).ok(t)
		var out []string
		for _, inv := range r.list("invoices") {
			out = append(out, fmt.Sprint(inv["id"], " ", inv["invoiceNo"], " ", inv["entryDate"], " ", inv["grossAmount"]))
		}
		return strings.Join(out, "\n")
	}
	later := func() time.Time { return testNow.AddDate(0, 0, 7) }
	want := invoices(Options{Seed: 3})
	if diff := cmp.Diff(want, invoices(Options{Seed: 3, Now: later, Today: testNow})); diff != "" {
		t.Errorf("Today did not pin the history to its day (-want +got):\n%s", diff)
	}
	if invoices(Options{Seed: 3, Now: later}) == want {
		t.Errorf("a week later without Today the history did not move on, so this test proves nothing")
	}
}

// Every generated registration number has a valid check digit.
func TestGeneratedRegistrationNumbers(t *testing.T) {
	t.Parallel()
	for _, o := range generated(t, 1) {
		if !validCVR(o.org.RegistrationNo) {
			t.Errorf("%s: organization CVR %s is invalid", o.business, o.org.RegistrationNo)
		}
		seen := map[string]bool{}
		for _, c := range o.contacts.all() {
			switch {
			case c.RegistrationNo == "":
				if c.Type == "company" {
					t.Errorf("%s: company %s has no registration number", o.business, c.Name)
				}
			case c.CountryID == "DK":
				if !validCVR(c.RegistrationNo) {
					t.Errorf("%s: %s has invalid CVR %s", o.business, c.Name, c.RegistrationNo)
				}
			case c.CountryID != "US":
				if !validVATNo(c.RegistrationNo) {
					t.Errorf("%s: %s has invalid VAT number %s", o.business, c.Name, c.RegistrationNo)
				}
			}
			if c.RegistrationNo != "" && seen[c.RegistrationNo] {
				t.Errorf("%s: duplicate registration number %s", o.business, c.RegistrationNo)
			}
			seen[c.RegistrationNo] = true
			if c.EAN != "" && !validGLN(c.EAN) {
				t.Errorf("%s: %s has invalid EAN %s", o.business, c.Name, c.EAN)
			}
		}
	}
}

func validGLN(s string) bool {
	if len(s) != 13 {
		return false
	}
	sum := 0
	for i := 0; i < 12; i++ {
		d := int(s[i] - '0')
		if i%2 == 1 {
			d *= 3
		}
		sum += d
	}
	return int(s[12]-'0') == (10-sum%10)%10
}

func TestCVRCheck(t *testing.T) {
	// Test vectors from danish-compliance.md §7 (TV1–TV3).
	for cvr, want := range map[string]bool{
		"13748136": true, "13585628": true, "13585627": false, "24256790": true, "24256791": false,
		"10000050": false, "10000055": false, "DK13748136": true, "03748136": false, "1374813": false, "1374813x": false,
	} {
		if got := validCVR(cvr); got != want {
			t.Errorf("validCVR(%s) = %v, want %v", cvr, got, want)
		}
	}
}

// The generated books are consistent: totals follow the lines, VAT follows
// the rates, balances follow the modifiers, numbers are gap-free and every
// transaction balances.
func TestGeneratedConsistency(t *testing.T) {
	t.Parallel()
	for _, o := range generated(t, 1) {
		var numbers []int
		for _, pp := range o.productPrices.all() {
			if !hasPlaces(pp.UnitPrice.v, 2) {
				t.Errorf("%s: product price %v has floating-point noise", o.business, pp.UnitPrice)
			}
		}
		for _, inv := range o.invoices.all() {
			lines := o.invoiceLines.pick(inv.lineIDs)
			if len(lines) == 0 {
				t.Fatalf("%s: invoice %s has no lines", o.business, inv.ID)
			}
			var amount, tax int64
			perRate := map[string]int64{}
			perRateTax := map[string]int64{}
			for _, l := range lines {
				amount += toOre(l.Amount.v)
				tax += toOre(l.Tax.v)
				perRate[l.TaxRateID] += toOre(l.Amount.v)
				perRateTax[l.TaxRateID] += toOre(l.Tax.v)
				if inv.TaxMode == taxModeExcl && l.DiscountMode == nil && !l.Amount.v.Equal(l.UnitPrice.v.Mul(l.Quantity.v).Round(2)) {
					t.Errorf("%s: line %s amount %v ≠ %v × %v", o.business, l.ID, l.Amount, l.Quantity, l.UnitPrice)
				}
				if !hasPlaces(l.UnitPrice.v, 2) {
					t.Errorf("%s: line %s unit price %v has more than 2 decimals (floating-point noise?)", o.business, l.ID, l.UnitPrice)
				}
			}
			if amount != toOre(inv.Amount.v) || tax != toOre(inv.Tax.v) || toOre(inv.GrossAmount.v) != amount+tax {
				t.Errorf("%s: invoice %s totals %v/%v/%v do not match its lines", o.business, inv.ID, inv.Amount, inv.Tax, inv.GrossAmount)
			}
			if inv.TaxMode == taxModeExcl {
				for id, base := range perRate {
					tr, _ := o.taxRates.get(id)
					if want := mulOre(base, tr.Rate.v); perRateTax[id] != want {
						t.Errorf("%s: invoice %s VAT %d øre at %v on %d, want %d", o.business, inv.ID, perRateTax[id], tr.Rate, base, want)
					}
				}
			}
			var bal int64
			if inv.State == stateApproved {
				bal = toOre(inv.GrossAmount.v)
				for _, m := range o.balanceModifiers.pick(inv.modifierIDs) {
					if !m.IsVoided {
						bal += toOre(m.Amount.v)
					}
				}
			}
			if bal != toOre(inv.Balance.v) || bal < 0 || inv.IsPaid != (inv.State == stateApproved && bal == 0) {
				t.Errorf("%s: invoice %s balance %v (isPaid %v), want %v", o.business, inv.ID, inv.Balance, inv.IsPaid, fromOre(bal))
			}
			if inv.State == stateDraft && inv.InvoiceNo != nil {
				t.Errorf("%s: draft %s has a number", o.business, inv.ID)
			}
			if inv.InvoiceNo != nil {
				n, err := strconv.Atoi(*inv.InvoiceNo)
				if err != nil {
					t.Errorf("%s: invoice number %q", o.business, *inv.InvoiceNo)
				}
				numbers = append(numbers, n)
			}
		}
		sort.Ints(numbers)
		first := profiles[o.business].firstInvoiceNo
		for i, n := range numbers {
			if n != first+i {
				t.Fatalf("%s: invoice numbers not sequential: #%d is %d, want %d", o.business, i, n, first+i)
			}
		}
		if o.org.NextInvoiceNo != first+len(numbers) {
			t.Errorf("%s: nextInvoiceNo %d after %d numbers from %d", o.business, o.org.NextInvoiceNo, len(numbers), first)
		}
		for _, tx := range o.transactions.all() {
			var sum int64
			for _, p := range o.postings.pick(tx.postingIDs) {
				if p.Side == "debit" {
					sum += toOre(p.BaseAmount.v)
				} else {
					sum -= toOre(p.BaseAmount.v)
				}
			}
			if sum != 0 {
				t.Errorf("%s: transaction %d (%s) is off by %d øre", o.business, tx.TransactionNo, tx.OriginatorName, sum)
			}
		}
	}
}

// The history looks like each business: two years, late payers, credit
// notes, VAT treatments, and retail's December peak.
func TestGeneratedRealism(t *testing.T) {
	t.Parallel()
	today := fmtDate(testNow)
	for _, o := range generated(t, 1) {
		var first, last string
		counts := map[string]int{}
		months := map[string]int{}
		treatments := map[string]int{}
		for _, inv := range o.invoices.all() {
			if first == "" || inv.EntryDate < first {
				first = inv.EntryDate
			}
			if inv.EntryDate > last {
				last = inv.EntryDate
			}
			counts[inv.State+"/"+inv.Type]++
			if inv.State == stateApproved && inv.Type == typeInvoice {
				months[inv.EntryDate[:7]]++
				if !inv.IsPaid && inv.DueDate < today {
					counts["overdue"]++
				}
				for _, m := range o.balanceModifiers.pick(inv.modifierIDs) {
					if typ, _, _ := parseRef(m.ModifierReference); typ == "bankPayment" && m.EntryDate > inv.DueDate {
						counts["paid late"]++
						break
					}
				}
			}
			for _, l := range o.invoiceLines.pick(inv.lineIDs) {
				tr, _ := o.taxRates.get(l.TaxRateID)
				treatments[tr.treatment]++
			}
		}
		// Monthly invoicing may start a few weeks into the two years.
		if first > fmtDate(testNow.AddDate(-2, 1, 7)) || last >= today || last < fmtDate(testNow.AddDate(0, 0, -7)) {
			t.Errorf("%s: history runs %s…%s", o.business, first, last)
		}
		for _, k := range []string{"overdue", "paid late", "approved/creditNote", "draft/invoice", "voided/invoice"} {
			if counts[k] == 0 {
				t.Errorf("%s: no %s invoices (%v)", o.business, k, counts)
			}
		}
		if treatments[vatDomestic] == 0 {
			t.Errorf("%s: no domestic VAT (%v)", o.business, treatments)
		}
		switch o.business {
		case BusinessService:
			if treatments[vatEUServices] == 0 || treatments[vatExport] == 0 {
				t.Errorf("service: treatments %v, want EU reverse charge and export", treatments)
			}
		case BusinessRetail:
			if treatments[vatEUGoods] == 0 || treatments[vatExport] == 0 || treatments[vatExempt] == 0 {
				t.Errorf("retail: treatments %v, want EU goods, export and exempt", treatments)
			}
			total := 0
			for _, n := range months {
				total += n
			}
			avg := float64(total) / float64(len(months))
			for _, dec := range []string{"2024-12", "2025-12"} {
				if float64(months[dec]) < 1.6*avg {
					t.Errorf("retail: %s has %d invoices, average month %.0f: no December peak", dec, months[dec], avg)
				}
			}
			if len(o.invoices.byID) < 1000 {
				t.Errorf("retail: only %d invoices", len(o.invoices.byID))
			}
		case BusinessFreelancer:
			customers := 0
			for _, c := range o.contacts.all() {
				if c.IsCustomer {
					customers++
				}
			}
			if customers > 15 {
				t.Errorf("freelancer: %d customers is not a few", customers)
			}
		}
	}
}
