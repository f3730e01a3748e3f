package moms

import (
	"fmt"
	"sort"
	"strings"

	"github.com/shopspring/decimal"
)

// The VAT return's arithmetic, apart from where the figures come from:
// contributions (an amount for a field, from a record) are summed per field
// to the øre, each field is then brought to whole kroner as ML § 57 stk. 1
// says ("Beløbene angives i hele kroner, idet der bortses fra ørebeløb":
// the øre are disregarded, so truncated toward zero; config
// return_rounding: round reads it as rounding instead, reference § 8 item
// 4), and the afgiftstilsvar is computed from the whole-kroner fields
// (reference § 1.3, § 1.5).

// recordRef names the record behind a contribution.
type recordRef struct {
	Record string // "invoice:<id>", "bill:<id>", "transaction:<id>"
	No     string // the invoice, voucher or transaction number, if any
	Date   string // entry date
}

// Evidence is one record behind a field and what it adds to the field.
type Evidence struct {
	Record string `json:"record" jsonschema:"type:id, e.g. invoice:GJj2Kr8v"`
	No     string `json:"no,omitempty"`
	Date   string `json:"date"`
	Amount Number `json:"amount" jsonschema:"what the record adds to the field, DKK to the øre"`
	Note   string `json:"note,omitempty"`
}

// Finding is one thing a compliance tool found, with the rule it comes from.
type Finding struct {
	Rule     string   `json:"rule" jsonschema:"the law, order or guidance the finding rests on"`
	Severity string   `json:"severity" jsonschema:"error, warning or info"`
	Message  string   `json:"message"`
	Records  []string `json:"records,omitempty" jsonschema:"the records concerned, type:id"`
}

// Severities.
const (
	sevError   = "error"
	sevWarning = "warning"
	sevInfo    = "info"
)

// ReturnField is one field of the return with its evidence.
type ReturnField struct {
	Key    string `json:"key"`
	Name   string `json:"name"`
	API    string `json:"skat_name,omitempty"`
	Amount Number `json:"amount" jsonschema:"whole kroner, as filed"`
	Exact  Number `json:"exact" jsonschema:"the sum to the øre, before rounding"`
	// Records counts the records behind the field; Evidence lists the
	// first of them, MoreRecords and MoreAmount sum up the rest, so the
	// evidence always adds up to Exact.
	Records     int        `json:"records"`
	Evidence    []Evidence `json:"evidence,omitempty"`
	MoreRecords int        `json:"more_records,omitempty"`
	MoreAmount  *Number    `json:"more_amount,omitempty"`
}

// book collects contributions per field and record.
type book struct {
	per map[fieldKey]map[string]*evidenceAcc
}

type evidenceAcc struct {
	ref    recordRef
	amount decimal.Decimal
	notes  []string
}

func newBook() *book { return &book{per: map[fieldKey]map[string]*evidenceAcc{}} }

// add books amount on field from ref; a record's several contributions to
// one field are summed into one evidence entry.
func (b *book) add(field fieldKey, ref recordRef, amount decimal.Decimal, note string) {
	m := b.per[field]
	if m == nil {
		m = map[string]*evidenceAcc{}
		b.per[field] = m
	}
	acc := m[ref.Record]
	if acc == nil {
		acc = &evidenceAcc{ref: ref}
		m[ref.Record] = acc
	}
	acc.amount = acc.amount.Add(amount)
	if note != "" && !containsString(acc.notes, note) {
		acc.notes = append(acc.notes, note)
	}
}

// exact is the field's sum to the øre.
func (b *book) exact(field fieldKey) decimal.Decimal {
	sum := decZero
	for _, acc := range b.per[field] {
		sum = sum.Add(acc.amount)
	}
	return sum
}

