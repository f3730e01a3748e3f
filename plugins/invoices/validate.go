package main

import (
	"fmt"
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
// take has at most 15 significant digits (Number).
var maxAmount = decimal.New(1, 12)

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
