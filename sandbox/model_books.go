package sandbox

// The records the VAT return and the bookkeeping check read besides
// invoices (billy-api.md §7.5, §7.7–§7.10): bills, daybooks, sales tax
// returns and payments, the tax rates' deduction components and meta
// fields, and files and attachments. As in model.go,
// has-many relations are unexported ID lists that appear only when a
// request includes them.

type bill struct {
	ID                 string  `json:"id"`
	OrganizationID     string  `json:"organizationId"`
	Type               string  `json:"type"` // bill | creditNote
	CreatedTime        string  `json:"createdTime"`
	ApprovedTime       *string `json:"approvedTime"`
	ContactID          string  `json:"contactId"`
	ContactName        string  `json:"contactName"`
	EntryDate          string  `json:"entryDate"`
	PaymentAccountID   *string `json:"paymentAccountId"`
	PaymentDate        *string `json:"paymentDate"`
	DueDate            string  `json:"dueDate"`
	IsBare             bool    `json:"isBare"`
	State              string  `json:"state"`
	SuppliersInvoiceNo string  `json:"suppliersInvoiceNo"`
	TaxMode            string  `json:"taxMode"`
	VoucherNo          *string `json:"voucherNo"`
	Amount             number  `json:"amount"`
	Tax                number  `json:"tax"`
	GrossAmount        number  `json:"grossAmount"`
	CurrencyID         string  `json:"currencyId"`
	ExchangeRate       number  `json:"exchangeRate"`
	Balance            number  `json:"balance"`
	IsPaid             bool    `json:"isPaid"`
	LineDescription    string  `json:"lineDescription"`
	CreditedBillID     *string `json:"creditedBillId"`
	Source             *string `json:"source"`
	Subject            *string `json:"subject"`

	lineIDs       []string
	modifierIDs   []string
	attachmentIDs []string
	transactionID string
	createdSeq    int
}

type billLine struct {
	ID             string `json:"id"`
	OrganizationID string `json:"organizationId"`
	BillID         string `json:"billId"`
	AccountID      string `json:"accountId"`
	TaxRateID      string `json:"taxRateId"`
	Description    string `json:"description"`
	Amount         number `json:"amount"`
	Tax            number `json:"tax"`
	Priority       int    `json:"priority"`

	// entered is the amount as the client gave it: the net with taxMode
	// excl, the gross with incl. amount and tax are derived from it, so a
	// change of tax mode recomputes them from what was entered.
	entered number
}

type daybook struct {
	ID                          string  `json:"id"`
	OrganizationID              string  `json:"organizationId"`
	Name                        string  `json:"name"`
	IsTransactionSummaryEnabled bool    `json:"isTransactionSummaryEnabled"`
	DefaultContraAccountID      *string `json:"defaultContraAccountId"`
}

type daybookTransaction struct {
	ID                  string  `json:"id"`
	OrganizationID      string  `json:"organizationId"`
	DaybookID           *string `json:"daybookId"`
	CreatedTime         string  `json:"createdTime"`
	EntryDate           string  `json:"entryDate"`
	VoucherNo           *string `json:"voucherNo"`
	Description         string  `json:"description"`
	ExtendedDescription string  `json:"extendedDescription"`
	APIType             *string `json:"apiType"`
	State               string  `json:"state"`
	Priority            int     `json:"priority"`
	Type                string  `json:"type"`

	lineIDs       []string
	attachmentIDs []string
	transactionID string
}

type daybookTransactionLine struct {
	ID                   string  `json:"id"`
	OrganizationID       string  `json:"organizationId"`
	DaybookTransactionID string  `json:"daybookTransactionId"`
	Text                 string  `json:"text"`
	AccountID            string  `json:"accountId"`
	TaxRateID            *string `json:"taxRateId"`
	ContraAccountID      *string `json:"contraAccountId"`
	Amount               number  `json:"amount"`
	Side                 string  `json:"side"`
	CurrencyID           string  `json:"currencyId"`
	Priority             int     `json:"priority"`
}

type salesTaxReturn struct {
	ID             string `json:"id"`
	OrganizationID string `json:"organizationId"`
	CreatedTime    string `json:"createdTime"`
	PeriodType     string `json:"periodType"`
	Period         string `json:"period"`
	PeriodText     string `json:"periodText"`
	CorrectionNo   int    `json:"correctionNo"`
	StartDate      string `json:"startDate"`
	EndDate        string `json:"endDate"`
	ReportDeadline string `json:"reportDeadline"`
	IsSettled      bool   `json:"isSettled"`
	IsPaid         bool   `json:"isPaid"`

	settlementTxID string   // the settlement's transaction, while settled
	settledOre     int64    // what the settlement moved to the settlement account: payable when positive
	paymentIDs     []string // salesTaxPayments of this return
}

type salesTaxPayment struct {
	ID               string `json:"id"`
	OrganizationID   string `json:"organizationId"`
	SalesTaxReturnID string `json:"salesTaxReturnId"`
	EntryDate        string `json:"entryDate"`
	AccountID        string `json:"accountId"`
	Amount           number `json:"amount"`
	Side             string `json:"side"`
	IsVoided         bool   `json:"isVoided"`

	transactionID string
}

type taxRateDeductionComponent struct {
	ID             string `json:"id"`
	OrganizationID string `json:"organizationId"`
	TaxRateID      string `json:"taxRateId"`
	Share          number `json:"share"`
	Source         string `json:"source"`
	AccountID      string `json:"accountId"`
	Priority       int    `json:"priority"`
}

type salesTaxMetaField struct {
	ID             string `json:"id"`
	OrganizationID string `json:"organizationId"`
	Name           string `json:"name"`
	Description    string `json:"description"`
	Priority       int    `json:"priority"`
	IsPredefined   bool   `json:"isPredefined"`
}

type salesTaxAccount struct {
	ID             string `json:"id"`
	OrganizationID string `json:"organizationId"`
	AccountID      string `json:"accountId"`
	Type           string `json:"type"`
	Priority       int    `json:"priority"`
}

type fileRecord struct {
	ID             string `json:"id"`
	OrganizationID string `json:"organizationId"`
	CreatedTime    string `json:"createdTime"`
	FileName       string `json:"fileName"`
	FileSize       int    `json:"fileSize"`
	FileType       string `json:"fileType"`
	IsImage        bool   `json:"isImage"`
	IsPdf          bool   `json:"isPdf"`
	ImageWidth     *int   `json:"imageWidth"`
	ImageHeight    *int   `json:"imageHeight"`

	// data is the content: uploaded, or a seeded voucher's small PDF.
	data []byte
}

type attachment struct {
	ID             string  `json:"id"`
	OrganizationID string  `json:"organizationId"`
	CreatedTime    string  `json:"createdTime"`
	OwnerReference *string `json:"ownerReference"` // null until linked to a bill, invoice or daybook transaction
	FileID         string  `json:"fileId"`
	Priority       int     `json:"priority"`
}
