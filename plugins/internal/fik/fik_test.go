package fik

import "testing"

// The moms plugin's TV12 vectors (plugins/moms/vectors_test.go).
func TestVectors(t *testing.T) {
	for _, tc := range []struct {
		id     string
		valid  bool
		number string
	}{
		{"000000000000018", true, "1"},
		{"000000000000026", true, "2"},
		{"000000000012344", true, "1234"},
		{"026840149965328", true, "2684014996532"},
		{"000000000012345", false, ""},
		{"00000000001234", false, ""},
		{"00000000001234a", false, ""},
	} {
		if got := Valid(tc.id); got != tc.valid {
			t.Errorf("Valid(%q) = %v, want %v", tc.id, got, tc.valid)
		}
		if got := Number(tc.id); got != tc.number {
			t.Errorf("Number(%q) = %q, want %q", tc.id, got, tc.number)
		}
	}
}
