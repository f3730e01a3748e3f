package integrations

import (
	"strings"
)

// profile describes one bank's CSV export (integrations.md § 1.1–1.2):
// how to recognise it and which columns hold what. Columns are 0-based
// positions; -1 means the export has no such column. Positions rather
// than names, because Jyske Bank's header has blank names that only a
// position can address.
type profile struct {
	id   string // stable key, e.g. "danske_bank"
	bank string // for people
	// header is the signature: the header's cell names, normalised
	// (normHeader); nil for a header-less export, recognised by shape.
	header []string
	// optionalLast: the header may lack its last name (Nordea's Afstemt).
	optionalLast bool
	delim        rune
	backslash    bool   // Danske Bank's \" escape
	dateLayout   string // the booking date
	date         int
	valueDate    int
	text         []int // joined with " / " when several are non-empty
	amount       int
	balance      int
	currency     int
	bankID       int   // a unique transaction ID (Lunar)
	reference    []int // payment references (Nykredit End2end, Kreditorreference)
	payer        int   // the counterparty's name
	pending      func(fields []string) bool
	pendingWhy   string
	minCells     int // a header-less row has exactly this many cells
}

func col(names ...string) []string { return names }

// normHeader is a header cell as a signature compares it: trimmed, lower
// case, inner spaces collapsed.
func normHeader(s string) string {
	return strings.Join(strings.Fields(strings.ToLower(strings.TrimSpace(s))), " ")
}

var profiles = []*profile{
	{
		id: "danske_bank", bank: "Danske Bank",
		header: col("dato", "kategori", "underkategori", "tekst", "beløb", "saldo", "status", "afstemt"),
		delim:  ';', backslash: true, dateLayout: dateDMYDot,
		date: 0, valueDate: -1, text: []int{3}, amount: 4, balance: 5, currency: -1, bankID: -1, payer: -1,
		pending:    func(f []string) bool { return cell(f, 6) != "" && !strings.EqualFold(cell(f, 6), "Udført") },
		pendingWhy: "its Status is not Udført (not yet booked)",
	},
	{
		id: "danske_bank_6", bank: "Danske Bank (account without categories)",
		header: col("dato", "tekst", "beløb", "saldo", "status", "afstemt"),
		delim:  ';', backslash: true, dateLayout: dateDMYDot,
		date: 0, valueDate: -1, text: []int{1}, amount: 2, balance: 3, currency: -1, bankID: -1, payer: -1,
		pending:    func(f []string) bool { return cell(f, 4) != "" && !strings.EqualFold(cell(f, 4), "Udført") },
		pendingWhy: "its Status is not Udført (not yet booked)",
	},
	{
		id: "nordea", bank: "Nordea",
		header:       col("bogføringsdato", "beløb", "afsender", "modtager", "navn", "beskrivelse", "saldo", "valuta", "afstemt"),
		optionalLast: true,
		delim:        ';', dateLayout: dateYMDSlash,
		date: 0, valueDate: -1, text: []int{5}, amount: 1, balance: 6, currency: 7, bankID: -1, payer: 4,
		pending:    func(f []string) bool { return strings.EqualFold(cell(f, 0), "Reserveret") },
		pendingWhy: "it is a card reservation (Reserveret), not a booked line",
	},
	{
		id: "jyske_bank", bank: "Jyske Bank",
		header: col("dato", "", "tekst", "", "beløb", "saldo", "kommentar", "afstemt", "flag", "konto", "", "kategori", "underkategori"),
		delim:  ';', dateLayout: dateDMYDot,
		date: 0, valueDate: -1, text: []int{2, 6}, amount: 4, balance: 5, currency: -1, bankID: -1, payer: -1,
	},
	{
		id: "nykredit", bank: "Nykredit",
		header: col("exportkonto", "afsenderkonto", "modtagerkonto", "dato", "tekst", "beløb", "saldo", "indbetaler",
			"supp. tekst til modtager", "tekst til modtager", "betalingsident", "end2end", "gebyrer(swift)", "gebyr valuta",
			"kontohaver", "kreditorreference", "modtagernavn", "modtaget beløb", "modtaget valuta", "nemkonto id",
			"overført beløb", "overført valuta", "ovf.type", "samlepost", "swift/bic", "valørdato", "valuta", "vekselkurs"),
		delim: ';', dateLayout: dateDMYDash,
		date: 3, valueDate: 25, text: []int{4, 9, 8}, amount: 5, balance: 6, currency: 26, bankID: -1,
		reference: []int{10, 11, 15}, payer: 7,
	},
	{
		id: "sydbank", bank: "Sydbank",
		header: col("dato", "tekst", "beløb", "hovedkategori", "kategori"),
		delim:  ';', dateLayout: dateDMYDot,
		date: 0, valueDate: -1, text: []int{1}, amount: 2, balance: -1, currency: -1, bankID: -1, payer: -1,
	},
	{
		id: "sydbank_underkategori", bank: "Sydbank",
		header: col("dato", "tekst", "beløb", "hovedkategori", "underkategori"),
		delim:  ';', dateLayout: dateDMYDot,
		date: 0, valueDate: -1, text: []int{1}, amount: 2, balance: -1, currency: -1, bankID: -1, payer: -1,
	},
	{
		id: "sydbank_saldo", bank: "Sydbank",
		header: col("dato", "tekst", "beløb", "saldo", "hovedkategori", "kategori"),
		delim:  ';', dateLayout: dateDMYDot,
		date: 0, valueDate: -1, text: []int{1}, amount: 2, balance: 3, currency: -1, bankID: -1, payer: -1,
	},
	{
		id: "lunar", bank: "Lunar",
		header: col("date", "time", "title", "amount", "balance", "transaction id"),
		delim:  ',', dateLayout: dateISO,
		date: 0, valueDate: -1, text: []int{2}, amount: 3, balance: 4, currency: -1, bankID: 5, payer: -1,
	},
	{
		id: "lunar_legacy", bank: "Lunar (older export)",
		header: col("date", "text", "amount", "balance"),
		delim:  ',', dateLayout: dateISO,
		date: 0, valueDate: -1, text: []int{1}, amount: 2, balance: 3, currency: -1, bankID: -1, payer: -1,
	},
	{
		// BEC banks (Arbejdernes Landsbank, Merkur, Handelsbanken DK): no
		// header; date;text;amount;balance.
		id: "bec", bank: "BEC bank (Arbejdernes Landsbank and others)", minCells: 4,
		delim: ';', dateLayout: dateDMYDash,
		date: 0, valueDate: -1, text: []int{1}, amount: 2, balance: 3, currency: -1, bankID: -1, payer: -1,
	},
	{
		// Portalbank (Sparekassen Thy, Middelfart Sparekasse): no header;
		// a first column of its own, then date;text;amount;balance.
		id: "portalbank", bank: "Portalbank bank (Sparekassen Thy and others)", minCells: 5,
		delim: ';', dateLayout: dateDMYDash,
		date: 1, valueDate: -1, text: []int{2}, amount: 3, balance: 4, currency: -1, bankID: -1, payer: -1,
	},
}

