package integrations

import (
	"archive/zip"
	"bytes"
	"fmt"
	"io"
	"path"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/shopspring/decimal"
)

// A Dinero data export (integrations.md § 2.1) is a directory tree of
// semicolon CSVs: Firmaoplysninger.csv at the top, and per year
// <year>/Kontoplan.csv, <year>/Posteringer.csv and <year>/SaldoBalance.csv,
// plus a contacts file ("Kontakter") and, when the user has products, a
// products file. The files are UTF-8, with or without a BOM, never quoted,
// and amounts have a decimal comma with up to six places.
//
// The parser takes the tree as path → bytes, from a zip of the folder or
// from files pasted one by one, and refuses the whole export on the first
// bad file, naming the file, the line and the reason: a migration that
// silently drops a row moves wrong books.

// dineroError refuses an export: the file (its path in the export), the
// line (0 when not about one line), a short machine reason and a message.
type dineroError struct {
	File    string
	Line    int
	Reason  string
	Message string
}

func (e *dineroError) Error() string {
	switch {
	case e.File != "" && e.Line > 0:
		return fmt.Sprintf("%s line %d: %s", e.File, e.Line, e.Message)
	case e.File != "":
		return fmt.Sprintf("%s: %s", e.File, e.Message)
	}
	return e.Message
}

// dineroVATCodes are Dinero's Momstype codes (integrations.md § 2.1).
var dineroVATCodes = map[string]string{
	"U25":   "Danish output VAT 25%",
	"I25":   "Danish input VAT 25%",
	"IEUY":  "EU service purchase (rubrik A ydelser)",
	"IEUV":  "EU goods purchase (rubrik A varer)",
	"IVY":   "services bought outside the EU",
	"IVV":   "goods bought outside the EU",
	"OBPK":  "domestic reverse charge",
	"UEUV":  "EU goods sales, reported (rubrik B)",
	"UEUV2": "EU goods sales, not reported (rubrik B)",
	"UEUY":  "EU service sales (rubrik B)",
	"UVV":   "goods sold outside the EU (rubrik C)",
	"UVY":   "services sold outside the EU (rubrik C)",
	"REP":   "representation (quarter VAT)",
}

// dineroCompany is Firmaoplysninger.csv's one data row.
type dineroCompany struct {
	Name, CVR, Address, Zip, City, Country, Email, Phone, Web string
}

// dineroAccount is a row of Kontoplan.csv.
type dineroAccount struct {
	Line    int
	No      int
	Name    string
	Type    string // Aktiv, Passiv, Indtægt, Udgift (or a header/sum type)
	VATRaw  string // as written: "U25 - Dansk salgsmoms", "U25" or a label
	VATCode string // the code, when it is one of dineroVATCodes
}

// dineroPosting is a row of Posteringer.csv; Amount is signed, positive
// debit.
type dineroPosting struct {
	Line    int
	Account int
	Date    string
	Voucher string
	Text    string
	VATCode string
	Amount  decimal.Decimal
}

// dineroBalance is a row of SaldoBalance.csv: an account's closing balance,
// positive debit.
type dineroBalance struct {
	Line    int
	Account int
	Name    string
	Amount  decimal.Decimal
}

// dineroContact is a row of the contacts file. Only Kontaktnavn,
// CVR-nummer and Kontakttype are known columns (§ 2.1: the full header was
// not recovered); the address columns are read when present under the
// names Firmaoplysninger.csv uses.
type dineroContact struct {
	Line                                   int
	Name, CVR, Type                        string
	Address, Zip, City, Country, Email, Ph string
}

// dineroProduct is a row of the products file. Its header is not in the
// reference either; it is read by the API's field names or their Danish
// labels (dineroProductColumns).
type dineroProduct struct {
	Line      int
	Number    string
	Name      string
	Price     decimal.Decimal
	HasPrice  bool
	Unit      string
	AccountNo int
}

// dineroYear is one year directory.
type dineroYear struct {
	Year     int
	Accounts []dineroAccount
	Postings []dineroPosting
	Balance  []dineroBalance
	dir      string
}

