package integrations

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strconv"
	"strings"

	"github.com/shopspring/decimal"
)

// Statement is a bank file read whole: every booked line, in file order,
// or nothing (a file with one unreadable row is refused, § 1.3 rule 9).
type Statement struct {
	Format    string     `json:"format" jsonschema:"the profile detected or given (danske_bank, nordea, ..., camt053, generic)"`
	Bank      string     `json:"bank"`
	Encoding  string     `json:"encoding" jsonschema:"utf-8, utf-8-bom or windows-1252 (camt: utf-8)"`
	Delimiter string     `json:"delimiter,omitempty"`
	Decimal   string     `json:"decimal_mark,omitempty" jsonschema:"comma (1.234,56) or dot (1234.56)"`
	Account   string     `json:"account,omitempty" jsonschema:"the account (camt IBAN)"`
	Currency  string     `json:"currency"`
	Lines     []BankLine `json:"lines,omitempty" jsonschema:"every booked line (left out of match_bank_statement's report, whose lists hold them)"`
	Held      []HeldLine `json:"held" jsonschema:"pending or duplicate lines, left out of matching"`
	Warnings  []string   `json:"warnings"`
}

// BankLine is one booked line of a statement.
type BankLine struct {
	Key       string `json:"key" jsonschema:"de-duplication key: the bank's ID when it gives one (id:...), else a content hash (sha:...)"`
	Line      int    `json:"line" jsonschema:"the line in the file where it starts (camt.053: the entry's number in the document)"`
	Date      string `json:"date" jsonschema:"booking date, YYYY-MM-DD"`
	ValueDate string `json:"value_date,omitempty"`
	Text      string `json:"text"`
	Amount    string `json:"amount" jsonschema:"signed decimal: positive money in, negative money out"`
	Currency  string `json:"currency"`
	Balance   string `json:"balance,omitempty"`
	Reference string `json:"reference,omitempty" jsonschema:"payment references the bank gave (end-to-end ID, creditor reference)"`
	Payer     string `json:"payer,omitempty" jsonschema:"the counterparty's name, when the bank gives it"`
	BankID    string `json:"bank_id,omitempty"`

	amount  decimal.Decimal
	balance *decimal.Decimal
}

// HeldLine is a line read but not matched, and why.
type HeldLine struct {
	Line   int    `json:"line"`
	Reason string `json:"reason"`
	Text   string `json:"text,omitempty"`
	Amount string `json:"amount,omitempty"`
}

// maxLines bounds one statement: a year of a busy business account.
const maxLines = 20000

// Mapping is the generic column mapper, for an export no profile knows.
type Mapping struct {
	Date        string `json:"date" jsonschema:"the booking date column: a header name, or a 1-based number"`
	Amount      string `json:"amount,omitempty" jsonschema:"the signed amount column (or give debit and credit)"`
	Debit       string `json:"debit,omitempty" jsonschema:"money out column (positive numbers)"`
	Credit      string `json:"credit,omitempty" jsonschema:"money in column (positive numbers)"`
	Text        string `json:"text,omitempty"`
	Balance     string `json:"balance,omitempty"`
	Reference   string `json:"reference,omitempty"`
	ID          string `json:"id,omitempty" jsonschema:"a unique transaction ID column, if the bank gives one"`
	Payer       string `json:"payer,omitempty"`
	DateFormat  string `json:"date_format,omitempty" jsonschema:"DD.MM.YYYY, DD-MM-YYYY, YYYY/MM/DD or YYYY-MM-DD; default DD.MM.YYYY"`
	DecimalMark string `json:"decimal_mark,omitempty" jsonschema:"comma or dot; default: sniffed"`
	NoHeader    bool   `json:"no_header,omitempty" jsonschema:"the file has no header row; columns are numbers"`
	Delimiter   string `json:"delimiter,omitempty" jsonschema:"; , or tab; default: sniffed"`
	Currency    string `json:"currency,omitempty" jsonschema:"ISO code; default DKK"`
}

