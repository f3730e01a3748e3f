// Package fik holds the rules of FIK (Fælles Indbetalingskort) +71 payment
// IDs that more than one plugin needs: the moms plugin generates and checks
// them (fik_code), the integrations plugin finds them in bank lines to match
// payments to invoices. One copy of the rules keeps the two from diverging.
//
// A +71 payment ID is 15 digits: 14 of payload (conventionally the invoice
// number, zero-padded) and a Luhn (modulus 10) check digit (reference
// danish-compliance.md § 5.4, TV12).
package fik

// Lengths of a +71 payment ID and its payload.
const (
	IDLen      = 15
	PayloadLen = 14
)

// CheckDigit is the Luhn check digit of a digit string: weights 2,1,2,1...
// from the right of the payload, the digit sum of each product, check =
// (10 - sum mod 10) mod 10. payload must be ASCII digits.
func CheckDigit(payload string) byte {
	sum := 0
	for i := 0; i < len(payload); i++ {
		d := int(payload[len(payload)-1-i] - '0')
		if i%2 == 0 {
			d *= 2
			if d > 9 {
				d -= 9
			}
		}
		sum += d
	}
	return byte('0' + (10-sum%10)%10)
}

// Valid says whether id is a well-formed +71 payment ID: 15 digits whose
// last is the check digit of the first 14.
func Valid(id string) bool {
	if len(id) != IDLen {
		return false
	}
	for i := 0; i < len(id); i++ {
		if id[i] < '0' || id[i] > '9' {
			return false
		}
	}
	return id[PayloadLen] == CheckDigit(id[:PayloadLen])
}

// Number is the payload of a valid payment ID without its zero padding
// (the invoice number it was generated from), or "" for an invalid ID or
// an all-zero payload.
func Number(id string) string {
	if !Valid(id) {
		return ""
	}
	p := id[:PayloadLen]
	for len(p) > 0 && p[0] == '0' {
		p = p[1:]
	}
	return p
}
