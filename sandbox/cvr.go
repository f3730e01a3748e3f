package sandbox

import (
	"fmt"
	"math/rand/v2"
	"strings"
)

// Registration numbers with valid check digits, so that clients which
// validate them (as the MOMS plugin should) accept the demo data.

// cvrWeights are the modulus-11 weights of a Danish CVR number
// (danish-compliance.md §2.5, R12).
var cvrWeights = [8]int{2, 7, 6, 5, 4, 3, 2, 1}

// validCVR reports whether s is 8 digits, without a leading zero, whose
// weighted sum is divisible by 11. A "DK" prefix is allowed.
func validCVR(s string) bool {
	s = strings.TrimPrefix(s, "DK")
	if len(s) != 8 || s[0] == '0' {
		return false
	}
	sum := 0
	for i := 0; i < 8; i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
		sum += int(s[i]-'0') * cvrWeights[i]
	}
	return sum%11 == 0
}

// randomCVR draws a valid CVR number: seven random digits (the first
// non-zero) and the check digit, skipping serials whose remainder would need
// a check digit of 10 (no such number exists).
func randomCVR(rng *rand.Rand) string {
	for {
		d := make([]int, 8)
		d[0] = 1 + rng.IntN(9)
		sum := d[0] * cvrWeights[0]
		for i := 1; i < 7; i++ {
			d[i] = rng.IntN(10)
			sum += d[i] * cvrWeights[i]
		}
		r := sum % 11
		if r == 1 {
			continue
		}
		d[7] = (11 - r) % 11
		return digits(d)
	}
}

func digits(d []int) string {
	var b strings.Builder
	for _, x := range d {
		b.WriteByte(byte('0' + x))
	}
	return b.String()
}

func randDigits(rng *rand.Rand, n int) []int {
	d := make([]int, n)
	for i := range d {
		d[i] = rng.IntN(10)
	}
	return d
}

// randomVATNo draws a VAT number for the country with a valid check digit
// where the country has one: DE (ISO 7064 MOD 11,10), SE (Luhn on the
// organisation number, then "01"), NL (modulus 11, "B01" suffix), FI
// (modulus 11), IE (modulus 23 letter), NO (modulus 11 + "MVA") and GB
// (modulus 97). Other countries get plain digits.
func randomVATNo(rng *rand.Rand, country string) string {
	for {
		if s, ok := tryVATNo(rng, country); ok {
			return s
		}
	}
}

func tryVATNo(rng *rand.Rand, country string) (string, bool) {
	switch country {
	case "DK":
		return "DK" + randomCVR(rng), true
	case "DE":
		d := randDigits(rng, 8)
		d[0] = 1 + rng.IntN(9)
		return "DE" + digits(d) + string(rune('0'+mod1110(d))), true
	case "SE":
		d := randDigits(rng, 9)
		d[0] = 5 // aktiebolag organisation numbers start with 5
		return "SE" + digits(d) + string(rune('0'+luhnCheck(d))) + "01", true
	case "NL":
		d := randDigits(rng, 8)
		d[0] = 1 + rng.IntN(9)
		sum := weightedSum(d, descending(9, len(d)))
		check := sum % 11
		if check == 10 {
			return "", false
		}
		return fmt.Sprintf("NL%s%dB01", digits(d), check), true
	case "FI":
		d := randDigits(rng, 7)
		d[0] = 1 + rng.IntN(9)
		w := []int{7, 9, 10, 5, 8, 4, 2}
		sum := weightedSum(d, w)
		r := sum % 11
		if r == 1 {
			return "", false
		}
		return fmt.Sprintf("FI%s%d", digits(d), (11-r)%11), true
	case "IE":
		d := randDigits(rng, 7)
		sum := weightedSum(d, descending(8, len(d)))
		return "IE" + digits(d) + string("WABCDEFGHIJKLMNOPQRSTUV"[sum%23]), true
	case "NO":
		d := randDigits(rng, 8)
		d[0] = 8 + rng.IntN(2)
		w := []int{3, 2, 7, 6, 5, 4, 3, 2}
		sum := weightedSum(d, w)
		r := sum % 11
		if r == 1 {
			return "", false
		}
		return fmt.Sprintf("NO%s%dMVA", digits(d), (11-r)%11), true
	case "GB":
		d := randDigits(rng, 7)
		d[0] = 1 + rng.IntN(9)
		sum := weightedSum(d, descending(8, len(d)))
		return fmt.Sprintf("GB%s%02d", digits(d), (97-sum%97)%97), true
	}
	return country + digits(randDigits(rng, 9)), true
}

