package invoices

import (
	"strings"

	"github.com/shopspring/decimal"
)

// Billy's records as they arrive (billy-api.md §7). Only the fields the
// tools use are decoded; nullable fields decode to their zero value.

type billyInvoice struct {
	ID                 string          `json:"id"`
	Type               string          `json:"type"`
	State              string          `json:"state"`
	SentState          string          `json:"sentState"`
	InvoiceNo          flexString      `json:"invoiceNo"`
	ContactID          string          `json:"contactId"`
	AttContactPersonID string          `json:"attContactPersonId"`
	EntryDate          string          `json:"entryDate"`
	DueDate            string          `json:"dueDate"`
	PaymentTermsMode   string          `json:"paymentTermsMode"`
	PaymentTermsDays   int             `json:"paymentTermsDays"`
	TaxMode            string          `json:"taxMode"`
	Amount             decimal.Decimal `json:"amount"`
	Tax                decimal.Decimal `json:"tax"`
	GrossAmount        decimal.Decimal `json:"grossAmount"`
	Balance            decimal.Decimal `json:"balance"`
	IsPaid             bool            `json:"isPaid"`
	CurrencyID         string          `json:"currencyId"`
	ExchangeRate       decimal.Decimal `json:"exchangeRate"`
	CreditedInvoiceID  string          `json:"creditedInvoiceId"`
	ContactMessage     string          `json:"contactMessage"`
	LineDescription    string          `json:"lineDescription"`
	CreatedTime        string          `json:"createdTime"`
	ApprovedTime       string          `json:"approvedTime"`
	DownloadURL        string          `json:"downloadUrl"`
	Lines              []billyLine     `json:"lines"`
	Contact            *billyContact   `json:"contact"`
}

type billyLine struct {
	ID            string           `json:"id"`
	ProductID     string           `json:"productId"`
	Description   string           `json:"description"`
	Quantity      decimal.Decimal  `json:"quantity"`
	UnitPrice     decimal.Decimal  `json:"unitPrice"`
	Unit          string           `json:"unit"`
	Amount        decimal.Decimal  `json:"amount"`
	Tax           decimal.Decimal  `json:"tax"`
	TaxRateID     string           `json:"taxRateId"`
	DiscountText  string           `json:"discountText"`
	DiscountMode  string           `json:"discountMode"`
	DiscountValue *decimal.Decimal `json:"discountValue"`
	Priority      int              `json:"priority"`
}

type billyContact struct {
	ID               string               `json:"id"`
	Type             string               `json:"type"`
	Name             string               `json:"name"`
	CountryID        string               `json:"countryId"`
	Street           string               `json:"street"`
	CityText         string               `json:"cityText"`
	ZipcodeText      string               `json:"zipcodeText"`
	ContactNo        string               `json:"contactNo"`
	Phone            string               `json:"phone"`
	RegistrationNo   string               `json:"registrationNo"`
	EAN              string               `json:"ean"`
	LocaleID         string               `json:"localeId"`
	CurrencyID       string               `json:"currencyId"`
	IsCustomer       bool                 `json:"isCustomer"`
	IsSupplier       bool                 `json:"isSupplier"`
	IsArchived       bool                 `json:"isArchived"`
	IsSalesTaxExempt bool                 `json:"isSalesTaxExempt"`
	PaymentTermsMode string               `json:"paymentTermsMode"`
	PaymentTermsDays int                  `json:"paymentTermsDays"`
	CreatedTime      string               `json:"createdTime"`
	ContactPersons   []billyContactPerson `json:"contactPersons"`
}

type billyContactPerson struct {
	ID        string `json:"id"`
	ContactID string `json:"contactId"`
	Name      string `json:"name"`
	Email     string `json:"email"`
	IsPrimary bool   `json:"isPrimary"`
}

type billyProduct struct {
	ID                string       `json:"id"`
	Name              string       `json:"name"`
	Description       string       `json:"description"`
	ProductNo         string       `json:"productNo"`
	AccountID         string       `json:"accountId"`
	SalesTaxRulesetID string       `json:"salesTaxRulesetId"`
	IsArchived        bool         `json:"isArchived"`
	Prices            []billyPrice `json:"prices"`
}