// parseOptions say how to read a file.
type parseOptions struct {
	profile  string   // "" detects
	mapping  *Mapping // the generic mapper
	currency string   // default DKK
}

// parseStatement reads a bank file: camt.053 XML, or CSV by profile
// (given or detected) or by mapping.
func parseStatement(b []byte, opt parseOptions) (*Statement, error) {
	if opt.currency == "" {
		opt.currency = "DKK"
	}
	text, enc, err := decodeText(b)
	if err != nil {
		return nil, err
	}
	if opt.profile == "camt053" || (opt.profile == "" && opt.mapping == nil && looksLikeXML(text)) {
		st, err := parseCamt(b)
		if err != nil {
			return nil, err
		}
		return st, nil
	}
	if opt.mapping != nil {
		return parseMapped(text, enc, opt)
	}
	var p *profile
	if opt.profile != "" {
		if p = profileByID(opt.profile); p == nil {
			return nil, &fileError{Reason: "profile", Message: fmt.Sprintf("there is no profile %q; the profiles are %s, camt053, or give a mapping", opt.profile, strings.Join(profileIDs(), ", "))}
		}
	}
	// The delimiter is sniffed even for a profile given: Danske Bank's
	// export dialog offers comma as well as its default semicolon.
	delim := sniffDelimiter(firstLine(text))
	backslash := p == nil || p.backslash
	recs, err := readCSV(text, delim, backslash)
	if err != nil {
		return nil, err
	}
	if len(recs) == 0 {
		return nil, &fileError{Reason: "empty", Message: "the file has no rows"}
	}
	if p == nil {
		if p = detectProfile(recs[0].fields); p == nil {
			return nil, &fileError{Line: 1, Reason: "unknown_format",
				Message: fmt.Sprintf("the header %q is not one of the known bank exports (%s); give profile, or a mapping naming the date and amount columns",
					truncate(firstLine(text), 200), strings.Join(bankNames(), ", "))}
		}
		if !p.backslash && backslash {
			// Re-read without the Danske escape, which only Danske uses.
			if recs, err = readCSV(text, delim, false); err != nil {
				return nil, err
			}
		}
	} else if p.header != nil && !p.matchesHeader(recs[0].fields) {
		return nil, &fileError{Line: 1, Reason: "header",
			Message: fmt.Sprintf("profile %s expects the header %q, got %q", p.id, strings.Join(p.header, string(p.delim)), truncate(firstLine(text), 200))}
	}
	rows := recs
	ncols := len(p.header)
	if p.header != nil {
		rows = recs[1:]
	} else {
		ncols = p.minCells
	}
	st := &Statement{Format: p.id, Bank: p.bank, Encoding: enc, Delimiter: delimName(delim), Currency: opt.currency,
		Lines: []BankLine{}, Held: []HeldLine{}, Warnings: []string{}}
	amounts := make([]string, 0, len(rows)*2)
	for _, r := range rows {
		amounts = append(amounts, cell(r.fields, p.amount), cell(r.fields, p.balance))
	}
	st.Decimal = sniffDecimalMark(amounts)
	cols := columns{date: p.date, valueDate: p.valueDate, text: p.text, amount: p.amount, debit: -1, credit: -1,
		balance: p.balance, currency: p.currency, bankID: p.bankID, reference: p.reference, payer: p.payer,
		dateLayout: p.dateLayout, ncols: ncols, pending: p.pending, pendingWhy: p.pendingWhy}
	if err := st.addRows(rows, cols); err != nil {
		return nil, err
	}
	st.finish()
	return st, nil
}

// columns is where a row's values are, for profiles and mappings alike.
type columns struct {
	date, valueDate, amount, debit, credit, balance, currency, bankID, payer int
	text, reference                                                          []int
	dateLayout                                                               string
	ncols                                                                    int
	pending                                                                  func([]string) bool
	pendingWhy                                                               string
}

