package economic

import "encoding/json"

// Amounts are JSON numbers, as e-conomic sends them; json.Number keeps
// them exact (a float64 would not).

// Ref is a reference to another resource: its number under the resource's
// own key, and its self link (filled in when served).
type Ref map[string]any

// Company is the agreement's company, as /self shows it.
type Company struct {
	Name                        string `json:"name"`
	CompanyIdentificationNumber string `json:"companyIdentificationNumber,omitempty"`
	VATNumber                   string `json:"vatNumber,omitempty"`
	AddressLine1                string `json:"addressLine1,omitempty"`
	Zip                         string `json:"zip,omitempty"`
	City                        string `json:"city,omitempty"`
}

// Customer is a row of /customers.
type Customer struct {
	CustomerNumber                int         `json:"customerNumber"`
	Name                          string      `json:"name"`
	Address                       string      `json:"address,omitempty"`
	Zip                           string      `json:"zip,omitempty"`
	City                          string      `json:"city,omitempty"`
	Country                       string      `json:"country,omitempty"`
	CorporateIdentificationNumber string      `json:"corporateIdentificationNumber,omitempty"`
	EAN                           string      `json:"ean,omitempty"`
	Email                         string      `json:"email,omitempty"`
	TelephoneAndFaxNumber         string      `json:"telephoneAndFaxNumber,omitempty"`
	MobilePhone                   string      `json:"mobilePhone,omitempty"`
	Currency                      string      `json:"currency"`
	Balance                       json.Number `json:"balance"`
	Barred                        bool        `json:"barred"`
	CustomerGroup                 int         `json:"-"`
	PaymentTerms                  int         `json:"-"`
	VATZone                       int         `json:"-"`
}

// Supplier is a row of /suppliers.
type Supplier struct {
	SupplierNumber                int    `json:"supplierNumber"`
	Name                          string `json:"name"`
	Address                       string `json:"address,omitempty"`
	Zip                           string `json:"zip,omitempty"`
	City                          string `json:"city,omitempty"`
	Country                       string `json:"country,omitempty"`
	CorporateIdentificationNumber string `json:"corporateIdentificationNumber,omitempty"`
	Email                         string `json:"email,omitempty"`
	Phone                         string `json:"phone,omitempty"`
	Currency                      string `json:"currency"`
	Barred                        bool   `json:"barred"`
	SupplierGroup                 int    `json:"-"`
	PaymentTerms                  int    `json:"-"`
	VATZone                       int    `json:"-"`
}

// Group is a customer or supplier group with its control account.
type Group struct {
	Number  int
	Name    string
	Account int
}

// ProductGroup is a row of /product-groups; SalesAccounts maps a VAT zone
// number to the group's sales account in it.
type ProductGroup struct {
	ProductGroupNumber int         `json:"productGroupNumber"`
	Name               string      `json:"name"`
	SalesAccounts      map[int]int `json:"-"`
}

// Product is a row of /products.
type Product struct {
	ProductNumber    string      `json:"productNumber"`
	Name             string      `json:"name"`
	Description      string      `json:"description,omitempty"`
	SalesPrice       json.Number `json:"salesPrice"`
	CostPrice        json.Number `json:"costPrice,omitempty"`
	RecommendedPrice json.Number `json:"recommendedPrice,omitempty"`
	BarCode          string      `json:"barCode,omitempty"`
	Barred           bool        `json:"barred"`
	ProductGroup     int         `json:"-"`
	Unit             string      `json:"-"`
}

// PaymentTerms is a row of /payment-terms. PaymentTermsType is net,
// invoiceMonth, paidInCash, prepaid, dueDate, factoring,
// invoiceWeekStartingSunday, invoiceWeekStartingMonday or creditcard.
type PaymentTerms struct {
	PaymentTermsNumber int    `json:"paymentTermsNumber"`
	DaysOfCredit       int    `json:"daysOfCredit"`
	Name               string `json:"name"`
	PaymentTermsType   string `json:"paymentTermsType"`
}

// Account is a row of /accounts. AccountType is heading, headingStart,
// profitAndLoss, status, totalFrom, sumInterval or sumAlpha; DebitCredit
// is the side the account normally has its balance on.
type Account struct {
	AccountNumber      int         `json:"accountNumber"`
	AccountType        string      `json:"accountType"`
	Name               string      `json:"name"`
	DebitCredit        string      `json:"debitCredit"`
	Balance            json.Number `json:"balance"`
	BlockDirectEntries bool        `json:"blockDirectEntries"`
	Barred             bool        `json:"barred"`
	VATCode            string      `json:"-"`
	TotalFromAccount   int         `json:"-"`
}

// VATAccount is a row of /vat-accounts.
type VATAccount struct {
	VATCode        string      `json:"vatCode"`
	Name           string      `json:"name"`
	RatePercentage json.Number `json:"ratePercentage"`
	Barred         bool        `json:"barred"`
	Account        int         `json:"-"`
	ContraAccount  int         `json:"-"`
	VATType        string      `json:"-"` // salesVat or purchaseVat
}

// AccountingYear is a row of /accounting-years with its accounts' totals
// (positive debit).
type AccountingYear struct {
	Year     string              `json:"year"`
	FromDate string              `json:"fromDate"`
	ToDate   string              `json:"toDate"`
	Closed   bool                `json:"closed"`
	Totals   map[int]json.Number `json:"-"`
}

// BookedInvoice is a row of /invoices/booked; Remainder is what is unpaid.
type BookedInvoice struct {
	BookedInvoiceNumber       int         `json:"bookedInvoiceNumber"`
	Date                      string      `json:"date"`
	DueDate                   string      `json:"dueDate"`
	Currency                  string      `json:"currency"`
	ExchangeRate              json.Number `json:"exchangeRate"`
	NetAmount                 json.Number `json:"netAmount"`
	VATAmount                 json.Number `json:"vatAmount"`
	GrossAmount               json.Number `json:"grossAmount"`
	GrossAmountInBaseCurrency json.Number `json:"grossAmountInBaseCurrency"`
	Remainder                 json.Number `json:"remainder"`
	RemainderInBaseCurrency   json.Number `json:"remainderInBaseCurrency"`
	Customer                  int         `json:"-"`
	RecipientName             string      `json:"-"`
	PaymentTerms              int         `json:"-"`
}

// Agreement is one e-conomic agreement's data.
type Agreement struct {
	AgreementNumber int
	Company         Company
	Customers       []Customer
	Suppliers       []Supplier
	CustomerGroups  []Group
	SupplierGroups  []Group
	ProductGroups   []ProductGroup
	Products        []Product
	PaymentTerms    []PaymentTerms
	Accounts        []Account
	VATAccounts     []VATAccount
	AccountingYears []AccountingYear
	Invoices        []BookedInvoice
}
