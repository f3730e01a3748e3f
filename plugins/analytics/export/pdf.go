package export

import (
	"bytes"
	"fmt"

	"github.com/go-pdf/fpdf"
)

// PDF renders the document as a report for a client: the organization's
// name, the report's title and period on the first page, a header and
// "Side x af y" on every page, the charts, the tables in Danish formats,
// and what the report is based on.
func PDF(d Document) ([]byte, error) {
	b, _, err := PDFLayout(d)
	return b, err
}

// Rect is where something was drawn: a page (from 1) and millimetres from
// the top left corner.
type Rect struct {
	Page       int
	X, Y, W, H float64
}

// PDFLayout is PDF, and where each chart was drawn (for tests that look
// at the rendered pages).
func PDFLayout(d Document) ([]byte, []Rect, error) {
	var rects []Rect
	orientation := "P"
	for _, t := range d.Tables {
		if len(t.Columns) > 7 {
			orientation = "L"
		}
	}
	pdf := fpdf.New(orientation, "mm", "A4", "")
	tr := pdf.UnicodeTranslatorFromDescriptor("") // cp1252: æ, ø, å, –
	pdf.SetTitle(tr(d.Title+" – "+d.Organization), false)
	pdf.SetCreator("billy-mcp analytics", false)
	// A fixed date, so the same report renders to the same bytes.
	pdf.SetCreationDate(d.Generated)
	pdf.SetModificationDate(d.Generated)
	pdf.SetCatalogSort(true)
	pdf.SetMargins(15, 18, 15)
	pdf.SetAutoPageBreak(true, 18)
	pdf.AliasNbPages("{nb}")
	pageW, _ := pdf.GetPageSize()
	width := pageW - 30
	period := ""
	switch {
	case d.From != "" && d.To != "":
		period = "Periode: " + DaDate(d.From) + "–" + DaDate(d.To)
	case d.To != "":
		period = "Pr. " + DaDate(d.To)
	}
	pdf.SetHeaderFunc(func() {
		if pdf.PageNo() == 1 {
			return
		}
		pdf.SetFont("Helvetica", "", 8)
		pdf.SetTextColor(90, 90, 90)
		pdf.CellFormat(width/2, 5, tr(d.Organization), "", 0, "L", false, 0, "")
		pdf.CellFormat(width/2, 5, tr(d.Title+"  "+period), "", 1, "R", false, 0, "")
		pdf.Ln(3)
		pdf.SetTextColor(0, 0, 0)
	})
	pdf.SetFooterFunc(func() {
		pdf.SetY(-13)
		pdf.SetFont("Helvetica", "", 8)
		pdf.SetTextColor(90, 90, 90)
		pdf.CellFormat(width/2, 5, tr("Udskrevet "+d.Generated.Format("02.01.2006")+" · billy-mcp"), "", 0, "L", false, 0, "")
		pdf.CellFormat(width/2, 5, fmt.Sprintf("Side %d af {nb}", pdf.PageNo()), "", 0, "R", false, 0, "")
		pdf.SetTextColor(0, 0, 0)
	})
	pdf.AddPage()
	pdf.SetFont("Helvetica", "B", 18)
	pdf.CellFormat(width, 10, tr(d.Organization), "", 1, "L", false, 0, "")
	pdf.SetFont("Helvetica", "B", 14)
	pdf.CellFormat(width, 8, tr(d.Title), "", 1, "L", false, 0, "")
	pdf.SetFont("Helvetica", "", 10)
	if period != "" {
		pdf.CellFormat(width, 6, tr(period), "", 1, "L", false, 0, "")
	}
	pdf.SetFont("Helvetica", "", 8)
	pdf.SetTextColor(70, 70, 70)
	pdf.MultiCell(width, 4, tr(d.BasedOn), "", "L", false)
	pdf.SetTextColor(0, 0, 0)
	pdf.Ln(4)

	for i, c := range d.Charts {
		img, err := ChartPNG(c, 1000, 420)
		if err != nil {
			return nil, nil, err
		}
		name := fmt.Sprintf("chart%d", i)
		opt := fpdf.ImageOptions{ImageType: "PNG", ReadDpi: false}
		pdf.RegisterImageOptionsReader(name, opt, bytes.NewReader(img))
		h := width * 420 / 1000
		if pdf.GetY()+h+10 > pageHeight(pdf)-18 {
			pdf.AddPage()
		}
		pdf.SetFont("Helvetica", "B", 10)
		pdf.CellFormat(width, 6, tr(c.Title), "", 1, "L", false, 0, "")
		rects = append(rects, Rect{Page: pdf.PageNo(), X: 15, Y: pdf.GetY(), W: width, H: h})
		pdf.ImageOptions(name, 15, pdf.GetY(), width, h, true, opt, 0, "")
		pdf.Ln(4)
	}
	for _, t := range d.Tables {
		table(pdf, tr, t, width, d.Currency)
	}
	if err := pdf.Error(); err != nil {
		return nil, nil, err
	}
	var b bytes.Buffer
	if err := pdf.Output(&b); err != nil {
		return nil, nil, err
	}
	return b.Bytes(), rects, nil
}

