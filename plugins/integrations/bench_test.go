package integrations

import (
	"fmt"
	"os"
	"path/filepath"
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

// BenchmarkEinvoiceCheck measures einvoice_xml's rule check beside its own
// baseline, reading the same XML into a tree (what the check does first):
// the golden Peppol invoice, and the same invoice with its line repeated
// to 200 lines (its totals then disagree, so the check also writes
// findings). The ratio check/parse is the figure to compare across runs.
func BenchmarkEinvoiceCheck(b *testing.B) {
	small, err := os.ReadFile(filepath.Join("testdata", "ubl", "peppol-invoice.xml"))
	if err != nil {
		b.Fatal(err)
	}
	s := string(small)
	i, j := strings.Index(s, "<cac:InvoiceLine>"), strings.LastIndex(s, "</cac:InvoiceLine>")+len("</cac:InvoiceLine>")
	if i < 0 || j < i {
		b.Fatal("no invoice line in the golden")
	}
	large := []byte(s[:i] + strings.Repeat(s[i:j], 200) + s[j:])
	for _, doc := range []struct {
		name string
		xml  []byte
	}{{"golden", small}, {"200 lines", large}} {
		b.Run(doc.name+"/parse", func(b *testing.B) {
			b.SetBytes(int64(len(doc.xml)))
			for b.Loop() {
				if _, err := parseXMLTree(doc.xml); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run(doc.name+"/check", func(b *testing.B) {
			b.SetBytes(int64(len(doc.xml)))
			for b.Loop() {
				checkEinvoiceXML(doc.xml)
			}
		})
	}
}