// dineroExport is a parsed export.
type dineroExport struct {
	Company  dineroCompany
	Years    []*dineroYear // ascending
	Contacts []dineroContact
	Products []dineroProduct
	Files    []string // the paths read, sorted
}

const (
	maxDineroFiles = 200
	maxDineroRows  = 200000
)

var yearDirRE = regexp.MustCompile(`^(19|20)\d\d$`)

// readDineroZip unpacks a zip of the export folder, refusing more than max
// bytes uncompressed in all (a zip bomb is refused, not expanded).
func readDineroZip(data []byte, max int) (map[string][]byte, error) {
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		return nil, &dineroError{Reason: "not_zip", Message: "the export is not a zip file: zip the Dinero export folder, or give its files one by one in files"}
	}
	files := map[string][]byte{}
	total := 0
	for _, f := range zr.File {
		if f.FileInfo().IsDir() || strings.HasPrefix(path.Base(f.Name), ".") || strings.HasPrefix(f.Name, "__MACOSX/") {
			continue
		}
		if len(files) >= maxDineroFiles {
			return nil, &dineroError{Reason: "too_many_files", Message: fmt.Sprintf("the zip holds more than %d files; a Dinero export has a few per year", maxDineroFiles)}
		}
		rc, err := f.Open()
		if err != nil {
			return nil, &dineroError{File: f.Name, Reason: "zip_unreadable", Message: "cannot be read from the zip: " + err.Error()}
		}
		b, err := io.ReadAll(io.LimitReader(rc, int64(max-total)+1))
		rc.Close()
		if err != nil {
			return nil, &dineroError{File: f.Name, Reason: "zip_unreadable", Message: "cannot be read from the zip: " + err.Error()}
		}
		total += len(b)
		if total > max {
			return nil, &dineroError{File: f.Name, Reason: "too_large", Message: fmt.Sprintf("the export unpacks to more than %s", sizeText(max))}
		}
		files[f.Name] = b
	}
	return files, nil
}

// parseDineroExport reads the export's files (path → content). The files it
// does not know (PDF vouchers, other reports) are left alone; a file it
// knows is read whole or the export is refused.
func parseDineroExport(files map[string][]byte) (*dineroExport, error) {
	x := &dineroExport{}
	years := map[int]*dineroYear{}
	names := make([]string, 0, len(files))
	for n := range files {
		names = append(names, n)
	}
	sort.Strings(names)
	var haveCompany, haveContacts bool
	for _, name := range names {
		clean := strings.TrimPrefix(path.Clean("/"+strings.ReplaceAll(name, "\\", "/")), "/")
		base := strings.ToLower(path.Base(clean))
		if path.Ext(base) != ".csv" {
			continue
		}
		dir := path.Base(path.Dir(clean))
		yearOf := func() (*dineroYear, error) {
			if !yearDirRE.MatchString(dir) {
				return nil, &dineroError{File: name, Reason: "no_year", Message: "is not in a year directory (<year>/" + path.Base(clean) + ")"}
			}
			y, _ := strconv.Atoi(dir)
			d := years[y]
			if d == nil {
				d = &dineroYear{Year: y, dir: path.Dir(clean)}
				years[y] = d
			} else if d.dir != path.Dir(clean) {
				return nil, &dineroError{File: name, Reason: "duplicate_year", Message: fmt.Sprintf("the year %d is in the export twice (%s and %s)", y, d.dir, path.Dir(clean))}
			}
			return d, nil
		}
		rows, err := readDineroCSV(name, files[name])
		if err != nil {
			return nil, err
		}
		switch {
		case base == "firmaoplysninger.csv":
			if haveCompany {
				return nil, &dineroError{File: name, Reason: "duplicate_file", Message: "the export has two Firmaoplysninger.csv"}
			}
			haveCompany = true
			if x.Company, err = parseDineroCompany(name, rows); err != nil {
				return nil, err
			}
		case base == "kontoplan.csv":
			d, err := yearOf()
			if err != nil {
				return nil, err
			}
			if d.Accounts, err = parseDineroAccounts(name, rows); err != nil {
				return nil, err
			}
		case base == "posteringer.csv":
			d, err := yearOf()
			if err != nil {
				return nil, err
			}
			if d.Postings, err = parseDineroPostings(name, rows); err != nil {
				return nil, err
			}
		case base == "saldobalance.csv":
			d, err := yearOf()
			if err != nil {
				return nil, err
			}
			if d.Balance, err = parseDineroBalance(name, rows); err != nil {
				return nil, err
			}
		case strings.HasPrefix(base, "kontakt"):
			if haveContacts {
				return nil, &dineroError{File: name, Reason: "duplicate_file", Message: "the export has two contacts files"}
			}
			haveContacts = true
			if x.Contacts, err = parseDineroContacts(name, rows); err != nil {
				return nil, err
			}
		case strings.HasPrefix(base, "produkt") || strings.HasPrefix(base, "varer"):
			if x.Products != nil {
				return nil, &dineroError{File: name, Reason: "duplicate_file", Message: "the export has two products files"}
			}
			if x.Products, err = parseDineroProducts(name, rows); err != nil {
				return nil, err
			}
		default:
			continue
		}
		x.Files = append(x.Files, name)
	}
	if !haveCompany {
		return nil, &dineroError{Reason: "missing_file", Message: "the export has no Firmaoplysninger.csv: give the whole export folder"}
	}
	for _, d := range years {
		x.Years = append(x.Years, d)
	}
	sort.Slice(x.Years, func(i, j int) bool { return x.Years[i].Year < x.Years[j].Year })
	if len(x.Years) == 0 {
		return nil, &dineroError{Reason: "missing_file", Message: "the export has no year directory with a Kontoplan.csv"}
	}
	for _, d := range x.Years {
		if err := d.check(); err != nil {
			return nil, err
		}
	}
	return x, nil
}