func pageHeight(pdf *fpdf.Fpdf) float64 {
	_, h := pdf.GetPageSize()
	return h
}

// table writes one table, its header repeated on each new page.
func table(pdf *fpdf.Fpdf, tr func(string) string, t Table, width float64, base string) {
	if pdf.GetY() > pageHeight(pdf)-50 {
		pdf.AddPage()
	}
	pdf.SetFont("Helvetica", "B", 10)
	title := t.Title
	if len(t.Rows) == 0 {
		title += " (ingen)"
	}
	pdf.CellFormat(width, 7, tr(title), "", 1, "L", false, 0, "")
	if len(t.Rows) == 0 {
		pdf.Ln(2)
		return
	}
	// Numbers get a fixed width; text columns share the rest.
	widths := make([]float64, len(t.Columns))
	fixed, texts := 0.0, 0
	for i, c := range t.Columns {
		switch c.Kind {
		case Money:
			widths[i] = 26
		case Date:
			widths[i] = 19
		case Int, Percent:
			widths[i] = 16
		case Number:
			widths[i] = 22
		default:
			if c.Key == "currency" || c.Key == "unit" {
				widths[i] = 13
			} else {
				texts++
				continue
			}
		}
		fixed += widths[i]
	}
	if texts > 0 {
		w := max((width-fixed)/float64(texts), 14)
		for i := range widths {
			if widths[i] == 0 {
				widths[i] = w
			}
		}
	} else if fixed < width {
		// Spread the spare room.
		for i := range widths {
			widths[i] *= width / fixed
		}
	}
	header := func() {
		pdf.SetFont("Helvetica", "B", 7.5)
		pdf.SetFillColor(230, 236, 242)
		for i, c := range t.Columns {
			align := "L"
			if c.Kind != Text && c.Kind != Date {
				align = "R"
			}
			pdf.CellFormat(widths[i], 6, tr(fit(pdf, tr, c.Title, widths[i])), "B", 0, align, true, 0, "")
		}
		pdf.Ln(-1)
		pdf.SetFont("Helvetica", "", 7.5)
	}
	header()
	cur := -1
	for j, c := range t.Columns {
		if c.Key == "currency" {
			cur = j
		}
	}
	for n, row := range t.Rows {
		if pdf.GetY()+5 > pageHeight(pdf)-18 {
			pdf.AddPage()
			header()
		}
		total := len(row) > 0 && (row[0] == "I alt" || (len(row) > 1 && row[1] == "I alt")) || isTotal(row)
		if total {
			pdf.SetFont("Helvetica", "B", 7.5)
		}
		fill := n%2 == 1
		pdf.SetFillColor(247, 247, 247)
		for i, c := range t.Columns {
			var v any
			if i < len(row) {
				v = row[i]
			}
			currency := t.Currency
			if cur >= 0 && cur < len(row) {
				if s, ok := row[cur].(string); ok {
					currency = s
				}
			}
			if currency == "" {
				currency = base
			}
			align := "L"
			if c.Kind != Text && c.Kind != Date {
				align = "R"
			}
			pdf.CellFormat(widths[i], 5, tr(fit(pdf, tr, human(v, c.Kind, currency), widths[i])), "", 0, align, fill, 0, "")
		}
		pdf.Ln(-1)
		if total {
			pdf.SetFont("Helvetica", "", 7.5)
		}
	}
	pdf.Ln(5)
}

// isTotal reports a row whose first cell names a total or result.
func isTotal(row []any) bool {
	if len(row) == 0 {
		return false
	}
	s, _ := row[0].(string)
	return s == "Resultat" || s == "Indtægter i alt" || s == "Omkostninger i alt"
}

// fit cuts s to fit w (with an ellipsis).
func fit(pdf *fpdf.Fpdf, tr func(string) string, s string, w float64) string {
	if pdf.GetStringWidth(tr(s)) <= w-1.5 {
		return s
	}
	r := []rune(s)
	for len(r) > 1 && pdf.GetStringWidth(tr(string(r)+"…")) > w-1.5 {
		r = r[:len(r)-1]
	}
	return string(r) + "…"
}