type billyPrice struct {
	UnitPrice  decimal.Decimal `json:"unitPrice"`
	CurrencyID string          `json:"currencyId"`
}

type billyBankPayment struct {
	ID                string                 `json:"id"`
	ContactID         string                 `json:"contactId"`
	CreatedTime       string                 `json:"createdTime"`
	EntryDate         string                 `json:"entryDate"`
	CashAmount        decimal.Decimal        `json:"cashAmount"`
	CashSide          string                 `json:"cashSide"`
	CashAccountID     string                 `json:"cashAccountId"`
	CashExchangeRate  decimal.Decimal        `json:"cashExchangeRate"`
	SubjectCurrencyID string                 `json:"subjectCurrencyId"`
	FeeAmount         decimal.Decimal        `json:"feeAmount"`
	IsVoided          bool                   `json:"isVoided"`
	Associations      []billyBalanceModifier `json:"associations"`
}

type billyBalanceModifier struct {
	ID                string          `json:"id"`
	ModifierReference string          `json:"modifierReference"`
	SubjectReference  string          `json:"subjectReference"`
	Amount            decimal.Decimal `json:"amount"`
	EntryDate         string          `json:"entryDate"`
	IsVoided          bool            `json:"isVoided"`
}

type billyAccount struct {
	ID               string `json:"id"`
	Name             string `json:"name"`
	AccountNo        int    `json:"accountNo"`
	NatureID         string `json:"natureId"`
	SystemRole       string `json:"systemRole"`
	CurrencyID       string `json:"currencyId"`
	IsPaymentEnabled bool   `json:"isPaymentEnabled"`
	IsBankAccount    bool   `json:"isBankAccount"`
	IsArchived       bool   `json:"isArchived"`
}

type billyTaxRate struct {
	ID                 string          `json:"id"`
	Name               string          `json:"name"`
	Abbreviation       string          `json:"abbreviation"`
	Description        string          `json:"description"`
	Rate               decimal.Decimal `json:"rate"`
	AppliesToSales     bool            `json:"appliesToSales"`
	AppliesToPurchases bool            `json:"appliesToPurchases"`
	IsActive           bool            `json:"isActive"`
}

type billyOrganization struct {
	ID                          string `json:"id"`
	Name                        string `json:"name"`
	BaseCurrencyID              string `json:"baseCurrencyId"`
	CountryID                   string `json:"countryId"`
	RegistrationNo              string `json:"registrationNo"`
	DefaultInvoiceBankAccountID string `json:"defaultInvoiceBankAccountId"`
	DefaultTaxMode              string `json:"defaultTaxMode"`
	DefaultSalesTaxRulesetID    string `json:"defaultSalesTaxRulesetId"`
	HasVat                      bool   `json:"hasVat"`
	IsLocked                    bool   `json:"isLocked"`
	IsTerminated                bool   `json:"isTerminated"`
}

type billyCurrency struct {
	ID           string          `json:"id"`
	ExchangeRate decimal.Decimal `json:"exchangeRate"`
}

type billySalesTaxRuleset struct {
	ID                string              `json:"id"`
	FallbackTaxRateID string              `json:"fallbackTaxRateId"`
	Rules             []billySalesTaxRule `json:"rules"`
}

type billySalesTaxRule struct {
	CountryID      string `json:"countryId"`
	CountryGroupID string `json:"countryGroupId"`
	ContactType    string `json:"contactType"`
	TaxRateID      string `json:"taxRateId"`
	Priority       int    `json:"priority"`
}

type billyCountryGroup struct {
	ID        string   `json:"id"`
	MemberIDs []string `json:"memberIds"`
}

// splitRef splits Billy's cross-type reference "invoice:<id>".
func splitRef(ref string) (typ, id string) {
	typ, id, _ = strings.Cut(ref, ":")
	return typ, id
}