func containsString(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// wholeKroner brings a field's exact sum to whole kroner: truncated toward
// zero (the literal reading of ML § 57 stk. 1), or rounded half away from
// zero when configured.
func wholeKroner(d decimal.Decimal, rounding string) decimal.Decimal {
	if rounding == "round" {
		return d.Round(0)
	}
	return d.Truncate(0)
}

// settle turns the book into the return's fields and the afgiftstilsvar,
// listing at most limit evidence records per field.
func (b *book) settle(rounding string, limit int) ([]ReturnField, decimal.Decimal) {
	var fields []ReturnField
	tilsvar := decZero
	for _, f := range returnFields {
		exact := b.exact(f.key)
		amount := wholeKroner(exact, rounding)
		tilsvar = tilsvar.Add(amount.Mul(decimal.NewFromInt(int64(f.sign))))
		rf := ReturnField{Key: string(f.key), Name: f.name, API: f.api, Amount: numberOf(amount), Exact: numberOf(exact)}
		accs := make([]*evidenceAcc, 0, len(b.per[f.key]))
		for _, acc := range b.per[f.key] {
			if !acc.amount.IsZero() {
				accs = append(accs, acc)
			}
		}
		sort.Slice(accs, func(i, j int) bool {
			if accs[i].ref.Date != accs[j].ref.Date {
				return accs[i].ref.Date < accs[j].ref.Date
			}
			return accs[i].ref.Record < accs[j].ref.Record
		})
		rf.Records = len(accs)
		more := decZero
		for i, acc := range accs {
			if i >= limit {
				rf.MoreRecords++
				more = more.Add(acc.amount)
				continue
			}
			rf.Evidence = append(rf.Evidence, Evidence{Record: acc.ref.Record, No: acc.ref.No, Date: acc.ref.Date,
				Amount: numberOf(acc.amount), Note: strings.Join(acc.notes, "; ")})
		}
		if rf.MoreRecords > 0 {
			n := numberOf(more)
			rf.MoreAmount = &n
		}
		fields = append(fields, rf)
	}
	return fields, tilsvar
}

// EUSale is one buyer's line of the EU sales list (EU-salg uden moms).
type EUSale struct {
	VATNumber string `json:"vat_number" jsonschema:"the buyer's VAT number with its country prefix; empty when Billy has none"`
	Country   string `json:"country"`
	Buyer     string `json:"buyer"`
	Goods     Number `json:"goods" jsonschema:"whole kroner"`
	Services  Number `json:"services" jsonschema:"whole kroner"`
	// Triangular trade is not recorded in Billy's data; it is always 0.
	Triangular Number   `json:"triangular"`
	Records    []string `json:"records,omitempty"`
}

// euList collects the EU sales list per buyer.
type euList struct {
	per map[string]*euAcc
}

type euAcc struct {
	vat, country, buyer string
	goods, services     decimal.Decimal
	records             []string
}

func newEUList() *euList { return &euList{per: map[string]*euAcc{}} }

func (l *euList) add(key, vat, country, buyer string, goods, services decimal.Decimal, record string) {
	acc := l.per[key]
	if acc == nil {
		acc = &euAcc{vat: vat, country: country, buyer: buyer}
		l.per[key] = acc
	}
	acc.goods = acc.goods.Add(goods)
	acc.services = acc.services.Add(services)
	if !containsString(acc.records, record) {
		acc.records = append(acc.records, record)
	}
}

// lines returns the list, by VAT number, in whole kroner, and the exact
// sums of goods and services over all buyers.
func (l *euList) lines(rounding string) ([]EUSale, decimal.Decimal, decimal.Decimal) {
	var out []EUSale
	goods, services := decZero, decZero
	keys := make([]string, 0, len(l.per))
	for k := range l.per {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		a := l.per[k]
		if a.goods.IsZero() && a.services.IsZero() {
			continue
		}
		goods, services = goods.Add(a.goods), services.Add(a.services)
		out = append(out, EUSale{VATNumber: a.vat, Country: a.country, Buyer: a.buyer,
			Goods: numberOf(wholeKroner(a.goods, rounding)), Services: numberOf(wholeKroner(a.services, rounding)), Records: a.records})
	}
	return out, goods, services
}

// checkEUList compares the EU sales list with rubrik B (reference § 1.4,
// § 1.5: the values must agree). Both come from the same lines, so the
// exact sums agree by construction unless a line was left off the list;
// per-buyer whole kroner can still differ from the field's by a few
// kroner, which is said.
func checkEUList(list []EUSale, goods, services decimal.Decimal, b *book, rounding string) []Finding {
	var out []Finding
	bGoods, bServices := b.exact(fRubrikBVarer), b.exact(fRubrikBYdelser)
	if !goods.Equal(bGoods) || !services.Equal(bServices) {
		out = append(out, Finding{Rule: "EU-salg uden moms must agree with rubrik B (skat.dk; reference § 1.4, § 1.5)", Severity: sevError,
			Message: fmt.Sprintf("the EU sales list (goods %s, services %s) does not agree with rubrik B (goods %s, services %s)",
				kr(goods), kr(services), kr(bGoods), kr(bServices))})
	}
	sumG, sumS := decZero, decZero
	for _, l := range list {
		sumG, sumS = sumG.Add(l.Goods.Dec()), sumS.Add(l.Services.Dec())
	}
	if !sumG.Equal(wholeKroner(bGoods, rounding)) || !sumS.Equal(wholeKroner(bServices, rounding)) {
		out = append(out, Finding{Rule: "reference § 1.5 (rubrik B must equal EU-salg uden moms)", Severity: sevInfo,
			Message: fmt.Sprintf("in whole kroner per buyer the list sums to goods %s and services %s, the rubrik B fields to %s and %s: the difference is the øre of each buyer; file the list as SKAT's form asks",
				wholeKr(sumG), wholeKr(sumS), wholeKr(wholeKroner(bGoods, rounding)), wholeKr(wholeKroner(bServices, rounding)))})
	}
	return out
}