func (st *Statement) addRows(rows []record, c columns) error {
	if len(rows) > maxLines {
		return &fileError{Line: rows[maxLines].line, Reason: "too_many_lines", Message: fmt.Sprintf("the file has more than %d lines; split it by period", maxLines)}
	}
	for _, r := range rows {
		f := r.fields
		if n := len(trimTrailingEmpty(f)); n > c.ncols {
			return &fileError{Line: r.line, Reason: "columns", Message: fmt.Sprintf("the row has %d cells, the header %d: a delimiter inside an unquoted field, or a damaged row", n, c.ncols)}
		}
		if c.pending != nil && c.pending(f) {
			st.Held = append(st.Held, HeldLine{Line: r.line, Reason: "pending: " + c.pendingWhy, Text: joinText(f, c.text), Amount: cell(f, c.amount)})
			continue
		}
		date, err := parseDate(cell(f, c.date), c.dateLayout)
		if err != nil {
			return &fileError{Line: r.line, Reason: "date", Message: "the booking date " + err.Error()}
		}
		l := BankLine{Line: r.line, Date: date, Text: joinText(f, c.text), Currency: st.Currency}
		if c.valueDate >= 0 && cell(f, c.valueDate) != "" {
			if l.ValueDate, err = parseDate(cell(f, c.valueDate), c.dateLayout); err != nil {
				return &fileError{Line: r.line, Reason: "date", Message: "the value date " + err.Error()}
			}
		}
		switch {
		case c.amount >= 0:
			if l.amount, err = parseAmount(cell(f, c.amount), st.Decimal); err != nil {
				return &fileError{Line: r.line, Reason: "amount", Message: err.Error()}
			}
		default:
			d, c2 := cell(f, c.debit), cell(f, c.credit)
			if (d == "") == (c2 == "") {
				return &fileError{Line: r.line, Reason: "amount", Message: "exactly one of the debit and credit cells must hold the amount"}
			}
			raw, sign := c2, 1
			if d != "" {
				raw, sign = d, -1
			}
			v, err := parseAmount(raw, st.Decimal)
			if err != nil || v.IsNegative() {
				return &fileError{Line: r.line, Reason: "amount", Message: fmt.Sprintf("%q is not a positive amount for a debit or credit column", raw)}
			}
			if sign < 0 {
				v = v.Neg()
			}
			l.amount = v
		}
		if c.balance >= 0 && cell(f, c.balance) != "" {
			b, err := parseAmount(cell(f, c.balance), st.Decimal)
			if err != nil {
				return &fileError{Line: r.line, Reason: "balance", Message: "the balance " + err.Error()}
			}
			l.balance = &b
			l.Balance = amountText(b)
		}
		if c.currency >= 0 && cell(f, c.currency) != "" {
			cur := strings.ToUpper(cell(f, c.currency))
			if len(cur) != 3 || !isUpperAlpha(cur) {
				return &fileError{Line: r.line, Reason: "currency", Message: fmt.Sprintf("%q is not an ISO currency code", cell(f, c.currency))}
			}
			l.Currency = cur
		}
		if c.bankID >= 0 {
			l.BankID = cell(f, c.bankID)
		}
		if c.payer >= 0 {
			l.Payer = cell(f, c.payer)
		}
		refs := []string{}
		for _, i := range c.reference {
			if v := cell(f, i); v != "" {
				refs = append(refs, v)
			}
		}
		l.Reference = strings.Join(refs, " ")
		l.Amount = amountText(l.amount)
		st.Lines = append(st.Lines, l)
	}
	return nil
}