func profileByID(id string) *profile {
	for _, p := range profiles {
		if p.id == id {
			return p
		}
	}
	return nil
}

// profileIDs lists the profiles for messages and the tool's schema.
func profileIDs() []string {
	out := make([]string, len(profiles))
	for i, p := range profiles {
		out[i] = p.id
	}
	return out
}

// cell is field i trimmed, or "" past the row's end.
func cell(f []string, i int) string {
	if i < 0 || i >= len(f) {
		return ""
	}
	return strings.TrimSpace(f[i])
}

// matchesHeader says whether a header row is p's signature: the same
// names in the same order, exactly (a trailing delimiter's empty cell
// aside). Nothing looser: guessing a bank by a substring is how a Lunar
// file once parsed as Nordea (§ 1.2).
func (p *profile) matchesHeader(fields []string) bool {
	if p.header == nil {
		return false
	}
	got := trimTrailingEmpty(fields)
	want := p.header
	if len(got) != len(want) {
		if !(p.optionalLast && len(got) == len(want)-1) {
			return false
		}
		want = want[:len(want)-1]
	}
	for i := range want {
		if normHeader(got[i]) != want[i] {
			return false
		}
	}
	return true
}

// matchesShape says whether a header-less first row has p's shape: the
// cell count and a date where p keeps it.
func (p *profile) matchesShape(fields []string) bool {
	if p.header != nil || len(trimTrailingEmpty(fields)) != p.minCells {
		return false
	}
	if _, err := parseDate(cell(fields, p.date), p.dateLayout); err != nil {
		return false
	}
	_, err := parseAmount(cell(fields, p.amount), decimalComma)
	return err == nil
}

// detectProfile finds the profile of a file's first record: by header
// signature, else by a header-less shape.
func detectProfile(first []string) *profile {
	for _, p := range profiles {
		if p.matchesHeader(first) {
			return p
		}
	}
	for _, p := range profiles {
		if p.matchesShape(first) {
			return p
		}
	}
	return nil
}
