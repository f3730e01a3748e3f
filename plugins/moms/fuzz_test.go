package main

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
