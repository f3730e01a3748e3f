package export

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/shopspring/decimal"
)

// machine is a cell as CSV writes it: decimals in plain fixed point with
// "." (money with two decimals), dates ISO, empty for none.
func machine(v any, k Kind) string {
	if v == nil {
		return ""
	}
	if d, ok := dec(v); ok && k != Text && k != Date {
		if k == Money {
			return d.StringFixed(2)
		}
		if k == Int {
			return d.String()
		}
		return plain(d)
	}
	return fmt.Sprint(v)
}

func plain(d decimal.Decimal) string {
	s := d.StringFixed(max(0, -d.Exponent()))
	if strings.Contains(s, ".") {
		s = strings.TrimRight(strings.TrimRight(s, "0"), ".")
	}
	return s
}

// CSV writes the document's tables as CSV: one header row of column keys
// per table; with several tables, each is preceded by a row "# name" and
// followed by an empty row (RFC 4180 readers see them as rows, programs
// split on them). Machine formats throughout: a spreadsheet in Danish
// locale imports it with "." as the decimal separator.
func CSV(d Document) ([]byte, error) {
	var b bytes.Buffer
	w := csv.NewWriter(&b)
	for i, t := range d.Tables {
		if len(d.Tables) > 1 {
			if i > 0 {
				if err := w.Write([]string{""}); err != nil {
					return nil, err
				}
			}
			if err := w.Write([]string{"# " + t.Name}); err != nil {
				return nil, err
			}
		}
		head := make([]string, len(t.Columns))
		for j, c := range t.Columns {
			head[j] = c.Key
		}
		if err := w.Write(head); err != nil {
			return nil, err
		}
		for _, row := range t.Rows {
			rec := make([]string, len(t.Columns))
			for j, c := range t.Columns {
				if j < len(row) {
					rec[j] = machine(row[j], c.Kind)
				}
			}
			if err := w.Write(rec); err != nil {
				return nil, err
			}
		}
	}
	w.Flush()
	return b.Bytes(), w.Error()
}

// JSON writes the report's structured output with what it is based on:
// {"report", "title", "organization", "from", "to", "lastSync",
// "generated", "data"}.
func JSON(d Document) ([]byte, error) {
	v := struct {
		Report       string `json:"report"`
		Title        string `json:"title"`
		Organization string `json:"organization"`
		From         string `json:"from,omitempty"`
		To           string `json:"to,omitempty"`
		LastSync     string `json:"lastSync"`
		Generated    string `json:"generated"`
		Data         any    `json:"data"`
	}{d.Report, d.Title, d.Organization, d.From, d.To, d.LastSync.UTC().Format("2006-01-02T15:04:05Z07:00"),
		d.Generated.UTC().Format("2006-01-02T15:04:05Z07:00"), d.Data}
	out, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return nil, err
	}
	return append(out, '\n'), nil
}
