package economic

import "encoding/json"

// Demo returns the seeded agreement of "Kaffe & Kode ApS", a small Danish
// company selling consulting hours and coffee: four customers (one a
// person without CVR, one German), two suppliers, three products in two
// groups, a chart of accounts in e-conomic's style, its VAT codes (one of
// them the company's own, KM10, which no Billy tax rate matches), the
// accounting years 2024 and 2025 (closed) and 2026 (open), and two open
// invoices whose remainders add up to the receivables account's balance
// at the end of 2025 (31,250.00).
//
// The 2025 totals balance to the øre: the result accounts come to a
// profit of 66,800.00 and the balance sheet to the same on the debit
// side. Each call returns a fresh copy for a test to change.
func Demo() *Agreement {
	n := func(s string) json.Number { return json.Number(s) }
	return &Agreement{
		AgreementNumber: 123456,
		Company:         Company{Name: "Kaffe & Kode ApS", CompanyIdentificationNumber: "29876543", VATNumber: "DK29876543", AddressLine1: "Jægergårdsgade 42", Zip: "8000", City: "Aarhus C"},
		Customers: []Customer{
			{CustomerNumber: 101, Name: "Nordlys Café ApS", Address: "Vesterbrogade 10", Zip: "1620", City: "København V", Country: "Danmark",
				CorporateIdentificationNumber: "31415926", Email: "bogholderi@nordlys.example", TelephoneAndFaxNumber: "33 12 34 56", Currency: "DKK", Balance: n("12500.00"),
				CustomerGroup: 1, PaymentTerms: 1, VATZone: 1},
			{CustomerNumber: 102, Name: "Hansen Tømrer & Snedker", Address: "Søndergade 5", Zip: "8000", City: "Aarhus C", Country: "Danmark",
				CorporateIdentificationNumber: "27182818", EAN: "5790001234567", Currency: "DKK", Balance: n("18750.00"), CustomerGroup: 1, PaymentTerms: 2, VATZone: 1},
			{CustomerNumber: 103, Name: "Berlin Design GmbH", Address: "Torstraße 1", Zip: "10119", City: "Berlin", Country: "Tyskland",
				CorporateIdentificationNumber: "DE123456789", Currency: "DKK", Balance: n("0.00"), CustomerGroup: 2, PaymentTerms: 1, VATZone: 2},
			{CustomerNumber: 104, Name: "Mette Jensen", Address: "Algade 3", Zip: "4000", City: "Roskilde", Country: "Danmark",
				MobilePhone: "20 30 40 50", Currency: "DKK", Balance: n("0.00"), CustomerGroup: 1, PaymentTerms: 3, VATZone: 1},
		},
		Suppliers: []Supplier{
			{SupplierNumber: 201, Name: "Kontorland A/S", Address: "Industrivej 7", Zip: "7100", City: "Vejle", Country: "Danmark",
				CorporateIdentificationNumber: "16180339", Currency: "DKK", SupplierGroup: 1, PaymentTerms: 1, VATZone: 1},
			{SupplierNumber: 202, Name: "Ejendomsselskabet Havnen ApS", Address: "Havnegade 2", Zip: "8000", City: "Aarhus C", Country: "Danmark",
				CorporateIdentificationNumber: "14142135", Currency: "DKK", SupplierGroup: 1, PaymentTerms: 2, VATZone: 1},
		},
		CustomerGroups: []Group{{Number: 1, Name: "Danske kunder", Account: 5600}, {Number: 2, Name: "Udenlandske kunder", Account: 5600}},
		SupplierGroups: []Group{{Number: 1, Name: "Leverandører", Account: 6810}},
		ProductGroups: []ProductGroup{
			{ProductGroupNumber: 1, Name: "Ydelser", SalesAccounts: map[int]int{1: 1010, 2: 1020}},
			{ProductGroupNumber: 2, Name: "Varer", SalesAccounts: map[int]int{1: 1010}},
		},
		Products: []Product{
			{ProductNumber: "K-100", Name: "Konsulenttime", SalesPrice: n("950.00"), CostPrice: n("0.00"), ProductGroup: 1, Unit: "timer"},
			{ProductNumber: "K-200", Name: "Workshop, halv dag", Description: "Op til 12 deltagere", SalesPrice: n("7500.00"), ProductGroup: 1},
			{ProductNumber: "V-10", Name: "Kaffebønner 1 kg", SalesPrice: n("189.95"), CostPrice: n("92.00"), ProductGroup: 2, Unit: "stk."},
		},
		PaymentTerms: []PaymentTerms{
			{PaymentTermsNumber: 1, DaysOfCredit: 8, Name: "Netto 8 dage", PaymentTermsType: "net"},
			{PaymentTermsNumber: 2, DaysOfCredit: 30, Name: "Løbende måned + 30 dage", PaymentTermsType: "invoiceMonth"},
			{PaymentTermsNumber: 3, DaysOfCredit: 0, Name: "Kontant", PaymentTermsType: "paidInCash"},
		},
		Accounts: []Account{
			{AccountNumber: 1000, AccountType: "heading", Name: "RESULTATOPGØRELSE", DebitCredit: "debit", Balance: n("0.00")},
			{AccountNumber: 1010, AccountType: "profitAndLoss", Name: "Salg af varer og ydelser m/moms", DebitCredit: "credit", Balance: n("-188000.00"), VATCode: "U25"},
			{AccountNumber: 1020, AccountType: "profitAndLoss", Name: "Salg af ydelser til EU", DebitCredit: "credit", Balance: n("-12000.00"), VATCode: "UEUY"},
			{AccountNumber: 1310, AccountType: "profitAndLoss", Name: "Varekøb m/moms", DebitCredit: "debit", Balance: n("80000.00"), VATCode: "I25"},
			{AccountNumber: 2210, AccountType: "profitAndLoss", Name: "Husleje", DebitCredit: "debit", Balance: n("48000.00")},
			{AccountNumber: 2750, AccountType: "profitAndLoss", Name: "Kontorartikler", DebitCredit: "debit", Balance: n("4000.00"), VATCode: "I25"},
			{AccountNumber: 3610, AccountType: "profitAndLoss", Name: "Bankgebyrer", DebitCredit: "debit", Balance: n("1200.00")},
			{AccountNumber: 3700, AccountType: "status", Name: "Mellemregning med ejer", DebitCredit: "credit", Balance: n("0.00")},
			{AccountNumber: 3999, AccountType: "totalFrom", Name: "ÅRETS RESULTAT", DebitCredit: "credit", Balance: n("-66800.00"), TotalFromAccount: 1000},
			{AccountNumber: 5000, AccountType: "heading", Name: "BALANCE", DebitCredit: "debit", Balance: n("0.00")},
			{AccountNumber: 5600, AccountType: "status", Name: "Debitorer", DebitCredit: "debit", Balance: n("31250.00")},
			{AccountNumber: 5810, AccountType: "status", Name: "Bankkonto", DebitCredit: "debit", Balance: n("84300.00")},
			{AccountNumber: 6810, AccountType: "status", Name: "Kreditorer", DebitCredit: "credit", Balance: n("-9375.00")},
			{AccountNumber: 7210, AccountType: "status", Name: "Salgsmoms", DebitCredit: "credit", Balance: n("-15000.00")},
			{AccountNumber: 7220, AccountType: "status", Name: "Købsmoms", DebitCredit: "debit", Balance: n("3200.00")},
			{AccountNumber: 8010, AccountType: "status", Name: "Egenkapital", DebitCredit: "credit", Balance: n("-94375.00")},
			{AccountNumber: 8100, AccountType: "status", Name: "Privat hævet", DebitCredit: "debit", Balance: n("0.00")},
			{AccountNumber: 8999, AccountType: "totalFrom", Name: "BALANCE I ALT", DebitCredit: "debit", Balance: n("0.00"), TotalFromAccount: 5000},
		},
		VATAccounts: []VATAccount{
			{VATCode: "I25", Name: "Købsmoms 25%", RatePercentage: n("25"), Account: 7220, VATType: "purchaseVat"},
			{VATCode: "IEUV", Name: "Køb af varer i EU", RatePercentage: n("25"), Account: 7220, ContraAccount: 7210, VATType: "purchaseVat"},
			{VATCode: "KM10", Name: "Købsmoms, egen kode", RatePercentage: n("10"), Account: 7220, VATType: "purchaseVat"},
			{VATCode: "OBPK", Name: "Omvendt betalingspligt, køb", RatePercentage: n("25"), Account: 7220, ContraAccount: 7210, VATType: "purchaseVat"},
			{VATCode: "REP", Name: "Repræsentation, 25 % fradrag", RatePercentage: n("25"), Account: 7220, VATType: "purchaseVat"},
			{VATCode: "U25", Name: "Salgsmoms 25%", RatePercentage: n("25"), Account: 7210, VATType: "salesVat"},
			{VATCode: "UEUY", Name: "Salg af ydelser til EU", RatePercentage: n("0"), VATType: "salesVat"},
		},
		AccountingYears: []AccountingYear{
			{Year: "2024", FromDate: "2024-01-01", ToDate: "2024-12-31", Closed: true, Totals: map[int]json.Number{
				1010: n("-90000.00"), 2210: n("48000.00"), 3610: n("1000.00"), 5810: n("68000.00"), 7210: n("-5000.00"), 8010: n("-22000.00")}},
			{Year: "2025", FromDate: "2025-01-01", ToDate: "2025-12-31", Closed: true, Totals: map[int]json.Number{
				1010: n("-188000.00"), 1020: n("-12000.00"), 1310: n("80000.00"), 2210: n("48000.00"), 2750: n("4000.00"), 3610: n("1200.00"),
				5600: n("31250.00"), 5810: n("84300.00"), 6810: n("-9375.00"), 7210: n("-15000.00"), 7220: n("3200.00"), 8010: n("-27575.00")}},
			{Year: "2026", FromDate: "2026-01-01", ToDate: "2026-12-31", Closed: false, Totals: map[int]json.Number{
				5600: n("31250.00"), 5810: n("84300.00"), 6810: n("-9375.00"), 7210: n("-15000.00"), 7220: n("3200.00"), 8010: n("-94375.00")}},
		},
		Invoices: []BookedInvoice{
			{BookedInvoiceNumber: 1001, Date: "2025-10-15", DueDate: "2025-10-23", Currency: "DKK", ExchangeRate: n("100"), NetAmount: n("10000.00"), VATAmount: n("2500.00"),
				GrossAmount: n("12500.00"), GrossAmountInBaseCurrency: n("12500.00"), Remainder: n("0.00"), RemainderInBaseCurrency: n("0.00"), Customer: 101, PaymentTerms: 1},
			{BookedInvoiceNumber: 1002, Date: "2025-11-28", DueDate: "2025-12-31", Currency: "DKK", ExchangeRate: n("100"), NetAmount: n("15000.00"), VATAmount: n("3750.00"),
				GrossAmount: n("18750.00"), GrossAmountInBaseCurrency: n("18750.00"), Remainder: n("18750.00"), RemainderInBaseCurrency: n("18750.00"), Customer: 102, PaymentTerms: 2},
			{BookedInvoiceNumber: 1003, Date: "2025-12-15", DueDate: "2025-12-23", Currency: "DKK", ExchangeRate: n("100"), NetAmount: n("10000.00"), VATAmount: n("2500.00"),
				GrossAmount: n("12500.00"), GrossAmountInBaseCurrency: n("12500.00"), Remainder: n("12500.00"), RemainderInBaseCurrency: n("12500.00"), Customer: 101, PaymentTerms: 1},
			{BookedInvoiceNumber: 1004, Date: "2025-12-19", DueDate: "2025-12-27", Currency: "DKK", ExchangeRate: n("100"), NetAmount: n("6000.00"), VATAmount: n("0.00"),
				GrossAmount: n("6000.00"), GrossAmountInBaseCurrency: n("6000.00"), Remainder: n("0.00"), RemainderInBaseCurrency: n("0.00"), Customer: 103, PaymentTerms: 1},
		},
	}
}
