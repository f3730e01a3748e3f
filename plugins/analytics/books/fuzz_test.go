package books

import (
	"testing"

	"github.com/shopspring/decimal"
)

// FuzzNum: whatever Billy's JSON holds, a number is read exactly or
// refused, and its øre are the number rounded to two decimals.
func FuzzNum(f *testing.F) {
	for _, s := range []string{`1250`, `1195.31`, `"7.4605"`, `-0.005`, `null`, `""`, `1e3`, `"abc"`, `0.125`, `-99999999999.99`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		var n num
		if err := n.UnmarshalJSON(b); err != nil {
			return
		}
		if n.d.Abs().GreaterThan(decimal.New(1, 15)) || n.d.Exponent() < -20 {
			return // beyond any amount Billy carries
		}
		if got, want := Dec(cents(n.d)), n.d.Round(2); !got.Equal(want) {
			t.Fatalf("%s: øre %s, want %s", b, got, want)
		}
	})
}