// finish gives every line its de-duplication key, holds back lines whose
// bank ID repeats, and checks the running balance.
//
// The key is the bank's own transaction ID where the export has one
// (Lunar, camt AcctSvcrRef); otherwise a hash of (account, date, amount,
// normalised text, running balance) and its occurrence in the file: two
// identical card purchases on one day are two lines, and stay two
// (§ 1.3 rule 8), while the same line in an overlapping second export
// gets the same key and is recognised as already recorded.
func (st *Statement) finish() {
	seenID := map[string]int{}
	seenHash := map[string]int{}
	kept := st.Lines[:0]
	for _, l := range st.Lines {
		if l.BankID != "" {
			if first, dup := seenID[l.BankID]; dup {
				st.Held = append(st.Held, HeldLine{Line: l.Line, Reason: fmt.Sprintf("duplicate: the bank's ID %s is on line %d too", l.BankID, first), Text: l.Text, Amount: l.Amount})
				continue
			}
			seenID[l.BankID] = l.Line
			l.Key = "id:" + l.BankID
		} else {
			bal := ""
			if l.balance != nil {
				bal = l.balance.String()
			}
			h := sha256.Sum256([]byte(strings.Join([]string{st.Account, l.Date, l.amount.String(), normText(l.Text), bal, l.Reference}, "\x1f")))
			base := hex.EncodeToString(h[:12])
			seenHash[base]++
			l.Key = "sha:" + base + "-" + strconv.Itoa(seenHash[base])
		}
		kept = append(kept, l)
	}
	st.Lines = kept
	if w := balanceChain(st.Lines); w != "" {
		st.Warnings = append(st.Warnings, w)
	}
}

// balanceChain checks saldo[i] = saldo[i-1] + amount[i] in file order,
// or the same newest-first (§ 1.3 rule 7); a break means a missing or
// duplicated row. A warning, not a refusal: the order of some exports is
// not documented.
func balanceChain(lines []BankLine) string {
	var withBal []BankLine
	for _, l := range lines {
		if l.balance != nil {
			withBal = append(withBal, l)
		}
	}
	if len(withBal) < 2 || len(withBal) != len(lines) {
		return ""
	}
	breakAt := func(newestFirst bool) int {
		for i := 1; i < len(withBal); i++ {
			prev, cur := withBal[i-1], withBal[i]
			if newestFirst {
				prev, cur = cur, prev
			}
			if !prev.balance.Add(cur.amount).Equal(*cur.balance) {
				return withBal[i].Line
			}
		}
		return 0
	}
	up, down := breakAt(false), breakAt(true)
	if up == 0 || down == 0 {
		return ""
	}
	return fmt.Sprintf("the running balance does not add up at line %d: a line may be missing or duplicated in the export", min(up, down))
}

func normText(s string) string { return strings.Join(strings.Fields(strings.ToLower(s)), " ") }

func joinText(f []string, idx []int) string {
	parts := []string{}
	for _, i := range idx {
		if v := cell(f, i); v != "" {
			parts = append(parts, strings.Join(strings.Fields(v), " "))
		}
	}
	return strings.Join(parts, " / ")
}

func isUpperAlpha(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < 'A' || s[i] > 'Z' {
			return false
		}
	}
	return true
}

func delimName(d rune) string {
	if d == '\t' {
		return "tab"
	}
	return string(d)
}

func bankNames() []string {
	seen := map[string]bool{}
	out := []string{}
	for _, p := range profiles {
		name, _, _ := strings.Cut(p.bank, " (")
		if !seen[name] {
			seen[name] = true
			out = append(out, name)
		}
	}
	return out
}

func truncate(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n]) + "…"
}

func looksLikeXML(text string) bool {
	return strings.HasPrefix(strings.TrimSpace(text), "<")
}

