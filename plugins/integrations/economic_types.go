package integrations

import "github.com/shopspring/decimal"

// The e-conomic records migrate_from_economic reads, with the fields it
// uses (sandbox/economic's doc.go says which shapes are documented and
// which guessed). Amounts are JSON numbers; decimal reads them exactly.

type economicSelf struct {
	AgreementNumber int `json:"agreementNumber"`
	Company         struct {
		Name                        string `json:"name"`
		CompanyIdentificationNumber string `json:"companyIdentificationNumber"`
		VATNumber                   string `json:"vatNumber"`
	} `json:"company"`
}

type economicTermsRef struct {
	PaymentTermsNumber int `json:"paymentTermsNumber"`
}

type economicCustomer struct {
	CustomerNumber                int              `json:"customerNumber"`
	Name                          string           `json:"name"`
	Address                       string           `json:"address"`
	Zip                           string           `json:"zip"`
	City                          string           `json:"city"`
	Country                       string           `json:"country"`
	CorporateIdentificationNumber string           `json:"corporateIdentificationNumber"`
	EAN                           string           `json:"ean"`
	Email                         string           `json:"email"`
	TelephoneAndFaxNumber         string           `json:"telephoneAndFaxNumber"`
	MobilePhone                   string           `json:"mobilePhone"`
	Currency                      string           `json:"currency"`
	Barred                        bool             `json:"barred"`
	PaymentTerms                  economicTermsRef `json:"paymentTerms"`
	CustomerGroup                 struct {
		CustomerGroupNumber int `json:"customerGroupNumber"`
	} `json:"customerGroup"`
}

type economicSupplier struct {
	SupplierNumber                int              `json:"supplierNumber"`
	Name                          string           `json:"name"`
	Address                       string           `json:"address"`
	Zip                           string           `json:"zip"`
	City                          string           `json:"city"`
	Country                       string           `json:"country"`
	CorporateIdentificationNumber string           `json:"corporateIdentificationNumber"`
	Email                         string           `json:"email"`
	Phone                         string           `json:"phone"`
	Currency                      string           `json:"currency"`
	Barred                        bool             `json:"barred"`
	PaymentTerms                  economicTermsRef `json:"paymentTerms"`
}

type economicAccountRef struct {
	AccountNumber int `json:"accountNumber"`
}

// economicGroup is a customer or supplier group: its control account.
type economicGroup struct {
	CustomerGroupNumber int                `json:"customerGroupNumber"`
	SupplierGroupNumber int                `json:"supplierGroupNumber"`
	Name                string             `json:"name"`
	Account             economicAccountRef `json:"account"`
}

type economicProductGroup struct {
	ProductGroupNumber int    `json:"productGroupNumber"`
	Name               string `json:"name"`
}

type economicSalesAccount struct {
	SalesAccount economicAccountRef `json:"salesAccount"`
	VATZone      struct {
		VATZoneNumber int `json:"vatZoneNumber"`
	} `json:"vatZone"`
}

type economicProduct struct {
	ProductNumber string           `json:"productNumber"`
	Name          string           `json:"name"`
	Description   string           `json:"description"`
	SalesPrice    *decimal.Decimal `json:"salesPrice"`
	Barred        bool             `json:"barred"`
	ProductGroup  struct {
		ProductGroupNumber int `json:"productGroupNumber"`
	} `json:"productGroup"`
	Unit *struct {
		Name string `json:"name"`
	} `json:"unit"`
}

type economicPaymentTerms struct {
	PaymentTermsNumber int    `json:"paymentTermsNumber"`
	DaysOfCredit       int    `json:"daysOfCredit"`
	Name               string `json:"name"`
	PaymentTermsType   string `json:"paymentTermsType"`
}

type economicAccount struct {
	AccountNumber int    `json:"accountNumber"`
	AccountType   string `json:"accountType"`
	Name          string `json:"name"`
	DebitCredit   string `json:"debitCredit"`
	Barred        bool   `json:"barred"`
	VATAccount    *struct {
		VATCode string `json:"vatCode"`
	} `json:"vatAccount"`
}

type economicVATAccount struct {
	VATCode        string              `json:"vatCode"`
	Name           string              `json:"name"`
	RatePercentage decimal.Decimal     `json:"ratePercentage"`
	Barred         bool                `json:"barred"`
	Account        *economicAccountRef `json:"account"`
}

type economicYear struct {
	Year     string `json:"year"`
	FromDate string `json:"fromDate"`
	ToDate   string `json:"toDate"`
	Closed   bool   `json:"closed"`
}

type economicTotal struct {
	Account             economicAccountRef `json:"account"`
	TotalInBaseCurrency decimal.Decimal    `json:"totalInBaseCurrency"`
}

type economicInvoice struct {
	BookedInvoiceNumber     int             `json:"bookedInvoiceNumber"`
	Date                    string          `json:"date"`
	DueDate                 string          `json:"dueDate"`
	Currency                string          `json:"currency"`
	GrossAmount             decimal.Decimal `json:"grossAmount"`
	Remainder               decimal.Decimal `json:"remainder"`
	RemainderInBaseCurrency decimal.Decimal `json:"remainderInBaseCurrency"`
	Customer                struct {
		CustomerNumber int `json:"customerNumber"`
	} `json:"customer"`
	Recipient struct {
		Name string `json:"name"`
	} `json:"recipient"`
}
