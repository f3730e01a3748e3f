package integrations

import (
	"errors"
	"os"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/shopspring/decimal"
)

const danskeHeader = "\"Dato\";\"Kategori\";\"Underkategori\";\"Tekst\";\"Beløb\";\"Saldo\";\"Status\";\"Afstemt\"\n"

func danskeRow(date, text, amount string) string {
	return "\"" + date + "\";\"\";\"\";\"" + text + "\";\"" + amount + "\";\"\";\"Udført\";\"Nej\"\n"
}

// TestRefusals: a bad file is refused whole, with the line and the reason.
func TestRefusals(t *testing.T) {
	camt, err := os.ReadFile("testdata/bank/camt053.xml")
	if err != nil {
		t.Fatal(err)
	}
	good := danskeHeader + danskeRow("01.11.2026", "ok", "10,00")
	for _, tc := range []struct {
		name   string
		in     []byte
		opt    parseOptions
		line   int
		reason string
	}{
		{"empty", nil, parseOptions{}, 0, "empty"},
		{"xlsx", []byte("PK\x03\x04rest"), parseOptions{}, 1, "binary"},
		{"utf-16", []byte("D\x00a\x00t\x00o\x00"), parseOptions{}, 1, "binary"},
		{"undefined in 1252", []byte(good + danskeRow("02.11.2026", "x\x81y", "1,00")), parseOptions{}, 3, "encoding"},
		{"bom then not utf-8", append([]byte{0xEF, 0xBB, 0xBF}, []byte(good+"\"03.11.2026\";\"\xe6\"\n")...), parseOptions{}, 3, "encoding"},
		{"truncated quote", []byte(good + "\"02.11.2026\";\"\";\"\";\"never closes;1,00\n"), parseOptions{}, 3, "truncated"},
		{"impossible date", []byte(good + danskeRow("31.09.2026", "x", "1,00")), parseOptions{}, 3, "date"},
		{"29 February common year", []byte(good + danskeRow("29.02.2027", "x", "1,00")), parseOptions{}, 3, "date"},
		{"irregular groups", []byte(good + danskeRow("02.11.2026", "x", "12.34,00")), parseOptions{}, 3, "amount"},
		{"foreign notation", []byte(good + danskeRow("02.11.2026", "x", "1,234.00")), parseOptions{}, 3, "amount"},
		{"empty amount", []byte(good + danskeRow("02.11.2026", "x", "")), parseOptions{}, 3, "amount"},
		{"too many cells", []byte(good + "\"02.11.2026\";\"\";\"\";\"x\";\"1,00\";\"\";\"Udført\";\"Nej\";\"extra\"\n"), parseOptions{}, 3, "columns"},
		{"unknown header", []byte("Foo;Bar\n1;2\n"), parseOptions{}, 1, "unknown_format"},
		{"wrong profile", []byte(good), parseOptions{profile: "nordea"}, 1, "header"},
		{"no such profile", []byte(good), parseOptions{profile: "spar_nord"}, 0, "profile"},
		{"camt.054", []byte(strings.Replace(string(camt), "camt.053.001.02", "camt.054.001.02", 1)), parseOptions{}, 2, "namespace"},
		{"camt without namespace", []byte(strings.Replace(string(camt), ` xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.02"`, "", 1)), parseOptions{}, 2, "namespace"},
		{"camt truncated", camt[:len(camt)/2], parseOptions{}, 0, "truncated"},
		{"camt balance off", []byte(strings.Replace(string(camt), "21860.00", "21870.00", 1)), parseOptions{}, 0, "balance"},
		{"camt bad indicator", []byte(strings.Replace(string(camt), "<CdtDbtInd>DBIT</CdtDbtInd><Sts>BOOK", "<CdtDbtInd>DEBIT</CdtDbtInd><Sts>BOOK", 1)), parseOptions{}, 3, "amount"},
		{"camt signed amount", []byte(strings.Replace(string(camt), ">9000.00<", ">-9000.00<", 1)), parseOptions{}, 2, "amount"},
		{"not camt at all", []byte("<?xml version=\"1.0\"?><Invoice xmlns=\"urn:oasis:names:specification:ubl:schema:xsd:Invoice-2\"/>"), parseOptions{}, 1, "namespace"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			st, err := parseStatement(tc.in, tc.opt)
			var fe *fileError
			if !errors.As(err, &fe) {
				t.Fatalf("got %v, %v; want a refusal", st, err)
			}
			if fe.Reason != tc.reason || (tc.line != 0 && fe.Line != tc.line) {
				t.Errorf("refusal = line %d %s (%s), want line %d %s", fe.Line, fe.Reason, fe.Message, tc.line, tc.reason)
			}
			if fe.Message == "" {
				t.Error("the refusal says nothing")
			}
		})
	}
}

