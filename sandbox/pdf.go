package sandbox

import (
	"bytes"
	"fmt"
	"strings"
	"time"
)

// pdfDoc writes a small, valid PDF 1.4 by hand: A4 pages of text and rules
// in the standard Helvetica fonts with WinAnsiEncoding, which covers æ, ø
// and å. The invoice PDF needs nothing more, and writing it here spares the
// host a dependency: the Go PDF libraries on the module proxy are either
// archived (jung-kurt/gofpdf) or unmaintained since 2023 and pull in
// barcode and image packages (go-pdf/fpdf).
type pdfDoc struct {
	title string
	made  time.Time
	pages []*bytes.Buffer
}

// A4 in points.
const (
	pageW = 595.28
	pageH = 841.89
)

func newPDF(title string, made time.Time) *pdfDoc {
	d := &pdfDoc{title: title, made: made}
	d.addPage()
	return d
}

func (d *pdfDoc) addPage() { d.pages = append(d.pages, &bytes.Buffer{}) }

func (d *pdfDoc) page() *bytes.Buffer { return d.pages[len(d.pages)-1] }

// text draws s with its baseline starting at (x, y); bold picks
// Helvetica-Bold.
func (d *pdfDoc) text(x, y float64, size float64, bold bool, s string) {
	font := "F1"
	if bold {
		font = "F2"
	}
	fmt.Fprintf(d.page(), "BT /%s %.1f Tf %.2f %.2f Td (%s) Tj ET\n", font, size, x, y, pdfString(s))
}

// textRight draws s ending at x.
func (d *pdfDoc) textRight(x, y float64, size float64, bold bool, s string) {
	d.text(x-textWidth(s, size, bold), y, size, bold, s)
}

// rule draws a horizontal line.
func (d *pdfDoc) rule(x1, x2, y, width float64) {
	fmt.Fprintf(d.page(), "%.2f w %.2f %.2f m %.2f %.2f l S\n", width, x1, y, x2, y)
}

// band fills a light grey rectangle (a table header's background).
func (d *pdfDoc) band(x, y, w, h float64) {
	fmt.Fprintf(d.page(), "q 0.93 g %.2f %.2f %.2f %.2f re f Q\n", x, y, w, h)
}

// bytes assembles the file: catalog, page tree, two fonts, the info
// dictionary, then each page and its content stream, the cross-reference
// table with exact byte offsets, and the trailer.
func (d *pdfDoc) bytes() []byte {
	var out bytes.Buffer
	var offsets []int
	obj := func(body string) {
		offsets = append(offsets, out.Len())
		fmt.Fprintf(&out, "%d 0 obj\n%s\nendobj\n", len(offsets), body)
	}
	out.WriteString("%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
	const firstPage = 6
	kids := make([]string, len(d.pages))
	for i := range d.pages {
		kids[i] = fmt.Sprintf("%d 0 R", firstPage+2*i)
	}
	obj("<< /Type /Catalog /Pages 2 0 R >>")
	obj(fmt.Sprintf("<< /Type /Pages /Kids [%s] /Count %d >>", strings.Join(kids, " "), len(d.pages)))
	obj("<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>")
	obj("<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica-Bold /Encoding /WinAnsiEncoding >>")
	obj(fmt.Sprintf("<< /Title (%s) /Producer (billy-mcp sandbox) /CreationDate (D:%s) >>",
		pdfString(d.title), d.made.UTC().Format("20060102150405")+"Z"))
	for i, content := range d.pages {
		obj(fmt.Sprintf("<< /Type /Page /Parent 2 0 R /MediaBox [0 0 %.2f %.2f] /Resources << /Font << /F1 3 0 R /F2 4 0 R >> >> /Contents %d 0 R >>",
			pageW, pageH, firstPage+2*i+1))
		obj(fmt.Sprintf("<< /Length %d >>\nstream\n%sendstream", content.Len(), content.String()))
	}
	xref := out.Len()
	fmt.Fprintf(&out, "xref\n0 %d\n0000000000 65535 f \n", len(offsets)+1)
	for _, off := range offsets {
		fmt.Fprintf(&out, "%010d 00000 n \n", off)
	}
	fmt.Fprintf(&out, "trailer\n<< /Size %d /Root 1 0 R /Info 5 0 R >>\nstartxref\n%d\n%%%%EOF\n", len(offsets)+1, xref)
	return out.Bytes()
}

// winAnsi maps the characters outside Latin-1 that WinAnsiEncoding has;
// Latin-1 (which holds æøåÆØÅ) maps to itself.
var winAnsi = map[rune]byte{'€': 0x80, '‚': 0x82, '„': 0x84, '…': 0x85, '‘': 0x91, '’': 0x92,
	'“': 0x93, '”': 0x94, '•': 0x95, '–': 0x96, '—': 0x97, '™': 0x99}

// pdfString encodes s as the body of a PDF literal string in WinAnsi.
func pdfString(s string) string {
	var b strings.Builder
	for _, r := range s {
		var c byte
		switch {
		case r < 0x80 || (r >= 0xA0 && r <= 0xFF):
			c = byte(r)
		default:
			var ok bool
			if c, ok = winAnsi[r]; !ok {
				c = '?'
			}
		}
		switch c {
		case '\\', '(', ')':
			b.WriteByte('\\')
			b.WriteByte(c)
		case '\n', '\r', '\t':
			b.WriteByte(' ')
		default:
			b.WriteByte(c)
		}
	}
	return b.String()
}

// helvWidths are Helvetica's advance widths (per 1000 em) for the
// characters right-aligned columns use; other characters count as 556.
var helvWidths = map[rune]int{' ': 278, ',': 278, '.': 278, '-': 333, '%': 889, '(': 333, ')': 333, ':': 278,
	'D': 722, 'K': 667, 'I': 278, 'l': 222, 'i': 222, 't': 278, 'r': 333, 'f': 278, 'j': 222}

func textWidth(s string, size float64, bold bool) float64 {
	w := 0
	for _, r := range s {
		if v, ok := helvWidths[r]; ok {
			w += v
		} else {
			w += 556
		}
	}
	if bold {
		w = w * 105 / 100
	}
	return float64(w) * size / 1000
}

// wrap splits text into lines of at most width runes, at spaces.
func wrap(s string, width int) []string {
	var lines []string
	for _, para := range strings.Split(s, "\n") {
		line := ""
		for _, word := range strings.Fields(para) {
			switch {
			case line == "":
				line = word
			case len([]rune(line))+1+len([]rune(word)) <= width:
				line += " " + word
			default:
				lines = append(lines, line)
				line = word
			}
		}
		lines = append(lines, line)
	}
	return lines
}