// check holds a year's files to each other: every account posted or
// balanced is in the chart, and every posting is of the year.
func (d *dineroYear) check() error {
	if d.Accounts == nil {
		return &dineroError{File: d.dir + "/Kontoplan.csv", Reason: "missing_file", Message: fmt.Sprintf("the year %d has postings or a balance but no chart of accounts", d.Year)}
	}
	chart := map[int]bool{}
	for _, a := range d.Accounts {
		chart[a.No] = true
	}
	for _, p := range d.Postings {
		if !chart[p.Account] {
			return &dineroError{File: d.dir + "/Posteringer.csv", Line: p.Line, Reason: "unknown_account", Message: fmt.Sprintf("account %d is not in the year's Kontoplan.csv", p.Account)}
		}
		if !strings.HasPrefix(p.Date, strconv.Itoa(d.Year)+"-") {
			return &dineroError{File: d.dir + "/Posteringer.csv", Line: p.Line, Reason: "wrong_year", Message: fmt.Sprintf("the date %s is not in %d", p.Date, d.Year)}
		}
	}
	for _, b := range d.Balance {
		if !chart[b.Account] {
			return &dineroError{File: d.dir + "/SaldoBalance.csv", Line: b.Line, Reason: "unknown_account", Message: fmt.Sprintf("account %d is not in the year's Kontoplan.csv", b.Account)}
		}
	}
	return nil
}

// dineroRows is a file split into its header and rows.
type dineroRows struct {
	header map[string]int // by lower-case name
	exact  map[string]int // by name as written: get's fast path, no lower-casing per cell
	cols   []string
	rows   []record
}

func (r *dineroRows) has(col string) bool { _, ok := r.header[strings.ToLower(col)]; return ok }

// get is the cell of column col ("" when the file has no such column).
func (r *dineroRows) get(rec record, col string) string {
	i, ok := r.exact[col]
	if !ok {
		i, ok = r.header[strings.ToLower(col)]
	}
	if !ok {
		return ""
	}
	return strings.TrimSpace(rec.fields[i])
}

