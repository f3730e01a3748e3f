package integrations

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/shopspring/decimal"
)

// FuzzParseStatement: any bytes are read or refused, never a panic; a file
// that is read has lines with real dates, decimal amounts that read back
// the same, and distinct keys.
func FuzzParseStatement(f *testing.F) {
	files, _ := filepath.Glob("testdata/bank/*")
	for _, name := range files {
		if filepath.Ext(name) == ".json" {
			continue
		}
		if b, err := os.ReadFile(name); err == nil {
			f.Add(b)
		}
	}
	f.Add([]byte(danskeHeader + "\"01.11.2026\";\"\";\"\";\"a\\\";\"1,00\";\"\";\"Udført\";\"Nej\""))
	f.Fuzz(func(t *testing.T, b []byte) {
		st, err := parseStatement(b, parseOptions{})
		if err != nil {
			if _, ok := err.(*fileError); !ok {
				t.Fatalf("an error that is not a refusal: %T %v", err, err)
			}
			return
		}
		keys := map[string]bool{}
		for _, l := range st.Lines {
			if _, err := time.Parse(dateISO, l.Date); err != nil {
				t.Fatalf("line %d: date %q", l.Line, l.Date)
			}
			if d, err := decimal.NewFromString(l.Amount); err != nil || !d.Equal(l.amount) {
				t.Fatalf("line %d: amount %q does not read back (%v)", l.Line, l.Amount, err)
			}
			if keys[l.Key] {
				t.Fatalf("line %d: key %s repeats", l.Line, l.Key)
			}
			keys[l.Key] = true
		}
	})
}

// FuzzParseAmount: an amount that reads in Danish notation has at most
// maxAmountDigits integer digits and at most six decimals, and its plain
// form reads back equal in the dot notation.
func FuzzParseAmount(f *testing.F) {
	for _, s := range []string{"1.234,56", "-12 345,00", "250-", "12.34,00", "\u22121,5", "0,000001"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		d, err := parseAmount(s, decimalComma)
		if err != nil {
			return
		}
		if d.Exponent() < -6 {
			t.Fatalf("%q: %s has more than six decimals", s, d)
		}
		back, err := parseAmount(d.String(), decimalDot)
		if err != nil || !back.Equal(d) {
			t.Fatalf("%q: %s does not read back (%v)", s, d, err)
		}
	})
}
