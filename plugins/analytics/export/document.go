package export

import (
	"time"

	"github.com/shopspring/decimal"
)

// Kind says how a column's values are written.
type Kind string

// The column kinds.
const (
	Text    Kind = "text"
	Money   Kind = "money"   // decimal.Decimal, two decimals
	Int     Kind = "int"     // int
	Number  Kind = "number"  // decimal.Decimal, as many decimals as it has (1 in the PDF)
	Percent Kind = "percent" // decimal.Decimal, in percent
	Date    Kind = "date"    // ISO date string
)

// Column is one column of a table.
type Column struct {
	Key   string // the CSV header and JSON field
	Title string // the PDF header (Danish)
	Kind  Kind
}

// Table is a titled table; each row has one value per column, in order.
type Table struct {
	Name    string // a machine name, for CSV files and JSON keys
	Title   string
	Columns []Column
	Rows    [][]any
	// Currency is what Money cells are in ("" = the row's "currency"
	// column, or the base currency).
	Currency string
}

// Chart is a chart of the report.
type Chart struct {
	Title  string
	Kind   string   // "line" or "bar"
	Labels []string // x axis
	Series []Series
	// Band is a shaded interval around the first series (a forecast's
	// 80 % prediction interval), nil for none.
	Band *Band
}

// Series is one line or set of bars. Chart values are pixels' worth of
// precision: float64 is fine here and nowhere else.
type Series struct {
	Name   string
	Values []float64
}

// Band is a lower and upper bound per label; NaN where there is none
// (the history before a forecast).
type Band struct {
	Name   string
	Lo, Hi []float64
}

// Document is one report, ready to render.
type Document struct {
	Report       string // machine name, e.g. "revenue"
	Title        string // "Omsætning"
	Organization string
	From, To     string // ISO dates of the period ("" = none)
	BasedOn      string // what the report is based on, in Danish
	LastSync     time.Time
	Generated    time.Time
	Currency     string // the base currency
	Tables       []Table
	Charts       []Chart
	// Data is the report's structured output, for the JSON export.
	Data any
}

// dec reads a cell as a decimal.
func dec(v any) (decimal.Decimal, bool) {
	switch x := v.(type) {
	case decimal.Decimal:
		return x, true
	case *decimal.Decimal:
		if x == nil {
			return decimal.Zero, false
		}
		return *x, true
	case int:
		return decimal.NewFromInt(int64(x)), true
	case int64:
		return decimal.NewFromInt(x), true
	}
	return decimal.Zero, false
}