func TestParseAmount(t *testing.T) {
	for _, tc := range []struct {
		in, mark, want string
	}{
		{"1.234,56", decimalComma, "1234.56"},
		{"-1.234,56", decimalComma, "-1234.56"},
		{"\u22121.234,56", decimalComma, "-1234.56"},
		{" 12.500,00", decimalComma, "12500"},
		{"250-", decimalComma, "-250"},
		{"12 345,00", decimalComma, "12345"},
		{"12\u00a0345,00", decimalComma, "12345"},
		{"1\u202f234\u202f567,5", decimalComma, "1234567.5"},
		{"7000,00", decimalComma, "7000"},
		{"30116,010000", decimalComma, "30116.01"},
		{"+5", decimalComma, "5"},
		{"1.234", decimalComma, "1234"},
		{"-12.50", decimalDot, "-12.5"},
		{"1 234.56", decimalDot, "1234.56"},
	} {
		got, err := parseAmount(tc.in, tc.mark)
		if err != nil || !got.Equal(decimal.RequireFromString(tc.want)) {
			t.Errorf("parseAmount(%q, %s) = %v, %v; want %s", tc.in, tc.mark, got, err, tc.want)
		}
	}
	for _, bad := range []struct{ in, mark string }{
		{"12.34,00", decimalComma}, {"1,234.00", decimalComma}, {"1.23.456,00", decimalComma}, {"1.234 567,00", decimalComma},
		{"1,2345678", decimalComma}, {"abc", decimalComma}, {",50", decimalComma}, {"1,", decimalComma}, {"--1", decimalComma},
		{"12,50", decimalDot}, {"99999999999999,00", decimalComma}, {"", decimalComma},
	} {
		if got, err := parseAmount(bad.in, bad.mark); err == nil {
			t.Errorf("parseAmount(%q, %s) = %v, want an error", bad.in, bad.mark, got)
		}
	}
}

func TestSniff(t *testing.T) {
	if got := sniffDecimalMark([]string{"-12.50", " 3.00", ""}); got != decimalDot {
		t.Errorf("Nykredit's converted amounts: %s, want dot", got)
	}
	if got := sniffDecimalMark([]string{"1.234", "-5.000"}); got != decimalComma {
		t.Errorf("thousands without decimals: %s, want comma", got)
	}
	if got := sniffDecimalMark([]string{"12,50", "1.25"}); got != decimalComma {
		t.Errorf("a comma anywhere: %s, want comma", got)
	}
	for in, want := range map[string]rune{"a;b;c": ';', "a,b,c": ',', "a\tb\tc": '\t', `"a,b";c`: ';', "a;b,c": ';'} {
		if got := sniffDelimiter(in); got != want {
			t.Errorf("sniffDelimiter(%q) = %q, want %q", in, got, want)
		}
	}
}

// TestDotDecimalFile: Nykredit's converting preset writes 1234.56.
func TestDotDecimalFile(t *testing.T) {
	b, err := os.ReadFile("testdata/bank/nykredit.csv")
	if err != nil {
		t.Fatal(err)
	}
	s := strings.NewReplacer(" 2.400,00", " 2400.00", " 32.400,00", " 32400.00", "-12,50", "-12.50", " 32.387,50", " 32387.50", "\"2.400,00\"", "2400.00").Replace(string(b))
	s = strings.ReplaceAll(s, ";2.400,00;", ";2400.00;")
	s = strings.ReplaceAll(s, ";12,50;", ";12.50;")
	st, err := parseStatement([]byte(s), parseOptions{})
	if err != nil {
		t.Fatal(err)
	}
	got := []string{st.Decimal, st.Lines[0].Amount, st.Lines[1].Amount}
	if diff := cmp.Diff([]string{decimalDot, "2400.00", "-12.50"}, got); diff != "" {
		t.Error(diff)
	}
}

