package sandbox

// The records below are Billy's resources as they appear on the wire
// (billy-api.md §7). Belongs-to relations are "<name>Id" fields; has-many
// relations are not fields at all: they appear only when a request includes
// them (see include.go), so the child IDs are kept in unexported fields.
// Nullable fields are pointers so that they marshal as null, as Billy sends
// them (§2.1).

type orgRecord struct {
	ID                          string  `json:"id"`
	OwnerUserID                 string  `json:"ownerUserId"`
	CreatedTime                 string  `json:"createdTime"`
	Name                        string  `json:"name"`
	URL                         string  `json:"url"`
	Street                      string  `json:"street"`
	Zipcode                     string  `json:"zipcode"`
	City                        string  `json:"city"`
	CountryID                   string  `json:"countryId"`
	StateID                     *string `json:"stateId"`
	Phone                       string  `json:"phone"`
	Fax                         *string `json:"fax"`
	Email                       string  `json:"email"`
	RegistrationNo              string  `json:"registrationNo"`
	BaseCurrencyID              string  `json:"baseCurrencyId"`
	LocaleID                    string  `json:"localeId"`
	FiscalYearEndMonth          int     `json:"fiscalYearEndMonth"`
	FirstFiscalYearStart        string  `json:"firstFiscalYearStart"`
	FirstFiscalYearEnd          string  `json:"firstFiscalYearEnd"`
	HasVat                      bool    `json:"hasVat"`
	VatPeriod                   string  `json:"vatPeriod"`
	InvoiceNoMode               string  `json:"invoiceNoMode"`
	NextInvoiceNo               int     `json:"nextInvoiceNo"`
	PaymentTermsMode            string  `json:"paymentTermsMode"`
	PaymentTermsDays            int     `json:"paymentTermsDays"`
	DefaultTaxMode              string  `json:"defaultTaxMode"`
	DefaultInvoiceBankAccountID string  `json:"defaultInvoiceBankAccountId"`
	DefaultSalesAccountID       string  `json:"defaultSalesAccountId"`
	DefaultSalesTaxRulesetID    string  `json:"defaultSalesTaxRulesetId"`
	DefaultBankFeeAccountID     string  `json:"defaultBankFeeAccountId"`
	DefaultBillBankAccountID    string  `json:"defaultBillBankAccountId"`
	EmailAttachmentDeliveryMode string  `json:"emailAttachmentDeliveryMode"`
	HasBillVoucherNo            bool    `json:"hasBillVoucherNo"`
	SubscriptionPeriod          string  `json:"subscriptionPeriod"`
	IsTrial                     bool    `json:"isTrial"`
	IsTerminated                bool    `json:"isTerminated"`
	IsLocked                    bool    `json:"isLocked"`
}

type userRecord struct {
	ID                     string  `json:"id"`
	CreatedTime            string  `json:"createdTime"`
	Name                   string  `json:"name"`
	Email                  string  `json:"email"`
	Phone                  *string `json:"phone"`
	ProfilePicURL          *string `json:"profilePicUrl"`
	IsStaff                bool    `json:"isStaff"`
	IsSupporter            bool    `json:"isSupporter"`
	IsAdmin                bool    `json:"isAdmin"`
	IsSupportAccessAllowed bool    `json:"isSupportAccessAllowed"`
}

