package invoices

import (
	"fmt"
	"github.com/billy-mcp/billy-mcp/plugins/internal/dkfmt"
	"regexp"
	"strings"
	"time"
	_ "time/tzdata" // Europe/Copenhagen must resolve in a minimal container too

	"github.com/billy-mcp/billy-mcp/sdk"
	"github.com/shopspring/decimal"
)

// Billy's record IDs are opaque URL-safe strings, usually 22 characters
// ("GJj2Kr8vQ3mmuWn30VT5lw"), some older ones with a numeric prefix
// ("709627-tUoUXF3Bfanvf"); reference data uses short codes ("DKK").
// Anything else (spaces, slashes, an invoice number, a name) is certainly
// not an ID, and catching it here gives the model a clear message instead
// of Billy's 404 or, worse, a request to another path.
var idPattern = regexp.MustCompile(`^[A-Za-z0-9_-]{2,64}$`)

// checkID validates a required ID argument.
func checkID(field, id string) error {
	if id == "" {
		return sdk.Invalid(field, "is required")
	}
	return checkOptionalID(field, id)
}

// checkOptionalID validates an ID argument that may be empty.
func checkOptionalID(field, id string) error {
	if id == "" || idPattern.MatchString(id) {
		return nil
	}
	return sdk.Invalid(field, "%q does not look like a Billy ID (IDs are opaque strings such as \"GJj2Kr8vQ3mmuWn30VT5lw\"; an invoice number or a name is not an ID, list the records to find it)", id)
}

// checkDate validates an optional YYYY-MM-DD argument.
func checkDate(field, v string) error {
	if v == "" {
		return nil
	}
	if _, err := time.Parse(time.DateOnly, v); err != nil {
		return sdk.Invalid(field, "must be a date written YYYY-MM-DD, got %q", v)
	}
	return nil
}

// checkRange validates that from is not after to (both YYYY-MM-DD, either
// may be empty).
func checkRange(fromField, from, toField, to string) error {
	if from != "" && to != "" && from > to {
		return &sdk.Error{Code: sdk.CodeInvalidArguments, Category: sdk.CategoryValidation,
			Message: fmt.Sprintf("%s (%s) is after %s (%s)", fromField, from, toField, to),
			Fields:  []sdk.FieldError{{Field: fromField, Message: "after " + toField}, {Field: toField, Message: "before " + fromField}}}
	}
	return nil
}

// maxAmount bounds amounts and prices: below it every value the tools
// take has at most 15 significant digits (Number). It bounds what lines
// come to as well, one by one and together (checkLineTotals,
// checkCreditGross): each factor of quantity × unit price can be within its
// bound while the product is not (10^9 × 10^9), and Billy's ledger (and the
// sandbox's, sandbox/bounds.go) refuses an invoice whose totals reach it.
var maxAmount = decimal.New(1, 12)

// maxQuantity bounds a line's quantity.
var maxQuantity = decimal.New(1, 9)

// maxVATRate is the highest VAT rate a line can carry (Danish moms, 25 %).
// Before the write a tool does not always know each line's rate (Billy
// derives it from the product and the customer), so a total of prices
// excluding VAT is checked with the highest rate on top: whatever the
// rates, the invoice's grossAmount then stays below maxAmount.
var maxVATRate = decimal.New(25, -2)

// pricedOf is a line as Billy will compute it; false while it has no unit
// price yet (filled in from the product later).
func pricedOf(l lineBody) (pricedLine, bool) {
	if l.UnitPrice == nil {
		return pricedLine{}, false
	}
	pl := pricedLine{quantity: l.quantity(), unitPrice: l.UnitPrice.Dec(), discountMode: l.DiscountMode}
	if l.DiscountValue != nil {
		d := l.DiscountValue.Dec()
		pl.discountValue = &d
	}
	return pl, true
}

// checkLines validates what each priced line comes to (quantity × unit
// price, less its discount, rounded to the currency's minor unit), naming
// the line ("lines[2]"), and returns their sum. Lines without a unit price
// yet are left out; they are checked once priced.
func checkLines(field string, lines []lineBody, currency string) (decimal.Decimal, error) {
	sum := decimal.Zero
	for i, l := range lines {
		pl, ok := pricedOf(l)
		if !ok {
			continue
		}
		a := pl.amount(currency)
		if a.Abs().GreaterThanOrEqual(maxAmount) {
			return sum, sdk.Invalid(fmt.Sprintf("%s[%d]", field, i), "the line comes to %s (quantity %s × unit price %s); a line must come to less than 1.000.000.000.000",
				amountText(a, currency), danishDecimal(pl.quantity, 0), unitPriceText(pl.unitPrice, currency))
		}
		sum = sum.Add(a)
	}
	return sum, nil
}

