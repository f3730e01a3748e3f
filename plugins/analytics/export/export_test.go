package export

import (
	"bytes"
	"flag"
	"fmt"
	"image"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/shopspring/decimal"
)

var update = flag.Bool("update", false, "rewrite the golden files")

func money(s string) decimal.Decimal { return decimal.RequireFromString(s) }

// sample is a report with two tables (one long enough for a second
// page), a bar chart and a line chart with a band.
func sample() Document {
	gen := time.Date(2026, 11, 27, 21, 0, 0, 0, time.UTC)
	d := Document{Report: "revenue", Title: "Omsætning", Organization: "Driftig IT ApS", From: "2026-01-01", To: "2026-11-27",
		BasedOn:  "Periode 01.01.2026–27.11.2026; data synkroniseret fra Billy 27.11.2026 kl. 20.00 UTC. Beløb i fakturaens valuta.",
		LastSync: gen.Add(-time.Hour), Generated: gen, Currency: "DKK",
		Data: map[string]any{"total": 1234.5}}
	t := Table{Name: "revenue", Title: "Omsætning pr. måned", Columns: []Column{
		{Key: "key", Title: "Måned", Kind: Text}, {Key: "currency", Title: "Valuta", Kind: Text}, {Key: "net", Title: "Netto", Kind: Money},
		{Key: "vat", Title: "Moms", Kind: Money}, {Key: "invoices", Title: "Fakturaer", Kind: Int}, {Key: "due", Title: "Forfald", Kind: Date},
		{Key: "share", Title: "Andel", Kind: Percent}}}
	for m := 1; m <= 11; m++ {
		t.Rows = append(t.Rows, []any{fmt.Sprintf("2026-%02d", m), "DKK", money(fmt.Sprintf("%d.5", 1234567*m)), money(fmt.Sprintf("-%d.25", 1000*m)), m, fmt.Sprintf("2026-%02d-15", m), money("12.5")})
	}
	t.Rows = append(t.Rows, []any{"2026-11", "EUR", money("99.9"), money("0"), 1, nil, nil})
	long := Table{Name: "lines", Title: "Åbne fakturaer (æøå ÆØÅ – test)", Columns: []Column{{Key: "no", Title: "Faktura", Kind: Text}, {Key: "amount", Title: "Beløb", Kind: Money}}}
	for i := range 120 {
		long.Rows = append(long.Rows, []any{fmt.Sprintf("F-%04d kunde med et meget langt navn der skal klippes af fordi det ikke kan være i kolonnen", i), money(fmt.Sprintf("%d.01", i*1000))})
	}
	d.Tables = []Table{t, long}
	bars := Chart{Title: "Omsætning pr. måned", Kind: "bar", Series: []Series{{Name: "Netto"}}}
	line := Chart{Title: "Omsætning med prognose", Kind: "line", Series: []Series{{Name: "Netto"}}, Band: &Band{Name: "80 %"}}
	for m := 1; m <= 11; m++ {
		l := fmt.Sprintf("2026-%02d", m)
		v := float64(100000 + 15000*m)
		bars.Labels, line.Labels = append(bars.Labels, l), append(line.Labels, l)
		bars.Series[0].Values = append(bars.Series[0].Values, v)
		line.Series[0].Values = append(line.Series[0].Values, v)
		line.Band.Lo, line.Band.Hi = append(line.Band.Lo, v*0.9), append(line.Band.Hi, v*1.1)
	}
	d.Charts = []Chart{bars, line}
	return d
}

func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to write it)", err)
	}
	if diff := cmp.Diff(string(want), string(got)); diff != "" {
		t.Errorf("%s (-golden +got):\n%s", name, diff)
	}
}

func TestCSVAndJSONGolden(t *testing.T) {
	c, err := CSV(sample())
	if err != nil {
		t.Fatal(err)
	}
	golden(t, "sample.csv", c)
	j, err := JSON(sample())
	if err != nil {
		t.Fatal(err)
	}
	golden(t, "sample.json", j)
}

func TestDanishFormats(t *testing.T) {
	for _, tc := range []struct {
		d      string
		places int32
		want   string
	}{{"1234.56", 2, "1.234,56"}, {"-1234567.5", 2, "-1.234.567,50"}, {"0.004", 2, "0,00"}, {"-0.001", 2, "0,00"}, {"999", 0, "999"}, {"1000", 0, "1.000"}} {
		if got := DaNumber(money(tc.d), tc.places); got != tc.want {
			t.Errorf("DaNumber(%s, %d) = %q, want %q", tc.d, tc.places, got, tc.want)
		}
	}
	if got := DaAmount(money("1234.5"), "DKK"); got != "1.234,50 kr." {
		t.Errorf("DaAmount = %q", got)
	}
	if got := DaDate("2026-11-27"); got != "27.11.2026" {
		t.Errorf("DaDate = %q", got)
	}
}