// readDineroCSV splits a file: UTF-8 (a BOM is dropped; anything else not
// UTF-8 is refused, since Dinero writes UTF-8 and a re-saved file in
// another encoding would garble names), lines by \n or \r\n, cells by ';'
// with no quoting. Blank lines are skipped; every row has the header's
// number of cells.
func readDineroCSV(name string, b []byte) (*dineroRows, error) {
	b = bytes.TrimPrefix(b, []byte("\ufeff"))
	if !utf8.Valid(b) {
		line := 1 + bytes.Count(b[:firstInvalidUTF8(b)], []byte("\n"))
		return nil, &dineroError{File: name, Line: line, Reason: "encoding", Message: "is not UTF-8 (Dinero exports UTF-8; was the file re-saved in another program?)"}
	}
	if bytes.IndexByte(b, 0) >= 0 {
		return nil, &dineroError{File: name, Reason: "binary", Message: "holds NUL bytes: it is not a CSV file"}
	}
	out := &dineroRows{header: map[string]int{}, exact: map[string]int{}}
	for i, line := range strings.Split(string(b), "\n") {
		line = strings.TrimSuffix(line, "\r")
		if strings.TrimSpace(line) == "" {
			continue
		}
		fields := strings.Split(line, ";")
		if out.cols == nil {
			for j, c := range fields {
				c = strings.TrimSpace(c)
				k := strings.ToLower(c)
				if _, dup := out.header[k]; dup && c != "" {
					return nil, &dineroError{File: name, Line: i + 1, Reason: "header", Message: fmt.Sprintf("the header has the column %q twice", c)}
				}
				out.header[k] = j
				out.exact[c] = j
			}
			out.cols = fields
			continue
		}
		if len(fields) != len(out.cols) {
			return nil, &dineroError{File: name, Line: i + 1, Reason: "cells", Message: fmt.Sprintf("has %d cells and the header %d (a ';' inside a text? Dinero does not quote)", len(fields), len(out.cols))}
		}
		if len(out.rows) >= maxDineroRows {
			return nil, &dineroError{File: name, Line: i + 1, Reason: "too_many_rows", Message: fmt.Sprintf("has more than %d rows", maxDineroRows)}
		}
		out.rows = append(out.rows, record{line: i + 1, fields: fields})
	}
	if out.cols == nil {
		return nil, &dineroError{File: name, Reason: "empty", Message: "is empty"}
	}
	return out, nil
}

// need refuses a file missing any of the columns.
func (r *dineroRows) need(name string, cols ...string) error {
	var missing []string
	for _, c := range cols {
		if !r.has(c) {
			missing = append(missing, c)
		}
	}
	if len(missing) > 0 {
		return &dineroError{File: name, Line: 1, Reason: "header", Message: fmt.Sprintf("the header lacks %s (it reads %q)", strings.Join(missing, ", "), strings.Join(r.cols, ";"))}
	}
	return nil
}

func parseDineroCompany(name string, r *dineroRows) (dineroCompany, error) {
	if err := r.need(name, "Firmanavn"); err != nil {
		return dineroCompany{}, err
	}
	if len(r.rows) != 1 {
		return dineroCompany{}, &dineroError{File: name, Reason: "rows", Message: fmt.Sprintf("has %d data rows; it has one, the company", len(r.rows))}
	}
	row := r.rows[0]
	c := dineroCompany{Name: r.get(row, "Firmanavn"), CVR: r.get(row, "CvrNr"), Address: r.get(row, "Adresse"), Zip: r.get(row, "Postnr"),
		City: r.get(row, "By"), Country: r.get(row, "Land"), Email: r.get(row, "Email"), Phone: r.get(row, "Telefonnummer"), Web: r.get(row, "Hjemmeside")}
	if c.Name == "" {
		return c, &dineroError{File: name, Line: row.line, Reason: "empty_name", Message: "Firmanavn is empty"}
	}
	if c.CVR != "" && cvrFrom(c.CVR) == "" {
		return c, &dineroError{File: name, Line: row.line, Reason: "cvr", Message: fmt.Sprintf("CvrNr %q is not a CVR number (8 digits, optionally DK in front)", c.CVR)}
	}
	return c, nil
}

