package gln

import "testing"

func TestValid(t *testing.T) {
	for s, want := range map[string]bool{
		"5798000000001": true,  // 579800000000 → check digit 1
		"5790000000004": false, // wrong check digit (5 is right)
		"579800000000":  false, // 12 digits
		"579800000000a": false,
		"4006381333931": true, // a GS1 example EAN-13
	} {
		if got := Valid(s); got != want {
			t.Errorf("Valid(%q) = %v, want %v", s, got, want)
		}
	}
}