// TestPDFRendersWithCharts renders the PDF to PNG with poppler's pdftoppm
// and checks the page count and that each chart's region holds a chart:
// a good share of coloured (not grey) pixels.
func TestPDFRendersWithCharts(t *testing.T) {
	pdftoppm, err := exec.LookPath("pdftoppm")
	if err != nil {
		if testing.Short() {
			t.Skip("pdftoppm (Debian poppler-utils) is missing; -short skips this test")
		}
		t.Fatal("pdftoppm is missing: install Debian's poppler-utils (scripts/install-deps.sh pdf)")
	}
	pdf, rects, err := PDFLayout(sample())
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.HasPrefix(pdf, []byte("%PDF-")) {
		t.Fatalf("not a PDF: %q", pdf[:min(20, len(pdf))])
	}
	dir := t.TempDir()
	in := filepath.Join(dir, "r.pdf")
	if err := os.WriteFile(in, pdf, 0o600); err != nil {
		t.Fatal(err)
	}
	const dpi = 60
	if out, err := exec.Command(pdftoppm, "-r", fmt.Sprint(dpi), "-png", in, filepath.Join(dir, "page")).CombinedOutput(); err != nil {
		t.Fatalf("pdftoppm: %v\n%s", err, out)
	}
	pages, _ := filepath.Glob(filepath.Join(dir, "page-*.png"))
	if len(pages) < 3 {
		t.Fatalf("%d pages, want at least 3 (charts, a table, a long table)", len(pages))
	}
	// Every page is numbered "Side x af N" (pdftotext is poppler's too).
	text, err := exec.Command(filepath.Join(filepath.Dir(pdftoppm), "pdftotext"), "-layout", in, "-").Output()
	if err != nil {
		t.Fatalf("pdftotext: %v", err)
	}
	for i := 1; i <= len(pages); i++ {
		if want := fmt.Sprintf("Side %d af %d", i, len(pages)); !bytes.Contains(text, []byte(want)) {
			t.Errorf("no %q in the PDF's text", want)
		}
	}
	for _, want := range []string{"Driftig IT ApS", "Periode: 01.01.2026–27.11.2026", "1.234.567,50", "27.11.2026", "Åbne fakturaer (æøå ÆØÅ – test)"} {
		if !bytes.Contains(text, []byte(want)) {
			t.Errorf("no %q in the PDF's text", want)
		}
	}
	if len(rects) != 2 {
		t.Fatalf("%d charts placed, want 2", len(rects))
	}
	for i, r := range rects {
		img := readPNG(t, filepath.Join(dir, fmt.Sprintf("page-%d.png", r.Page)))
		if len(pages) >= 10 {
			img = readPNG(t, filepath.Join(dir, fmt.Sprintf("page-%02d.png", r.Page)))
		}
		px := func(mm float64) int { return int(mm * dpi / 25.4) }
		region := image.Rect(px(r.X), px(r.Y), px(r.X+r.W), px(r.Y+r.H))
		coloured, total := 0, 0
		for y := region.Min.Y; y < region.Max.Y; y++ {
			for x := region.Min.X; x < region.Max.X; x++ {
				r, g, b, _ := img.At(x, y).RGBA()
				hi, lo := max(r, g, b)>>8, min(r, g, b)>>8
				if hi-lo > 60 {
					coloured++
				}
				total++
			}
		}
		if total == 0 || coloured*200 < total { // a line chart's lines are thin: 0.5 %
			t.Errorf("chart %d (page %d, %v): %d of %d pixels coloured: blank?", i, r.Page, region, coloured, total)
		}
		t.Logf("chart %d: %.1f %% coloured pixels", i, float64(coloured)*100/float64(total))
	}
	// Everything outside the charts is grey: the check can tell a blank
	// chart region from a drawn one.
	img := readPNG(t, pages[len(pages)-1])
	colouredLast := 0
	b := img.Bounds()
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			r, g, bb, _ := img.At(x, y).RGBA()
			if (max(r, g, bb)>>8)-(min(r, g, bb)>>8) > 60 {
				colouredLast++
			}
		}
	}
	if colouredLast > 0 {
		t.Errorf("the last page (a table) has %d coloured pixels; the chart check would not tell", colouredLast)
	}
}

func readPNG(t *testing.T, path string) image.Image {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	img, err := png.Decode(f)
	if err != nil {
		t.Fatal(err)
	}
	return img
}

func TestChartPNGRefusesEmpty(t *testing.T) {
	if _, err := ChartPNG(Chart{Title: "x"}, 100, 100); err == nil {
		t.Error("an empty chart rendered")
	}
}
