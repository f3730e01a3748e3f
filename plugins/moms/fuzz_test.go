package moms

import (
	"strings"
	"testing"
)

// Fuzz the normalizers and checkers: they see arbitrary user text. Run
// with: go test -fuzz=FuzzCVR ./moms/ (and FuzzIBAN).

func FuzzCVR(f *testing.F) {
	for _, s := range []string{"13748136", "DK 13 74 81 36", "dk13585627", "01234567", "DK", "", "1000005\u00a01", "DKDK13748136", "\u0130K13748136"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got := checkCVR(s)
		if got.Valid == (got.Reason != "") {
			t.Fatalf("%q: valid=%v with reason %q", s, got.Valid, got.Reason)
		}
		if !got.Valid {
			return
		}
		if len(got.Normalized) != 8 || got.VATNumber != "DK"+got.Normalized {
			t.Fatalf("%q: bad valid output %+v", s, got)
		}
		// A valid number's normalized and VAT forms validate to the same.
		for _, again := range []string{got.Normalized, got.VATNumber} {
			if re := checkCVR(again); !re.Valid || re.Normalized != got.Normalized {
				t.Fatalf("%q valid as %q, but %q gives %+v", s, got.Normalized, again, re)
			}
		}
	})
}

func FuzzIBAN(f *testing.F) {
	for _, s := range []string{"DK5000400440116243", "dk50 0040 0440 1162 43", "DK0000400440116270", "GB82 WEST 1234 5698 7654 32", "", "DK", "ÆØÅ1", "DK50\u00a00040"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got := checkIBAN(s)
		if got.Valid == (got.Reason != "") {
			t.Fatalf("%q: valid=%v with reason %q", s, got.Valid, got.Reason)
		}
		if !got.Valid {
			return
		}
		if got.Compact != strings.ReplaceAll(got.Normalized, " ", "") || len(got.Compact) < ibanMinLen || len(got.Compact) > ibanMaxLen {
			t.Fatalf("%q: inconsistent forms %+v", s, got)
		}
		// A valid IBAN's printed and electronic forms validate to the same.
		for _, again := range []string{got.Normalized, got.Compact} {
			if re := checkIBAN(again); re != got {
				t.Fatalf("%q valid as %+v, but %q gives %+v", s, got, again, re)
			}
		}
	})
}

// FuzzFIK: checking any text never panics, a valid code's payment ID has
// 15 digits whose last is the Luhn digit of the rest, and generating from
// the payload gives the same ID back.
func FuzzFIK(f *testing.F) {
	for _, s := range []string{"+71<000000000012344+81234567<", "000000000012344", "026840149965328", "+71< 000000000012345 +81234567<",
		"+75<0000000000123456+81234567<", "+71<<", "+", "", "+71<000000000012344+8123456<", "٣٣٣"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got := checkFIK(s)
		if got.Valid == (got.Reason != "") {
			t.Fatalf("%q: valid=%v with reason %q", s, got.Valid, got.Reason)
		}
		if !got.Valid {
			return
		}
		id := got.PaymentID
		if len(id) != fikIDLen || !allDigits(id) || luhnDigit(id[:fikPayloadLen]) != id[fikPayloadLen] {
			t.Fatalf("%q: valid with payment ID %q", s, id)
		}
		gen, err := generateFIK(id[:fikPayloadLen], got.Creditor)
		if err != nil || gen.PaymentID != id || (got.Creditor != "" && gen.CodeLine != got.CodeLine) {
			t.Fatalf("%q: checked as %+v, generated as %+v (%v)", s, got, gen, err)
		}
	})
}

// FuzzVATNumber: parsing any text never panics, and a valid number's
// compact form parses to itself, prefixed with its country.
func FuzzVATNumber(f *testing.F) {
	for _, s := range []string{"DE123456789", "dk 13 74 81 36", "EL123456789", "NL123456789B01", "IE6388047V", "SE556677889901", "GB123", "", "DK", "ÆØÅ", "xi123456789"} {
		f.Add(s, "")
		f.Add(s, "DE")
	}
	f.Fuzz(func(t *testing.T, s, country string) {
		got := parseVATNumber(s, country)
		if got.Valid == (got.Message != "") {
			t.Fatalf("%q: valid=%v with message %q", s, got.Valid, got.Message)
		}
		if !got.Valid {
			return
		}
		if !strings.HasPrefix(got.Number, got.Country) || len(got.Country) != 2 {
			t.Fatalf("%q: valid as %+v", s, got)
		}
		if again := parseVATNumber(got.Number, ""); again != got {
			t.Fatalf("%q valid as %+v, but %q gives %+v", s, got, got.Number, again)
		}
	})
}

// FuzzParsePeriod: any text is a period or a validation error, and a
// period's label reads back as the same period.
func FuzzParsePeriod(f *testing.F) {
	for _, s := range []string{"2026-Q1", "2026-H2", "2026-03", "2026-01-01..2026-03-31", "2026-02-01/2026-02-28", "2026q4", "1999-Q1", "2026-13", "", "2026-01-01..2027-12-31"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		v, err := parsePeriod("period", s)
		if err != nil {
			return
		}
		if v.End.Before(v.Start) {
			t.Fatalf("%q: ends before it starts: %+v", s, v)
		}
		again, err := parsePeriod("period", v.Label)
		if err != nil || again != v {
			t.Fatalf("%q is %+v, but its label %q gives %+v (%v)", s, v, v.Label, again, err)
		}
	})
}

// FuzzNumber: a Number read from any JSON either is refused or prints
// back as the decimal it read (number.go: never carried inexactly).
func FuzzNumber(f *testing.F) {
	for _, s := range []string{"44.28", "0.1", "-99.99", "1e3", "999999999999.99", "12345678901234567", `"12.5"`, "null", "1e-40", "-0"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		var n Number
		if err := n.UnmarshalJSON([]byte(s)); err != nil {
			return
		}
		want, _ := parseDecimal([]byte(s))
		if !n.Dec().Equal(want) {
			t.Fatalf("%q read as %s, want %s", s, n.Dec(), want)
		}
		b, _ := n.MarshalJSON()
		var back Number
		if err := back.UnmarshalJSON(b); err != nil || !back.Dec().Equal(want) {
			t.Fatalf("%q printed as %s, read back as %s (%v)", s, b, back.Dec(), err)
		}
	})
}