func parseAccountNo(name string, line int, col, s string) (int, error) {
	n, err := strconv.Atoi(strings.TrimSpace(s))
	if err != nil || n <= 0 || n > 99999999 {
		return 0, &dineroError{File: name, Line: line, Reason: "account_number", Message: fmt.Sprintf("%s %q is not an account number", col, s)}
	}
	return n, nil
}

func parseDineroAmount(name string, line int, col, s string) (decimal.Decimal, error) {
	d, err := parseAmount(s, decimalComma)
	if err != nil {
		return decimal.Zero, &dineroError{File: name, Line: line, Reason: "amount", Message: fmt.Sprintf("%s %q: %v", col, s, err)}
	}
	return d, nil
}

// vatCode reads a Momstype cell: "U25 - Dansk salgsmoms", "U25", or a bare
// label (its code is then unknown, "").
func vatCode(s string) string {
	s = strings.TrimSpace(s)
	code, _, _ := strings.Cut(s, " - ")
	code = strings.ToUpper(strings.TrimSpace(code))
	if _, ok := dineroVATCodes[code]; ok {
		return code
	}
	return ""
}

func parseDineroAccounts(name string, r *dineroRows) ([]dineroAccount, error) {
	if err := r.need(name, "Nummer", "Navn", "Type"); err != nil {
		return nil, err
	}
	out := make([]dineroAccount, 0, len(r.rows))
	seen := map[int]int{}
	for _, row := range r.rows {
		n, err := parseAccountNo(name, row.line, "Nummer", r.get(row, "Nummer"))
		if err != nil {
			return nil, err
		}
		if prev, dup := seen[n]; dup {
			return nil, &dineroError{File: name, Line: row.line, Reason: "duplicate_account", Message: fmt.Sprintf("account %d is also on line %d", n, prev)}
		}
		seen[n] = row.line
		a := dineroAccount{Line: row.line, No: n, Name: r.get(row, "Navn"), Type: r.get(row, "Type"), VATRaw: r.get(row, "Momstype")}
		a.VATCode = vatCode(a.VATRaw)
		if a.Name == "" {
			return nil, &dineroError{File: name, Line: row.line, Reason: "empty_name", Message: fmt.Sprintf("account %d has no Navn", n)}
		}
		out = append(out, a)
	}
	return out, nil
}

func parseDineroPostings(name string, r *dineroRows) ([]dineroPosting, error) {
	if err := r.need(name, "Konto", "Dato", "Bilag", "Tekst", "Beløb"); err != nil {
		return nil, err
	}
	out := make([]dineroPosting, 0, len(r.rows))
	for _, row := range r.rows {
		acc, err := parseAccountNo(name, row.line, "Konto", r.get(row, "Konto"))
		if err != nil {
			return nil, err
		}
		date := r.get(row, "Dato")
		if _, err := time.Parse("2006-01-02", date); err != nil {
			return nil, &dineroError{File: name, Line: row.line, Reason: "date", Message: fmt.Sprintf("Dato %q is not a date as YYYY-MM-DD", date)}
		}
		amt, err := parseDineroAmount(name, row.line, "Beløb", r.get(row, "Beløb"))
		if err != nil {
			return nil, err
		}
		out = append(out, dineroPosting{Line: row.line, Account: acc, Date: date, Voucher: r.get(row, "Bilag"), Text: r.get(row, "Tekst"),
			VATCode: vatCode(r.get(row, "Momstype")), Amount: amt})
	}
	return out, nil
}

func parseDineroBalance(name string, r *dineroRows) ([]dineroBalance, error) {
	if err := r.need(name, "Konto", "Beløb"); err != nil {
		return nil, err
	}
	out := make([]dineroBalance, 0, len(r.rows))
	seen := map[int]int{}
	for _, row := range r.rows {
		acc, err := parseAccountNo(name, row.line, "Konto", r.get(row, "Konto"))
		if err != nil {
			return nil, err
		}
		if prev, dup := seen[acc]; dup {
			return nil, &dineroError{File: name, Line: row.line, Reason: "duplicate_account", Message: fmt.Sprintf("account %d is also on line %d", acc, prev)}
		}
		seen[acc] = row.line
		amt, err := parseDineroAmount(name, row.line, "Beløb", r.get(row, "Beløb"))
		if err != nil {
			return nil, err
		}
		out = append(out, dineroBalance{Line: row.line, Account: acc, Name: r.get(row, "Kontonavn"), Amount: amt})
	}
	return out, nil
}