type contact struct {
	ID                          string  `json:"id"`
	OrganizationID              string  `json:"organizationId"`
	CreatedTime                 string  `json:"createdTime"`
	Type                        string  `json:"type"`
	Name                        string  `json:"name"`
	CountryID                   string  `json:"countryId"`
	Street                      string  `json:"street"`
	CityID                      *string `json:"cityId"`
	CityText                    string  `json:"cityText"`
	ZipcodeID                   *string `json:"zipcodeId"`
	ZipcodeText                 string  `json:"zipcodeText"`
	StateID                     *string `json:"stateId"`
	StateText                   string  `json:"stateText"`
	ContactNo                   string  `json:"contactNo"`
	Phone                       string  `json:"phone"`
	Fax                         string  `json:"fax"`
	RegistrationNo              string  `json:"registrationNo"`
	EAN                         string  `json:"ean"`
	CurrencyID                  *string `json:"currencyId"`
	LocaleID                    string  `json:"localeId"`
	IsCustomer                  bool    `json:"isCustomer"`
	IsSupplier                  bool    `json:"isSupplier"`
	IsArchived                  bool    `json:"isArchived"`
	IsSalesTaxExempt            bool    `json:"isSalesTaxExempt"`
	PaymentTermsMode            string  `json:"paymentTermsMode"`
	PaymentTermsDays            int     `json:"paymentTermsDays"`
	AccessCode                  string  `json:"accessCode"`
	EmailAttachmentDeliveryMode string  `json:"emailAttachmentDeliveryMode"`

	personIDs []string
}

type contactPerson struct {
	ID             string `json:"id"`
	OrganizationID string `json:"organizationId"`
	ContactID      string `json:"contactId"`
	CreatedTime    string `json:"createdTime"`
	IsPrimary      bool   `json:"isPrimary"`
	Name           string `json:"name"`
	Email          string `json:"email"`
}

type product struct {
	ID                 string  `json:"id"`
	OrganizationID     string  `json:"organizationId"`
	CreatedTime        string  `json:"createdTime"`
	Name               string  `json:"name"`
	Description        string  `json:"description"`
	ProductNo          string  `json:"productNo"`
	SuppliersProductNo string  `json:"suppliersProductNo"`
	AccountID          string  `json:"accountId"`
	SalesTaxRulesetID  string  `json:"salesTaxRulesetId"`
	IsArchived         bool    `json:"isArchived"`
	IsInInventory      bool    `json:"isInInventory"`
	InventoryAccountID *string `json:"inventoryAccountId"`
	ImageID            *string `json:"imageId"`
	ImageURL           *string `json:"imageUrl"`

	// unit is what the generator puts on invoice lines ("timer", "stk.").
	unit     string
	priceIDs []string
}

type productPrice struct {
	ID             string `json:"id"`
	OrganizationID string `json:"organizationId"`
	ProductID      string `json:"productId"`
	UnitPrice      number `json:"unitPrice"`
	CurrencyID     string `json:"currencyId"`
}

type invoice struct {
	ID                 string   `json:"id"`
	OrganizationID     string   `json:"organizationId"`
	Type               string   `json:"type"`
	CreatedTime        string   `json:"createdTime"`
	ApprovedTime       *string  `json:"approvedTime"`
	ContactID          string   `json:"contactId"`
	AttContactPersonID *string  `json:"attContactPersonId"`
	EntryDate          string   `json:"entryDate"`
	PaymentTermsMode   string   `json:"paymentTermsMode"`
	PaymentTermsDays   int      `json:"paymentTermsDays"`
	DueDate            string   `json:"dueDate"`
	State              string   `json:"state"`
	SentState          string   `json:"sentState"`
	InvoiceNo          *string  `json:"invoiceNo"`
	TaxMode            string   `json:"taxMode"`
	Amount             number   `json:"amount"`
	Tax                number   `json:"tax"`
	GrossAmount        number   `json:"grossAmount"`
	CurrencyID         string   `json:"currencyId"`
	ExchangeRate       number   `json:"exchangeRate"`
	Balance            number   `json:"balance"`
	IsPaid             bool     `json:"isPaid"`
	CreditedInvoiceID  *string  `json:"creditedInvoiceId"`
	ContactMessage     string   `json:"contactMessage"`
	LineDescription    string   `json:"lineDescription"`
	ExternalID         *string  `json:"externalId"`
	OrderNo            *string  `json:"orderNo"`
	QuoteID            *string  `json:"quoteId"`
	RecurringInvoiceID *string  `json:"recurringInvoiceId"`
	TemplateID         string   `json:"templateId"`
	BankAccountID      *string  `json:"bankAccountId"`
	PaymentMethods     []string `json:"paymentMethods"`

	lineIDs       []string
	modifierIDs   []string // balanceModifiers whose subject is this invoice
	attachmentIDs []string // attachments owned by this invoice
	transactionID string   // the approval's transaction
	createdSeq    int      // creation order, the default sort
}