// mod1110 is the ISO 7064 MOD 11,10 check digit of German VAT numbers.
func mod1110(d []int) int {
	product := 10
	for _, x := range d {
		sum := (x + product) % 10
		if sum == 0 {
			sum = 10
		}
		product = (2 * sum) % 11
	}
	check := 11 - product
	if check == 10 {
		check = 0
	}
	return check
}

// luhnCheck is the Luhn (modulus 10) check digit of d.
func luhnCheck(d []int) int {
	sum := 0
	for i := len(d) - 1; i >= 0; i-- {
		x := d[i]
		if (len(d)-1-i)%2 == 0 {
			x *= 2
			if x > 9 {
				x -= 9
			}
		}
		sum += x
	}
	return (10 - sum%10) % 10
}

// validVATNo checks the formats and check digits randomVATNo produces.
func validVATNo(s string) bool {
	if len(s) < 4 {
		return false
	}
	country, body := s[:2], s[2:]
	num := func(t string) ([]int, bool) {
		d := make([]int, len(t))
		for i := range t {
			if t[i] < '0' || t[i] > '9' {
				return nil, false
			}
			d[i] = int(t[i] - '0')
		}
		return d, true
	}
	switch country {
	case "DK":
		return validCVR(body)
	case "DE":
		d, ok := num(body)
		return ok && len(d) == 9 && mod1110(d[:8]) == d[8]
	case "SE":
		d, ok := num(body)
		return ok && len(d) == 12 && luhnCheck(d[:9]) == d[9] && body[10:] == "01"
	case "NL":
		if len(body) != 12 || body[9:] != "B01" {
			return false
		}
		d, ok := num(body[:9])
		if !ok {
			return false
		}
		sum := weightedSum(d[:8], descending(9, len(d[:8])))
		return sum%11 == d[8]
	case "FI":
		d, ok := num(body)
		if !ok || len(d) != 8 {
			return false
		}
		w := []int{7, 9, 10, 5, 8, 4, 2}
		sum := weightedSum(d[:7], w)
		return (11-sum%11)%11 == d[7] && sum%11 != 1
	case "IE":
		d, ok := num(body[:7])
		if !ok || len(body) != 8 {
			return false
		}
		sum := weightedSum(d, descending(8, len(d)))
		return body[7] == "WABCDEFGHIJKLMNOPQRSTUV"[sum%23]
	case "NO":
		if len(body) != 12 || body[9:] != "MVA" {
			return false
		}
		d, ok := num(body[:9])
		if !ok {
			return false
		}
		w := []int{3, 2, 7, 6, 5, 4, 3, 2}
		sum := weightedSum(d[:8], w)
		return sum%11 != 1 && (11-sum%11)%11 == d[8]
	case "GB":
		d, ok := num(body)
		if !ok || len(d) != 9 {
			return false
		}
		sum := weightedSum(d[:7], descending(8, len(d[:7])))
		return (sum+d[7]*10+d[8])%97 == 0
	}
	return false
}

// randomEAN draws a Danish public-sector EAN location number (GLN): 13
// digits starting 5798, with the GS1 check digit (weights 1,3,1,3… from the
// left over the first 12, danish-compliance.md §6).
func randomEAN(rng *rand.Rand) string {
	d := append([]int{5, 7, 9, 8, 0, 0, 0}, randDigits(rng, 5)...)
	sum := 0
	for i, x := range d {
		if i%2 == 0 {
			sum += x
		} else {
			sum += 3 * x
		}
	}
	return digits(append(d, (10-sum%10)%10))
}

// weightedSum is the check-digit sum Σ d[i]·w[i] most VAT number schemes use.
func weightedSum(d, w []int) int {
	sum := 0
	for i, x := range d {
		sum += x * w[i]
	}
	return sum
}

// descending returns the weights from, from-1, … (n of them).
func descending(from, n int) []int {
	w := make([]int, n)
	for i := range w {
		w[i] = from - i
	}
	return w
}