// checkLineTotals validates priced lines one by one (checkLines) and
// together, naming field ("lines"): their sum must be below maxAmount, and
// with vatOnTop (prices excluding VAT) so must the sum with the highest VAT
// rate on top, so that the invoice's grossAmount stays below it whatever
// rates Billy derives for the lines.
func checkLineTotals(field string, lines []lineBody, currency string, vatOnTop bool) error {
	sum, err := checkLines(field, lines, currency)
	if err != nil {
		return err
	}
	if sum.Abs().GreaterThanOrEqual(maxAmount) {
		return sdk.Invalid(field, "the lines come to %s; an invoice must come to less than 1.000.000.000.000 (split it into several invoices)", amountText(sum, currency))
	}
	if gross := sum.Mul(decOne.Add(maxVATRate)); vatOnTop && gross.Abs().GreaterThanOrEqual(maxAmount) {
		return sdk.Invalid(field, "the lines come to %s excluding VAT, up to %s with 25 %% VAT; an invoice must come to less than 1.000.000.000.000 including VAT (split it into several invoices)",
			amountText(sum, currency), amountText(gross, currency))
	}
	return nil
}

// checkCreditGross validates what a credit note comes to including VAT
// (computed exactly, creditTotals), naming field.
func checkCreditGross(field string, gross decimal.Decimal, currency string) error {
	if gross.Abs().LessThan(maxAmount) {
		return nil
	}
	return sdk.Invalid(field, "the credit note comes to %s including VAT; a credit note must come to less than 1.000.000.000.000", amountText(gross, currency))
}

// amountText and unitPriceText format money for a validation message; the
// currency is "" when the tool does not know it yet (the organization's
// base currency, or the invoice's before it is read), and the number then
// goes without one rather than with a guessed "kr.".
func amountText(d decimal.Decimal, currency string) string {
	if currency == "" {
		return dkfmt.Number(d, 2)
	}
	return money(d, currency)
}

func unitPriceText(d decimal.Decimal, currency string) string {
	if currency == "" {
		return danishDecimal(d, 2)
	}
	return unitMoney(d, currency)
}

// checkAmount validates a money amount in a currency: below
// 1.000.000.000.000, at most the currency's decimals (øre), and positive
// when required.
func checkAmount(field string, v decimal.Decimal, currency string, positive bool) error {
	if v.Abs().GreaterThanOrEqual(maxAmount) {
		return sdk.Invalid(field, "must be below 1.000.000.000.000")
	}
	if positive && !v.IsPositive() {
		return sdk.Invalid(field, "must be greater than 0, got %s", plain(v))
	}
	if !positive && v.IsNegative() {
		return sdk.Invalid(field, "must not be negative, got %s", plain(v))
	}
	if places := minorUnits(currency); !hasPlaces(v, places) {
		return sdk.Invalid(field, "has more than %d decimals (%s); amounts in %s are in whole minor units", places, plain(v), currencyOrBase(currency))
	}
	return nil
}

// checkUnitPrice validates a unit price: not negative, at most 4
// decimals (2,3456 kr. per kWh).
func checkUnitPrice(field string, v decimal.Decimal) error {
	switch {
	case v.IsNegative():
		return sdk.Invalid(field, "must not be negative, got %s; to credit, use create_credit_note", plain(v))
	case v.GreaterThanOrEqual(maxAmount):
		return sdk.Invalid(field, "must be below 1.000.000.000.000")
	case !hasPlaces(v, unitPricePlaces):
		return sdk.Invalid(field, "has more than %d decimals (%s)", unitPricePlaces, plain(v))
	}
	return nil
}

func currencyOrBase(c string) string {
	if c == "" {
		return "the currency"
	}
	return c
}

var currencyPattern = regexp.MustCompile(`^[A-Za-z]{3}$`)

// checkCurrency validates an optional ISO 4217 code such as DKK.
func checkCurrency(field, v string) error {
	if v == "" || currencyPattern.MatchString(v) {
		return nil
	}
	return sdk.Invalid(field, "must be a 3-letter ISO currency code such as DKK or EUR, got %q", v)
}

// oneOf validates an optional enumerated argument.
func oneOf(field, v string, allowed ...string) error {
	if v == "" {
		return nil
	}
	for _, a := range allowed {
		if v == a {
			return nil
		}
	}
	return sdk.Invalid(field, "must be one of %s, got %q", strings.Join(allowed, ", "), v)
}

// firstErr returns the first non-nil error, so a handler can validate a
// list of arguments in one statement.
func firstErr(errs ...error) error {
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}

// copenhagen is where Billy's (and its users') calendar days are; "today"
// for due dates and default entry dates is a Danish day, not a UTC one.
var copenhagen = func() *time.Location {
	loc, err := time.LoadLocation("Europe/Copenhagen")
	if err != nil {
		return time.FixedZone("CET", 3600)
	}
	return loc
}()

func today(now time.Time) string { return now.In(copenhagen).Format(time.DateOnly) }
