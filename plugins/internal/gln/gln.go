// Package gln holds the rule for GLN (EAN location numbers, the address of
// a Danish public buyer for e-invoices) that more than one plugin needs:
// the moms plugin's bookkeeping check and the integrations plugin's
// e-invoice preflight. One copy keeps them from diverging.
package gln

// Valid says whether s is a GLN: 13 digits, the last the GS1 check digit
// (weights 1,3,1,3... from the left over the first 12; reference
// danish-compliance.md TV14).
func Valid(s string) bool {
	if len(s) != 13 {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s[12] == CheckDigit(s[:12])
}

// CheckDigit is the GS1 check digit of 12 ASCII digits.
func CheckDigit(first12 string) byte {
	sum := 0
	for i := 0; i < len(first12); i++ {
		w := 1
		if i%2 == 1 {
			w = 3
		}
		sum += int(first12[i]-'0') * w
	}
	return byte('0' + (10-sum%10)%10)
}