type invoiceLine struct {
	ID             string  `json:"id"`
	OrganizationID string  `json:"organizationId"`
	InvoiceID      string  `json:"invoiceId"`
	ProductID      string  `json:"productId"`
	Description    string  `json:"description"`
	Quantity       number  `json:"quantity"`
	UnitPrice      number  `json:"unitPrice"`
	Unit           string  `json:"unit"`
	Amount         number  `json:"amount"`
	Tax            number  `json:"tax"`
	TaxRateID      string  `json:"taxRateId"`
	DiscountText   string  `json:"discountText"`
	DiscountMode   *string `json:"discountMode"`
	DiscountValue  *number `json:"discountValue"`
	Priority       int     `json:"priority"`
}

type taxRate struct {
	ID                 string `json:"id"`
	OrganizationID     string `json:"organizationId"`
	Name               string `json:"name"`
	Abbreviation       string `json:"abbreviation"`
	Description        string `json:"description"`
	Rate               number `json:"rate"`
	AppliesToSales     bool   `json:"appliesToSales"`
	AppliesToPurchases bool   `json:"appliesToPurchases"`
	IsPredefined       bool   `json:"isPredefined"`
	IsActive           bool   `json:"isActive"`
	Priority           int    `json:"priority"`
	PredefinedTag      string `json:"predefinedTag"`
	// NetAmountMetaFieldID names the return box (salesTaxMetaFields) that
	// collects the net amounts of lines at this rate: rubrik A, B or C.
	NetAmountMetaFieldID *string `json:"netAmountMetaFieldId"`

	// treatment is the sandbox's own VAT classification, used for the PDF
	// notation (reverse charge, zero-rated, export) and the generator.
	treatment string
	// reverseAccountID is set on the purchase rates where the buyer pays
	// the VAT (EU goods and services, imports, domestic reverse charge):
	// the account the VAT is booked to as payable, besides its deduction.
	reverseAccountID string
	componentIDs     []string
}

type salesTaxRuleset struct {
	ID                string `json:"id"`
	OrganizationID    string `json:"organizationId"`
	Name              string `json:"name"`
	Abbreviation      string `json:"abbreviation"`
	Description       string `json:"description"`
	FallbackTaxRateID string `json:"fallbackTaxRateId"`
	IsPredefined      bool   `json:"isPredefined"`

	ruleIDs []string
}

type salesTaxRule struct {
	ID             string  `json:"id"`
	OrganizationID string  `json:"organizationId"`
	RulesetID      string  `json:"rulesetId"`
	CountryID      *string `json:"countryId"`
	StateID        *string `json:"stateId"`
	CountryGroupID *string `json:"countryGroupId"`
	ContactType    *string `json:"contactType"`
	TaxRateID      string  `json:"taxRateId"`
	Priority       int     `json:"priority"`
}

type account struct {
	ID               string  `json:"id"`
	OrganizationID   string  `json:"organizationId"`
	Name             string  `json:"name"`
	AccountNo        int     `json:"accountNo"`
	Description      string  `json:"description"`
	GroupID          string  `json:"groupId"`
	NatureID         string  `json:"natureId"`
	SystemRole       *string `json:"systemRole"`
	CurrencyID       *string `json:"currencyId"`
	TaxRateID        *string `json:"taxRateId"`
	IsPaymentEnabled bool    `json:"isPaymentEnabled"`
	IsBankAccount    bool    `json:"isBankAccount"`
	IsArchived       bool    `json:"isArchived"`
	BankName         *string `json:"bankName"`
	BankRoutingNo    *string `json:"bankRoutingNo"`
	BankAccountNo    *string `json:"bankAccountNo"`
	BankSwift        *string `json:"bankSwift"`
	BankIban         *string `json:"bankIban"`
}