func parseDineroContacts(name string, r *dineroRows) ([]dineroContact, error) {
	if err := r.need(name, "Kontaktnavn", "CVR-nummer", "Kontakttype"); err != nil {
		return nil, err
	}
	out := []dineroContact{}
	for _, row := range r.rows {
		c := dineroContact{Line: row.line, Name: r.get(row, "Kontaktnavn"), CVR: r.get(row, "CVR-nummer"), Type: r.get(row, "Kontakttype"),
			Address: r.get(row, "Adresse"), Zip: r.get(row, "Postnr"), City: r.get(row, "By"), Country: r.get(row, "Land"),
			Email: r.get(row, "Email"), Ph: r.get(row, "Telefonnummer")}
		if c.Name == "" {
			return nil, &dineroError{File: name, Line: row.line, Reason: "empty_name", Message: "Kontaktnavn is empty"}
		}
		out = append(out, c)
	}
	return out, nil
}

// dineroProductColumns: the products file's columns, by the API's field
// names (§ 2.2) or Danish labels; the export's own header is not known.
var dineroProductColumns = map[string][]string{
	"number":  {"ProductNumber", "Varenummer", "Produktnummer", "Nummer"},
	"name":    {"Name", "Navn", "Produktnavn"},
	"price":   {"BaseAmountValue", "Pris", "Salgspris"},
	"unit":    {"Unit", "Enhed"},
	"account": {"AccountNumber", "Konto", "Kontonummer"},
}

func (r *dineroRows) pick(key string) string {
	for _, c := range dineroProductColumns[key] {
		if r.has(c) {
			return c
		}
	}
	return ""
}

func parseDineroProducts(name string, r *dineroRows) ([]dineroProduct, error) {
	numCol, nameCol := r.pick("number"), r.pick("name")
	if numCol == "" || nameCol == "" {
		return nil, &dineroError{File: name, Line: 1, Reason: "header", Message: fmt.Sprintf("the header needs a product number (%s) and a name (%s) column; it reads %q",
			strings.Join(dineroProductColumns["number"], "/"), strings.Join(dineroProductColumns["name"], "/"), strings.Join(r.cols, ";"))}
	}
	priceCol, unitCol, accCol := r.pick("price"), r.pick("unit"), r.pick("account")
	out := []dineroProduct{}
	seen := map[string]int{}
	for _, row := range r.rows {
		p := dineroProduct{Line: row.line, Number: r.get(row, numCol), Name: r.get(row, nameCol)}
		if p.Number == "" || p.Name == "" {
			return nil, &dineroError{File: name, Line: row.line, Reason: "empty_name", Message: fmt.Sprintf("a product needs %s and %s", numCol, nameCol)}
		}
		if prev, dup := seen[p.Number]; dup {
			return nil, &dineroError{File: name, Line: row.line, Reason: "duplicate_product", Message: fmt.Sprintf("product number %q is also on line %d", p.Number, prev)}
		}
		seen[p.Number] = row.line
		if priceCol != "" && r.get(row, priceCol) != "" {
			d, err := parseDineroAmount(name, row.line, priceCol, r.get(row, priceCol))
			if err != nil {
				return nil, err
			}
			p.Price, p.HasPrice = d, true
		}
		if unitCol != "" {
			p.Unit = r.get(row, unitCol)
		}
		if accCol != "" && r.get(row, accCol) != "" {
			n, err := parseAccountNo(name, row.line, accCol, r.get(row, accCol))
			if err != nil {
				return nil, err
			}
			p.AccountNo = n
		}
		out = append(out, p)
	}
	return out, nil
}
