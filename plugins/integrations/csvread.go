package integrations

import (
	"fmt"
	"strings"
)

// A CSV reader for bank exports: RFC 4180 (quoted fields, doubled quotes,
// newlines inside quotes) plus Danske Bank's backslash escape (a quote
// inside a field written as \", integrations.md § 1.2), a trailing
// delimiter (Nordea, Nykredit) and a missing final newline. encoding/csv
// cannot be told about the backslash, and it mis-splits those rows, so
// this reader is our own. Every record keeps the line it starts on, so a
// refusal can name it.

// record is one row of the file.
type record struct {
	line   int // 1-based line the record starts on
	fields []string
}

// fileError refuses a whole file: the line (0 when it is not about one
// line), a short machine reason and a message for people.
type fileError struct {
	Line    int
	Reason  string
	Message string
}

func (e *fileError) Error() string {
	if e.Line > 0 {
		return fmt.Sprintf("line %d: %s", e.Line, e.Message)
	}
	return e.Message
}

// sniffDelimiter picks the delimiter of a header (or first) line among
// ';', ',' and tab: the one splitting it into most cells outside quotes;
// ';' wins ties, as Danish banks' default (§ 1.3 rule 2).
func sniffDelimiter(first string) rune {
	best, bestN := ';', countCells(first, ';')
	for _, d := range []rune{',', '\t'} {
		if n := countCells(first, d); n > bestN {
			best, bestN = d, n
		}
	}
	return best
}

func countCells(line string, delim rune) int {
	n, quoted := 1, false
	for _, r := range line {
		switch {
		case r == '"':
			quoted = !quoted
		case r == delim && !quoted:
			n++
		}
	}
	return n
}

// firstLine is the text up to the first line break.
func firstLine(text string) string {
	if i := strings.IndexAny(text, "\r\n"); i >= 0 {
		return text[:i]
	}
	return text
}

// readCSV splits text into records. backslash turns on Danske Bank's \"
// escape: a backslash before a quote escapes it, unless the quote ends the
// field (it is followed by the delimiter, a line break or the end of the
// file), because a field may legitimately end in a backslash. Blank lines
// are skipped. A quote that never closes is a truncated file.
func readCSV(text string, delim rune, backslash bool) ([]record, error) {
	var (
		out    []record
		fields []string
		field  strings.Builder
		line   = 1
		start  = 1
		inRec  bool
	)
	rs := []rune(text)
	endField := func() {
		fields = append(fields, field.String())
		field.Reset()
	}
	endRecord := func() {
		endField()
		if !(len(fields) == 1 && strings.TrimSpace(fields[0]) == "") {
			out = append(out, record{line: start, fields: fields})
		}
		fields, inRec = nil, false
	}
	closesField := func(i int) bool { // rs[i] is a quote: is it the field's last character?
		return i+1 >= len(rs) || rs[i+1] == delim || rs[i+1] == '\n' || rs[i+1] == '\r'
	}
	for i := 0; i < len(rs); i++ {
		r := rs[i]
		if !inRec {
			inRec, start = true, line
		}
		switch {
		case r == '"' && strings.TrimSpace(field.String()) == "":
			// A quoted field: read to its closing quote.
			field.Reset()
			opened := line
			closed := false
			for i++; i < len(rs); i++ {
				c := rs[i]
				switch {
				case c == '\\' && backslash && i+1 < len(rs) && rs[i+1] == '"' && !closesField(i+1):
					field.WriteRune('"')
					i++
				case c == '"' && i+1 < len(rs) && rs[i+1] == '"':
					field.WriteRune('"')
					i++
				case c == '"':
					closed = true
				default:
					if c == '\n' {
						line++
					}
					field.WriteRune(c)
				}
				if closed {
					break
				}
			}
			if !closed {
				return nil, &fileError{Line: opened, Reason: "truncated",
					Message: "a quoted field opened here never closes: the file is truncated or damaged"}
			}
			// Anything between the closing quote and the delimiter is kept
			// as text would be by a spreadsheet: appended (rare, lenient).
		case r == delim:
			endField()
		case r == '\r':
			if i+1 < len(rs) && rs[i+1] == '\n' {
				i++
			}
			line++
			endRecord()
		case r == '\n':
			line++
			endRecord()
		default:
			field.WriteRune(r)
		}
	}
	if inRec {
		endRecord()
	}
	return out, nil
}

// trimTrailingEmpty drops empty cells left by a trailing delimiter.
func trimTrailingEmpty(fields []string) []string {
	for len(fields) > 0 && strings.TrimSpace(fields[len(fields)-1]) == "" {
		fields = fields[:len(fields)-1]
	}
	return fields
}
