package integrations

import (
	"fmt"
	"strings"
	"testing"

	"github.com/shopspring/decimal"
)

// BenchmarkStatement reads and matches a year of a busy account: a
// 20,000-line Danske Bank export (the most a file may have) against 2,000
// open invoices of 500 customers.
func BenchmarkStatement(b *testing.B) {
	var sb strings.Builder
	sb.WriteString(danskeHeader)
	for i := 0; i < maxLines; i++ {
		text := fmt.Sprintf("Kortkøb %d", i)
		if i%4 == 0 {
			text = fmt.Sprintf("Faktura %d Kunde %d ApS", 1000+i%2000, i%500)
		}
		sb.WriteString(danskeRow(fmt.Sprintf("%02d.%02d.2026", 1+i%28, 1+i%12), text, fmt.Sprintf("%d,%02d", 100+i%900, i%100)))
	}
	file := []byte(sb.String())
	invs := make([]openInvoice, 2000)
	for i := range invs {
		invs[i] = openInvoice{ID: fmt.Sprint("i", i), No: fmt.Sprint(1000 + i), Customer: fmt.Sprintf("Kunde %d ApS", i%500), Currency: "DKK",
			Balance: decimal.New(int64(10000+i), -2)}
	}
	b.SetBytes(int64(len(file)))
	b.ResetTimer()
	for b.Loop() {
		st, err := parseStatement(file, parseOptions{})
		if err != nil {
			b.Fatal(err)
		}
		if ms := matchLines(st.Lines, invs); len(ms) != maxLines {
			b.Fatalf("%d matches", len(ms))
		}
	}
}
