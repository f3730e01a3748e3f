package sandbox

import (
	"bytes"
	"regexp"
	"strconv"
	"testing"
	"time"
)

// checkPDF checks the structure a PDF reader relies on: header, every
// cross-reference offset pointing at its object, startxref pointing at the
// table, and the end marker.
func checkPDF(t *testing.T, pdf []byte) {
	t.Helper()
	if !bytes.HasPrefix(pdf, []byte("%PDF-1.4\n")) || !bytes.HasSuffix(pdf, []byte("%%EOF\n")) {
		t.Fatalf("not a PDF: header or trailer missing")
	}
	m := regexp.MustCompile(`startxref\n(\d+)\n%%EOF\n$`).FindSubmatch(pdf)
	if m == nil {
		t.Fatalf("no startxref")
	}
	xref, _ := strconv.Atoi(string(m[1]))
	if !bytes.HasPrefix(pdf[xref:], []byte("xref\n0 ")) {
		t.Fatalf("startxref %d does not point at the xref table", xref)
	}
	entries := regexp.MustCompile(`(\d{10}) 00000 n `).FindAllSubmatch(pdf[xref:], -1)
	if len(entries) < 6 {
		t.Fatalf("only %d objects", len(entries))
	}
	for i, e := range entries {
		off, _ := strconv.Atoi(string(e[1]))
		want := strconv.Itoa(i+1) + " 0 obj\n"
		if !bytes.HasPrefix(pdf[off:], []byte(want)) {
			t.Errorf("object %d: offset %d does not start %q", i+1, off, want)
		}
	}
	for _, s := range regexp.MustCompile(`/Length (\d+) >>\nstream\n`).FindAllSubmatchIndex(pdf, -1) {
		n, _ := strconv.Atoi(string(pdf[s[2]:s[3]]))
		if !bytes.HasPrefix(pdf[s[1]+n:], []byte("endstream")) {
			t.Errorf("a stream's /Length %d is wrong", n)
		}
	}
}

func TestPDFStructure(t *testing.T) {
	d := newPDF("Faktura (1) \\ æøå", time.Unix(0, 0))
	d.text(50, 800, 12, true, "Æbleskiver og øl (2 stk.) – 100 €")
	d.addPage()
	d.textRight(545, 800, 9, false, "1.234,50")
	d.rule(50, 545, 790, 0.5)
	pdf := d.bytes()
	checkPDF(t, pdf)
	if !bytes.Contains(pdf, []byte("/Count 2")) {
		t.Errorf("two pages expected")
	}
	// WinAnsi bytes for æ and ø, and escaped parentheses and backslash.
	for _, want := range [][]byte{{0xE6, 0xF8, 0xE5}, []byte(`\(1\) \\`), {0x96}, {0x80}} {
		if !bytes.Contains(pdf, want) {
			t.Errorf("PDF lacks %q", want)
		}
	}
}

func TestDanishNumber(t *testing.T) {
	for _, tt := range []struct {
		f        string
		decimals int32
		trim     bool
		want     string
	}{
		{"1234.5", 2, false, "1.234,50"},
		{"1234567.891", 2, false, "1.234.567,89"},
		{"2", 2, true, "2"},
		{"0.25", 2, true, "0,25"},
		{"-99.9", 2, false, "-99,90"},
		{"-0.001", 2, false, "0,00"},
		{"7.25", 4, true, "7,25"},
	} {
		if got := danishNumber(dec(tt.f), tt.decimals, tt.trim); got != tt.want {
			t.Errorf("danishNumber(%v) = %q, want %q", tt.f, got, tt.want)
		}
	}
	for in, want := range map[string]string{"950": "950,00", "2.3456": "2,3456", "0.125": "0,125", "1249.5": "1.249,50"} {
		if got := priceNumber(dec(in)); got != want {
			t.Errorf("priceNumber(%s) = %q, want %q", in, got, want)
		}
	}
}