// parseMapped reads a CSV export by a generic column mapping.
func parseMapped(text, enc string, opt parseOptions) (*Statement, error) {
	m := opt.mapping
	delim := sniffDelimiter(firstLine(text))
	switch m.Delimiter {
	case "":
	case ";", ",":
		delim = rune(m.Delimiter[0])
	case "tab", "\t":
		delim = '\t'
	default:
		return nil, &fileError{Reason: "mapping", Message: fmt.Sprintf("mapping.delimiter must be ; , or tab, got %q", m.Delimiter)}
	}
	layout := dateDMYDot
	if m.DateFormat != "" {
		var ok bool
		if layout, ok = dateFormats[strings.ToUpper(m.DateFormat)]; !ok {
			return nil, &fileError{Reason: "mapping", Message: fmt.Sprintf("mapping.date_format must be DD.MM.YYYY, DD-MM-YYYY, YYYY/MM/DD or YYYY-MM-DD, got %q", m.DateFormat)}
		}
	}
	recs, err := readCSV(text, delim, false)
	if err != nil {
		return nil, err
	}
	if len(recs) == 0 || (!m.NoHeader && len(recs) == 1) {
		return nil, &fileError{Reason: "empty", Message: "the file has no rows"}
	}
	var header []string
	rows := recs
	if !m.NoHeader {
		header, rows = recs[0].fields, recs[1:]
	}
	ncols := len(trimTrailingEmpty(recs[0].fields))
	find := func(field, spec string, required bool) (int, error) {
		if spec == "" {
			if required {
				return -1, &fileError{Reason: "mapping", Message: fmt.Sprintf("mapping.%s is required", field)}
			}
			return -1, nil
		}
		if n, err := strconv.Atoi(spec); err == nil {
			if n < 1 || n > ncols {
				return -1, &fileError{Reason: "mapping", Message: fmt.Sprintf("mapping.%s: column %d is outside the file's %d columns", field, n, ncols)}
			}
			return n - 1, nil
		}
		for i, h := range header {
			if normHeader(h) == normHeader(spec) {
				return i, nil
			}
		}
		return -1, &fileError{Reason: "mapping", Message: fmt.Sprintf("mapping.%s: the header has no column %q (it has %s)", field, spec, quoteList(header))}
	}
	c := columns{dateLayout: layout, ncols: ncols, valueDate: -1}
	var e error
	set := func(dst *int, field, spec string, required bool) {
		if e == nil {
			*dst, e = find(field, spec, required)
		}
	}
	set(&c.date, "date", m.Date, true)
	if m.Amount != "" {
		set(&c.amount, "amount", m.Amount, true)
		c.debit, c.credit = -1, -1
	} else {
		c.amount = -1
		set(&c.debit, "debit", m.Debit, true)
		set(&c.credit, "credit", m.Credit, true)
	}
	set(&c.balance, "balance", m.Balance, false)
	set(&c.bankID, "id", m.ID, false)
	set(&c.payer, "payer", m.Payer, false)
	c.currency = -1
	var t, ref int
	set(&t, "text", m.Text, false)
	set(&ref, "reference", m.Reference, false)
	if e != nil {
		return nil, e
	}
	if t >= 0 {
		c.text = []int{t}
	}
	if ref >= 0 {
		c.reference = []int{ref}
	}
	cur := opt.currency
	if m.Currency != "" {
		cur = strings.ToUpper(m.Currency)
		if len(cur) != 3 || !isUpperAlpha(cur) {
			return nil, &fileError{Reason: "mapping", Message: fmt.Sprintf("mapping.currency must be an ISO code such as DKK, got %q", m.Currency)}
		}
	}
	st := &Statement{Format: "generic", Bank: "generic mapping", Encoding: enc, Delimiter: delimName(delim), Currency: cur,
		Lines: []BankLine{}, Held: []HeldLine{}, Warnings: []string{}}
	switch m.DecimalMark {
	case decimalComma, decimalDot:
		st.Decimal = m.DecimalMark
	case "":
		var cells []string
		for _, r := range rows {
			for _, i := range []int{c.amount, c.debit, c.credit, c.balance} {
				cells = append(cells, cell(r.fields, i))
			}
		}
		st.Decimal = sniffDecimalMark(cells)
	default:
		return nil, &fileError{Reason: "mapping", Message: fmt.Sprintf("mapping.decimal_mark must be comma or dot, got %q", m.DecimalMark)}
	}
	if err := st.addRows(rows, c); err != nil {
		return nil, err
	}
	st.finish()
	return st, nil
}

func quoteList(s []string) string {
	q := make([]string, len(s))
	for i, v := range s {
		q[i] = strconv.Quote(v)
	}
	return strings.Join(q, ", ")
}

// amountText writes an amount for machines: a plain decimal with at least
// two decimals (1250.00, -12.50), more when the file gave more.
func amountText(d decimal.Decimal) string {
	if d.Exponent() >= -2 {
		return d.StringFixed(2)
	}
	return d.String()
}