type accountGroup struct {
	ID             string `json:"id"`
	OrganizationID string `json:"organizationId"`
	NatureID       string `json:"natureId"`
	Name           string `json:"name"`
	Description    string `json:"description"`
	Type           string `json:"type"`
	Priority       int    `json:"priority"`
}

type accountNature struct {
	ID            string `json:"id"`
	Name          string `json:"name"`
	ReportType    string `json:"reportType"`
	NormalBalance string `json:"normalBalance"`
}

type currency struct {
	ID           string `json:"id"`
	Name         string `json:"name"`
	ExchangeRate number `json:"exchangeRate"`
}

type country struct {
	ID                string `json:"id"`
	Name              string `json:"name"`
	HasStates         bool   `json:"hasStates"`
	HasFiniteStates   bool   `json:"hasFiniteStates"`
	HasFiniteZipcodes bool   `json:"hasFiniteZipcodes"`
	Icon              string `json:"icon"`
	LocaleID          string `json:"localeId"`

	inEU bool
}

type countryGroup struct {
	ID         string   `json:"id"`
	Name       string   `json:"name"`
	Icon       string   `json:"icon"`
	MemberIDs  []string `json:"memberIds"`
	Predefined bool     `json:"isPredefined"`
}

type locale struct {
	ID   string `json:"id"`
	Name string `json:"name"`
	Icon string `json:"icon"`
}

type bankPayment struct {
	ID                string  `json:"id"`
	OrganizationID    string  `json:"organizationId"`
	ContactID         *string `json:"contactId"`
	CreatedTime       string  `json:"createdTime"`
	EntryDate         string  `json:"entryDate"`
	CashAmount        number  `json:"cashAmount"`
	CashSide          string  `json:"cashSide"`
	CashAccountID     string  `json:"cashAccountId"`
	CashExchangeRate  number  `json:"cashExchangeRate"`
	SubjectCurrencyID string  `json:"subjectCurrencyId"`
	FeeAmount         number  `json:"feeAmount"`
	FeeAccountID      *string `json:"feeAccountId"`
	IsVoided          bool    `json:"isVoided"`

	modifierIDs   []string
	transactionID string
}

type balanceModifier struct {
	ID                         string `json:"id"`
	OrganizationID             string `json:"organizationId"`
	ModifierReference          string `json:"modifierReference"`
	SubjectReference           string `json:"subjectReference"`
	Amount                     number `json:"amount"`
	EntryDate                  string `json:"entryDate"`
	RealizedCurrencyDifference number `json:"realizedCurrencyDifference"`
	IsVoided                   bool   `json:"isVoided"`
}

type transaction struct {
	ID                  string  `json:"id"`
	OrganizationID      string  `json:"organizationId"`
	TransactionNo       int     `json:"transactionNo"`
	VoucherNo           *string `json:"voucherNo"`
	CreatedTime         string  `json:"createdTime"`
	EntryDate           string  `json:"entryDate"`
	OriginatorReference string  `json:"originatorReference"`
	OriginatorName      string  `json:"originatorName"`
	IsVoided            bool    `json:"isVoided"`
	IsVoid              bool    `json:"isVoid"`

	postingIDs []string
}

type posting struct {
	ID               string  `json:"id"`
	OrganizationID   string  `json:"organizationId"`
	TransactionID    string  `json:"transactionId"`
	EntryDate        string  `json:"entryDate"`
	Text             string  `json:"text"`
	AccountID        string  `json:"accountId"`
	Amount           number  `json:"amount"`
	Side             string  `json:"side"`
	CurrencyID       string  `json:"currencyId"`
	BaseAmount       number  `json:"baseAmount"`
	SalesTaxReturnID *string `json:"salesTaxReturnId"`
	IsVoided         bool    `json:"isVoided"`
	IsBankMatched    bool    `json:"isBankMatched"`
	Priority         int     `json:"priority"`
}
