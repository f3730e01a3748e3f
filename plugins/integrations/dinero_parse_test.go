package integrations

import (
	"archive/zip"
	"bytes"
	"encoding/json"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// readDineroDir reads a testdata export folder as the parser takes it.
func readDineroDir(t testing.TB, dir string) map[string][]byte {
	t.Helper()
	files := map[string][]byte{}
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		b, err := os.ReadFile(p)
		files[filepath.ToSlash(rel)] = b
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return files
}

func zipOf(t testing.TB, prefix string, files map[string][]byte) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for name, b := range files {
		w, err := zw.Create(prefix + name)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := w.Write(b); err != nil {
			t.Fatal(err)
		}
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// TestDineroParseGolden: the synthetic export (built from the reference's
// headers: a BOM, CRLF lines, six-place decimals, Momstype as code with
// label, bare code and bare label) reads to the golden, from the folder
// and from a zip of it under a top directory.
func TestDineroParseGolden(t *testing.T) {
	files := readDineroDir(t, "testdata/dinero/basic")
	x, err := parseDineroExport(files)
	if err != nil {
		t.Fatal(err)
	}
	got, err := json.MarshalIndent(x, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	golden := "testdata/dinero/basic.golden.json"
	if *update {
		if err := os.WriteFile(golden, append(got, '\n'), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatal(err)
	}
	if d := cmp.Diff(strings.TrimSpace(string(want)), string(got)); d != "" {
		t.Errorf("parse differs from %s (-want +got):\n%s", golden, d)
	}

	unz, err := readDineroZip(zipOf(t, "Dinero-eksport/", files), 1<<20)
	if err != nil {
		t.Fatal(err)
	}
	x2, err := parseDineroExport(unz)
	if err != nil {
		t.Fatal(err)
	}
	if d := cmp.Diff(x.Company, x2.Company); d != "" {
		t.Errorf("zip: company differs:\n%s", d)
	}
	if len(x2.Years) != 2 || len(x2.Years[1].Postings) != len(x.Years[1].Postings) || len(x2.Contacts) != 3 || len(x2.Products) != 2 {
		t.Errorf("zip: read %d years, %d contacts, %d products", len(x2.Years), len(x2.Contacts), len(x2.Products))
	}
}

// TestDineroRefusals: a bad file refuses the whole export, naming file,
// line and reason.
func TestDineroRefusals(t *testing.T) {
	base := readDineroDir(t, "testdata/dinero/basic")
	with := func(name, content string) map[string][]byte {
		m := map[string][]byte{}
		for k, v := range base {
			m[k] = v
		}
		if content == "" {
			delete(m, name)
		} else {
			m[name] = []byte(content)
		}
		return m
	}
	const kp = "Nummer;Navn;Type;Momstype;Total\n"
	const pb = "Konto;Kontonavn;Dato;Bilag;Bilagstype;Tekst;Momstype;Beløb;Saldo\n"
	tests := []struct {
		name  string
		files map[string][]byte
		want  dineroError
	}{
		{"no company", with("Firmaoplysninger.csv", ""), dineroError{Reason: "missing_file"}},
		{"company two rows", with("Firmaoplysninger.csv", "Firmanavn;CvrNr\nA;12345678\nB;12345678\n"), dineroError{File: "Firmaoplysninger.csv", Reason: "rows"}},
		{"company bad cvr", with("Firmaoplysninger.csv", "Firmanavn;CvrNr\nA;1234\n"), dineroError{File: "Firmaoplysninger.csv", Line: 2, Reason: "cvr"}},
		{"windows-1252", with("Kontakter.csv", "Kontaktnavn;CVR-nummer;Kontakttype\nLeverand\xf8r;;Leverand\xf8r\n"), dineroError{File: "Kontakter.csv", Line: 2, Reason: "encoding"}},
		{"cells", with("2025/Kontoplan.csv", kp+"1000;Salg;Indtægt;U25\n"), dineroError{File: "2025/Kontoplan.csv", Line: 2, Reason: "cells"}},
		{"header", with("2025/SaldoBalance.csv", "Konto;Navn;Saldo\n1000;Salg;1,00\n"), dineroError{File: "2025/SaldoBalance.csv", Line: 1, Reason: "header"}},
		{"amount dot", with("2025/SaldoBalance.csv", "Konto;Kontonavn;Beløb\n1000;Salg;1500.00\n"), dineroError{File: "2025/SaldoBalance.csv", Line: 2, Reason: "amount"}},
		{"seven decimals", with("2025/SaldoBalance.csv", "Konto;Kontonavn;Beløb\n1000;Salg;1,0000001\n"), dineroError{File: "2025/SaldoBalance.csv", Line: 2, Reason: "amount"}},
		{"date", with("2025/Posteringer.csv", pb+"1000;Salg;01-03-2025;1;;x;;1,00;1,00\n"), dineroError{File: "2025/Posteringer.csv", Line: 2, Reason: "date"}},
		{"wrong year", with("2025/Posteringer.csv", pb+"1000;Salg;2024-03-01;1;;x;;1,00;1,00\n"), dineroError{File: "2025/Posteringer.csv", Line: 2, Reason: "wrong_year"}},
		{"unknown account", with("2025/Posteringer.csv", pb+"\n4242;X;2025-03-01;1;;x;;1,00;1,00\n"), dineroError{File: "2025/Posteringer.csv", Line: 3, Reason: "unknown_account"}},
		{"account number", with("2025/Kontoplan.csv", kp+"abc;Salg;Indtægt;;\n"), dineroError{File: "2025/Kontoplan.csv", Line: 2, Reason: "account_number"}},
		{"duplicate account", with("2025/Kontoplan.csv", kp+"1000;Salg;Indtægt;;\n1000;Salg;Indtægt;;\n"), dineroError{File: "2025/Kontoplan.csv", Line: 3, Reason: "duplicate_account"}},
		{"no chart", with("2025/Kontoplan.csv", ""), dineroError{File: "2025/Kontoplan.csv", Reason: "missing_file"}},
		{"not in year dir", with("Kontoplan.csv", kp+"1000;Salg;Indtægt;;\n"), dineroError{File: "Kontoplan.csv", Reason: "no_year"}},
		{"duplicate product", with("Produkter.csv", "Varenummer;Navn\nP-1;A\nP-1;B\n"), dineroError{File: "Produkter.csv", Line: 3, Reason: "duplicate_product"}},
		{"product header", with("Produkter.csv", "Sku;Title\nP-1;A\n"), dineroError{File: "Produkter.csv", Line: 1, Reason: "header"}},
		{"empty contact", with("Kontakter.csv", "Kontaktnavn;CVR-nummer;Kontakttype\n;12345678;Kunde\n"), dineroError{File: "Kontakter.csv", Line: 2, Reason: "empty_name"}},
		{"empty file", with("2025/SaldoBalance.csv", "\n\n"), dineroError{File: "2025/SaldoBalance.csv", Reason: "empty"}},
		{"nul", with("2025/SaldoBalance.csv", "Konto;Kontonavn;Beløb\n\x00\n"), dineroError{File: "2025/SaldoBalance.csv", Reason: "binary"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := parseDineroExport(tt.files)
			var de *dineroError
			if !errors.As(err, &de) {
				t.Fatalf("got %v, want a refusal", err)
			}
			got := dineroError{File: de.File, Line: de.Line, Reason: de.Reason}
			if d := cmp.Diff(tt.want, got); d != "" {
				t.Errorf("refusal differs (-want +got):\n%s\n(message %q)", d, de.Message)
			}
			if de.Message == "" || (de.File != "" && !strings.Contains(de.Error(), de.File)) {
				t.Errorf("the message %q does not say what is wrong where", de.Error())
			}
		})
	}
}

func TestDineroZipRefusals(t *testing.T) {
	if _, err := readDineroZip([]byte("Konto;Beløb\n"), 1<<20); err == nil || err.(*dineroError).Reason != "not_zip" {
		t.Errorf("a CSV as zip: %v", err)
	}
	big := zipOf(t, "", map[string][]byte{"Firmaoplysninger.csv": bytes.Repeat([]byte("a"), 4096)})
	if _, err := readDineroZip(big, 1024); err == nil || err.(*dineroError).Reason != "too_large" {
		t.Errorf("a zip unpacking past the limit: %v", err)
	}
}

// FuzzParseDinero: any bytes as any of the export's files are read or
// refused as a dineroError, never a panic; what is read is of the year
// it says, in accounts of its chart.
func FuzzParseDinero(f *testing.F) {
	base := readDineroDir(f, "testdata/dinero/basic")
	names := []string{"Firmaoplysninger.csv", "2025/Kontoplan.csv", "2025/Posteringer.csv", "2025/SaldoBalance.csv", "Kontakter.csv", "Produkter.csv"}
	for i, n := range names {
		f.Add(uint8(i), base[n])
	}
	f.Fuzz(func(t *testing.T, which uint8, b []byte) {
		m := map[string][]byte{}
		for k, v := range base {
			m[k] = v
		}
		m[names[int(which)%len(names)]] = b
		x, err := parseDineroExport(m)
		if err != nil {
			if _, ok := err.(*dineroError); !ok {
				t.Fatalf("an error that is not a refusal: %T %v", err, err)
			}
			return
		}
		for _, y := range x.Years {
			chart := map[int]bool{}
			for _, a := range y.Accounts {
				chart[a.No] = true
			}
			for _, p := range y.Postings {
				if !chart[p.Account] || p.Amount.Exponent() < -6 {
					t.Fatalf("posting line %d: account %d, amount %s", p.Line, p.Account, p.Amount)
				}
			}
		}
	})
}
