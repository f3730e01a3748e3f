package sandbox

import "time"

// orgState is everything one organization owns. The Server's mutex guards
// all of it; nothing here locks.
type orgState struct {
	org         *orgRecord
	business    string
	accessToken string
	ids         *idGen

	contacts         *table[*contact]
	contactPersons   *table[*contactPerson]
	products         *table[*product]
	productPrices    *table[*productPrice]
	invoices         *table[*invoice]
	invoiceLines     *table[*invoiceLine]
	taxRates         *table[*taxRate]
	rulesets         *table[*salesTaxRuleset]
	rules            *table[*salesTaxRule]
	accounts         *table[*account]
	accountGroups    *table[*accountGroup]
	bankPayments     *table[*bankPayment]
	balanceModifiers *table[*balanceModifier]
	transactions     *table[*transaction]
	postings         *table[*posting]

	// The books beyond invoicing (model_books.go).
	bills               *table[*bill]
	billLines           *table[*billLine]
	daybooks            *table[*daybook]
	daybookTransactions *table[*daybookTransaction]
	daybookLines        *table[*daybookTransactionLine]
	salesTaxReturns     *table[*salesTaxReturn]
	salesTaxPayments    *table[*salesTaxPayment]
	deductionComponents *table[*taxRateDeductionComponent]
	metaFields          *table[*salesTaxMetaField]
	salesTaxAccounts    *table[*salesTaxAccount]
	files               *table[*fileRecord]
	attachments         *table[*attachment]
	invoiceDeliveries   *table[*invoiceDelivery] // einvoice.go
	invoiceLogs         *table[*invoiceLog]

	invoiceNos        map[string]string // invoiceNo → invoice ID, for uniqueness
	nextTransactionNo int
	nextContactNo     int
	invoiceSeq        int
	billSeq           int

	// Accounts the bookkeeping needs by role.
	receivableAccountID  string
	salesVatAccountID    string
	bankAccountID        string
	feeAccountID         string
	fxAccountID          string
	payableAccountID     string
	purchaseVatAccountID string
	settlementAccountID  string

	// The generator's product catalogue, by business kind.
	freelancer *freelancerCatalog
	retail     *retailCatalog
	service    *serviceCatalog
}

func newOrgState(business string, ids *idGen) *orgState {
	return &orgState{
		business:         business,
		ids:              ids,
		contacts:         newTable[*contact](),
		contactPersons:   newTable[*contactPerson](),
		products:         newTable[*product](),
		productPrices:    newTable[*productPrice](),
		invoices:         newTable[*invoice](),
		invoiceLines:     newTable[*invoiceLine](),
		taxRates:         newTable[*taxRate](),
		rulesets:         newTable[*salesTaxRuleset](),
		rules:            newTable[*salesTaxRule](),
		accounts:         newTable[*account](),
		accountGroups:    newTable[*accountGroup](),
		bankPayments:     newTable[*bankPayment](),
		balanceModifiers: newTable[*balanceModifier](),
		transactions:     newTable[*transaction](),
		postings:         newTable[*posting](),

		bills:               newTable[*bill](),
		billLines:           newTable[*billLine](),
		daybooks:            newTable[*daybook](),
		daybookTransactions: newTable[*daybookTransaction](),
		daybookLines:        newTable[*daybookTransactionLine](),
		salesTaxReturns:     newTable[*salesTaxReturn](),
		salesTaxPayments:    newTable[*salesTaxPayment](),
		deductionComponents: newTable[*taxRateDeductionComponent](),
		metaFields:          newTable[*salesTaxMetaField](),
		salesTaxAccounts:    newTable[*salesTaxAccount](),
		files:               newTable[*fileRecord](),
		attachments:         newTable[*attachment](),
		invoiceDeliveries:   newTable[*invoiceDelivery](),
		invoiceLogs:         newTable[*invoiceLog](),
		invoiceNos:          map[string]string{},
		nextTransactionNo:   1,
		nextContactNo:       1,
	}
}

// Billy's date and datetime formats (billy-api.md §2.3): datetimes carry no
// zone and mean UTC.
const (
	dateLayout     = "2006-01-02"
	datetimeLayout = "2006-01-02T15:04:05"
)

func fmtDate(t time.Time) string     { return t.UTC().Format(dateLayout) }
func fmtDatetime(t time.Time) string { return t.UTC().Format(datetimeLayout) }

func parseDate(s string) (time.Time, bool) {
	t, err := time.Parse(dateLayout, s)
	return t, err == nil
}

func strp(s string) *string { return &s }

// changes collects what a write touched, for Billy's write response: every
// changed record under its plural root, always as arrays, plus
// meta.deletedRecords (billy-api.md §2.2).
type changes struct {
	order   []string
	records map[string][]any
	seen    map[string]bool
	deleted map[string][]string
}

func newChanges() *changes {
	return &changes{records: map[string][]any{}, seen: map[string]bool{}, deleted: map[string][]string{}}
}

// add records rec under plural once; a record touched twice is listed once.
func (c *changes) add(plural, id string, rec any) {
	if c == nil {
		return // the generator writes without reporting
	}
	key := plural + "\x00" + id
	if c.seen[key] {
		return
	}
	c.seen[key] = true
	if _, ok := c.records[plural]; !ok {
		c.order = append(c.order, plural)
	}
	c.records[plural] = append(c.records[plural], rec)
}

func (c *changes) del(plural string, ids ...string) {
	if c == nil {
		return
	}
	c.deleted[plural] = append(c.deleted[plural], ids...)
}
