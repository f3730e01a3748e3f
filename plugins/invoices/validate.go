package main

import (
	"fmt"
	"math"
	"regexp"
	"strconv"
	"strings"
	"time"
	_ "time/tzdata" // Europe/Copenhagen must resolve in a minimal container too

	"github.com/billy-mcp/billy-mcp/sdk"
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

// checkAmount validates a money amount: finite, at most 2 decimals (Billy
// stores øre), and positive when required.
func checkAmount(field string, v float64, positive bool) error {
	if math.IsNaN(v) || math.IsInf(v, 0) || math.Abs(v) >= 1e12 {
		return sdk.Invalid(field, "must be a finite amount below 1,000,000,000,000")
	}
	if positive && v <= 0 {
		return sdk.Invalid(field, "must be greater than 0, got %s", fmtAmount(v))
	}
	if !positive && v < 0 {
		return sdk.Invalid(field, "must not be negative, got %s", fmtAmount(v))
	}
	s := strconv.FormatFloat(v, 'f', -1, 64)
	if _, frac, ok := strings.Cut(s, "."); ok && len(frac) > 2 {
		return sdk.Invalid(field, "has more than 2 decimals (%s); amounts are in øre precision", s)
	}
	return nil
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

// fmtAmount prints an amount with two decimals and thousands separators,
// as a bookkeeper reads it: 14,250.00 in English text.
func fmtAmount(v float64) string { return groupDigits(v, ",", ".") }

// fmtAmountDA prints an amount the Danish way, 14.250,00, for text the
// customer reads.
func fmtAmountDA(v float64) string { return groupDigits(v, ".", ",") }

func groupDigits(v float64, thousands, decimal string) string {
	s := strconv.FormatFloat(math.Abs(v), 'f', 2, 64)
	whole, frac, _ := strings.Cut(s, ".")
	var b strings.Builder
	if v < 0 && s != "0.00" {
		b.WriteByte('-')
	}
	for i, r := range whole {
		if i > 0 && (len(whole)-i)%3 == 0 {
			b.WriteString(thousands)
		}
		b.WriteRune(r)
	}
	return b.String() + decimal + frac
}