func TestGenericMapping(t *testing.T) {
	in := "Bogført,Ind,Ud,Besked,Ref\n2026-11-02,\"1.000,00\",,Faktura 12,R1\n2026-11-03,,\"50,00\",Gebyr,\n"
	st, err := parseStatement([]byte(in), parseOptions{mapping: &Mapping{Date: "bogført", Credit: "Ind", Debit: "3", Text: "Besked", Reference: "Ref", DateFormat: "YYYY-MM-DD"}})
	if err != nil {
		t.Fatal(err)
	}
	var got [][2]string
	for _, l := range st.Lines {
		got = append(got, [2]string{l.Amount, l.Reference})
	}
	if diff := cmp.Diff([][2]string{{"1000.00", "R1"}, {"-50.00", ""}}, got); diff != "" {
		t.Error(diff)
	}
	for name, m := range map[string]*Mapping{
		"unknown column":    {Date: "Dato", Amount: "Ind"},
		"column past end":   {Date: "9", Amount: "2"},
		"no amount":         {Date: "1"},
		"bad date format":   {Date: "1", Amount: "2", DateFormat: "MM/DD/YYYY"},
		"wrong date form":   {Date: "1", Amount: "2"},
		"both debit/credit": {Date: "1", Debit: "2", Credit: "2", DateFormat: "YYYY-MM-DD"},
	} {
		if _, err := parseStatement([]byte(in), parseOptions{mapping: m}); err == nil {
			t.Errorf("%s: mapping %+v was accepted", name, m)
		}
	}
}

// TestDedupKeys: identical rows without a bank ID stay two lines (two
// coffees on one day), with different keys, and the same rows in another
// export get the same keys.
func TestDedupKeys(t *testing.T) {
	in := "Dato;Tekst;Beløb;Hovedkategori;Kategori\n01.11.2026;Kaffe;-35,00;Mad;Café\n01.11.2026;Kaffe;-35,00;Mad;Café\n"
	a, err := parseStatement([]byte(in), parseOptions{})
	if err != nil {
		t.Fatal(err)
	}
	b, err := parseStatement([]byte(in+"02.11.2026;Kage;-20,00;Mad;Café\n"), parseOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if len(a.Lines) != 2 || a.Lines[0].Key == a.Lines[1].Key {
		t.Fatalf("two identical purchases: %+v", a.Lines)
	}
	if a.Lines[0].Key != b.Lines[0].Key || a.Lines[1].Key != b.Lines[1].Key {
		t.Errorf("the overlapping export's keys differ: %s %s vs %s %s", a.Lines[0].Key, a.Lines[1].Key, b.Lines[0].Key, b.Lines[1].Key)
	}
}

func TestBalanceChain(t *testing.T) {
	ok := danskeHeader + "\"01.11.2026\";\"\";\"\";\"a\";\"10,00\";\"110,00\";\"Udført\";\"Nej\"\n\"02.11.2026\";\"\";\"\";\"b\";\"-5,00\";\"105,00\";\"Udført\";\"Nej\"\n"
	newestFirst := danskeHeader + "\"02.11.2026\";\"\";\"\";\"b\";\"-5,00\";\"105,00\";\"Udført\";\"Nej\"\n\"01.11.2026\";\"\";\"\";\"a\";\"10,00\";\"110,00\";\"Udført\";\"Nej\"\n"
	gap := danskeHeader + "\"01.11.2026\";\"\";\"\";\"a\";\"10,00\";\"110,00\";\"Udført\";\"Nej\"\n\"03.11.2026\";\"\";\"\";\"c\";\"-5,00\";\"95,00\";\"Udført\";\"Nej\"\n"
	for in, warn := range map[string]bool{ok: false, newestFirst: false, gap: true} {
		st, err := parseStatement([]byte(in), parseOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if got := len(st.Warnings) > 0; got != warn {
			t.Errorf("warnings %v, want a warning: %v\n%s", st.Warnings, warn, in)
		}
	}
}
