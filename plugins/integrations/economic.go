package integrations

import (
	"context"
	"encoding/json"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/billy-mcp/billy-mcp/sdk"
	"github.com/shopspring/decimal"
)

// migrate_from_economic moves an e-conomic agreement, read over
// e-conomic's REST API (economic_client.go), into a Billy organization, as
// migrate_from_dinero moves a Dinero export and with the same parts
// (migrate_common.go): customers and suppliers as contacts Billy does not
// have yet (by CVR, then name), products it does not have (by product
// number), and the chosen accounting year's closing totals as the opening
// balance in one draft daybook transaction carrying the key
// "economic-opening:<agreement number>:<date>" as apiType, after a report
// of the chart-of-accounts mapping, the VAT-code map and the open items.
//
// Open items (integrations.md § 2.7) are reported, not booked. The
// opening balance carries the receivables control account's balance (the
// account of e-conomic's customer groups), and booking each unpaid invoice
// as a Billy invoice as well would count the receivable twice. The report
// lists each open invoice (customer, number, due date, remainder, the
// Billy contact) and reconciles their sum against the control accounts'
// closing balance, so the user sees that the receivable the opening
// balance carries is these invoices; payments that come in later are
// booked against the receivables account with the invoice number in the
// text. e-conomic's REST API lists no open supplier invoices; the
// payables balance travels in the opening balance likewise.

const (
	economicKeyPrefix = "economic-opening:"
	economicLease     = 10 * time.Minute
)

// EconomicInput is the input of migrate_from_economic.
type EconomicInput struct {
	Year               int            `json:"year,omitempty"`
	OpeningDate        string         `json:"opening_date,omitempty"`
	AccountMap         map[string]int `json:"account_map,omitempty"`
	ResultAccountNo    int            `json:"result_account_no,omitempty"`
	SkipOpeningBalance bool           `json:"skip_opening_balance,omitempty"`
	DaybookID          string         `json:"daybook_id,omitempty"`
	DryRun             bool           `json:"dry_run,omitempty"`
	ConfirmationToken  string         `json:"confirmation_token,omitempty"`
}

var economicInputSchema = json.RawMessage(`{"type":"object","additionalProperties":false,"properties":{
"year":{"type":"integer","description":"the e-conomic accounting year whose closing totals become Billy's opening balance; default the latest closed year"},
"opening_date":{"type":"string","description":"the opening balance's entry date, YYYY-MM-DD; default the day after that year"},
"account_map":{"type":"object","additionalProperties":{"type":"integer"},"description":"e-conomic account number → Billy account number, for accounts whose number differs; default the same number"},
"result_account_no":{"type":"integer","description":"the Billy equity account the year's result (the profit-and-loss totals) is carried to in the opening balance"},
"skip_opening_balance":{"type":"boolean","description":"move contacts and products only"},
"daybook_id":{"type":"string","description":"the daybook (kassekladde) of the opening balance; default Billy's first"},
"dry_run":{"type":"boolean","description":"only the report; nothing is written"},
"confirmation_token":{"type":"string","description":"from a confirmation_required result"}}}`)

// EconomicContact is an e-conomic customer or supplier and what becomes
// of it.
type EconomicContact struct {
	Register     string `json:"register" jsonschema:"customer or supplier"`
	Number       int    `json:"number" jsonschema:"customerNumber or supplierNumber"`
	Name         string `json:"name"`
	CVR          string `json:"cvr,omitempty"`
	Type         string `json:"type" jsonschema:"company (a CVR or VAT number) or person"`
	PaymentTerms string `json:"payment_terms,omitempty"`
	Action       string `json:"action" jsonschema:"create; exists (matched by CVR, else name); merged (the same company as a customer created in this run, which gets the supplier role too); skipped (barred in e-conomic)"`
	MatchedBy    string `json:"matched_by,omitempty"`
	BillyID      string `json:"billy_id,omitempty"`
	body         map[string]any
}

// EconomicProduct is an e-conomic product and what becomes of it.
type EconomicProduct struct {
	Number       string `json:"number"`
	Name         string `json:"name"`
	Price        string `json:"price,omitempty"`
	ProductGroup int    `json:"product_group"`
	SalesAccount int    `json:"sales_account,omitempty" jsonschema:"the group's domestic sales account in e-conomic"`
	AccountID    string `json:"account_id,omitempty"`
	Action       string `json:"action" jsonschema:"create, exists (matched by product number) or skipped (barred)"`
	BillyID      string `json:"billy_id,omitempty"`
	body         map[string]any
}

// EconomicAccountMap is one e-conomic account's Billy account.
type EconomicAccountMap struct {
	EconomicNo  int    `json:"economic_no"`
	Name        string `json:"name"`
	Type        string `json:"type" jsonschema:"e-conomic's accountType: status (balance sheet) or profitAndLoss"`
	DebitCredit string `json:"debit_credit"`
	VATCode     string `json:"vat_code,omitempty"`
	Balance     string `json:"balance,omitempty" jsonschema:"the year's total, positive debit"`
	BillyNo     int    `json:"billy_no,omitempty"`
	BillyID     string `json:"billy_id,omitempty"`
	BillyName   string `json:"billy_name,omitempty"`
	Status      string `json:"status" jsonschema:"mapped, unmapped (no Billy account of that number), or mismatch (the Billy account is of another kind)"`
	Reason      string `json:"reason,omitempty"`
	NeededByOB  bool   `json:"needed_by_opening_balance"`
	billyNature string
}

// EconomicOpenItem is an unpaid booked invoice.
type EconomicOpenItem struct {
	InvoiceNo      int    `json:"invoice_no"`
	CustomerNumber int    `json:"customer_number"`
	Customer       string `json:"customer"`
	BillyContactID string `json:"billy_contact_id,omitempty"`
	Date           string `json:"date"`
	DueDate        string `json:"due_date"`
	Currency       string `json:"currency"`
	GrossAmount    string `json:"gross_amount"`
	Remainder      string `json:"remainder"`
	RemainderBase  string `json:"remainder_base" jsonschema:"the remainder in the base currency"`
}

// EconomicOpenItems is the open items and their reconciliation.
type EconomicOpenItems struct {
	Policy          string             `json:"policy"`
	Receivables     []EconomicOpenItem `json:"receivables"`
	Total           string             `json:"total" jsonschema:"the open items' remainders in the base currency"`
	ControlAccounts []int              `json:"control_accounts" jsonschema:"the customer groups' receivables accounts"`
	ControlBalance  string             `json:"control_balance" jsonschema:"their total at the year's end"`
	Difference      string             `json:"difference" jsonschema:"control_balance - total"`
	Status          string             `json:"status" jsonschema:"reconciled (difference 0), differs, or unchecked (no customer groups)"`
	Payables        string             `json:"payables"`
}

// EconomicResult is the output of migrate_from_economic.
type EconomicResult struct {
	Status            string               `json:"status" jsonschema:"done, confirmation_required, dry_run, declined or cancelled"`
	Message           string               `json:"message"`
	Company           string               `json:"company"`
	CVR               string               `json:"cvr,omitempty"`
	AgreementNumber   int                  `json:"agreement_number"`
	Year              int                  `json:"year"`
	Contacts          []EconomicContact    `json:"contacts"`
	Products          []EconomicProduct    `json:"products"`
	Accounts          []EconomicAccountMap `json:"accounts"`
	VATCodes          []DineroVAT          `json:"vat_codes"`
	OpenItems         EconomicOpenItems    `json:"open_items"`
	OpeningBalance    DineroOpening        `json:"opening_balance"`
	Created           map[string]int       `json:"created,omitempty"`
	Warnings          []string             `json:"warnings,omitempty"`
	ConfirmationToken string               `json:"confirmation_token,omitempty"`
	ExpiresAt         string               `json:"expires_at,omitempty"`
}

func (p *plugin) migrateFromEconomicTool() sdk.Tool {
	return sdk.NewTool(sdk.ToolSpec{
		Name:  "migrate_from_economic",
		Title: "Migrate from e-conomic",
		Description: "Moves an e-conomic agreement into Billy over e-conomic's REST API (the agreement grant token is in the server's config, per Billy organization): " +
			"customers and suppliers as contacts Billy does not have yet (matched by CVR, then name), products (by number), and an accounting year's closing totals as the opening balance in one draft daybook transaction. " +
			"Reports first the chart-of-accounts mapping (e-conomic → Billy by number and kind), the VAT-code map, and the open invoices reconciled against the receivables account (reported, not booked: the opening balance carries them); " +
			"asks for confirmation before writing; a second run creates nothing.",
		Effect: sdk.Destructive, Category: "integrations",
		Scopes:      []string{"billy:write"},
		InputSchema: economicInputSchema,
	}, func(ctx context.Context, call *sdk.Call, in EconomicInput) (EconomicResult, error) {
		return p.migrateFromEconomic(ctx, call, in)
	})
}

// economicFor is the client of the calling organization's agreement.
func (p *plugin) economicFor(call *sdk.Call) (*economicClient, error) {
	c := p.cfg.Economic
	if c == nil || c.AppSecretToken == "" {
		return nil, sdk.NewError(sdk.CategoryForbidden, "economic_not_configured",
			"this server has no e-conomic app: the operator sets economic.app_secret_token (or app_secret_token_file) in the integrations plugin's config")
	}
	grant := c.AgreementGrantTokens[call.Caller.OrganizationID]
	if grant == "" {
		return nil, sdk.NewError(sdk.CategoryForbidden, "economic_not_configured",
			"no e-conomic agreement is configured for this Billy organization (%s): the operator adds its agreement grant token under economic.agreement_grant_tokens in the integrations plugin's config", call.Caller.OrganizationID)
	}
	hc := p.economicHTTP
	if hc == nil {
		hc = newEconomicHTTP()
	}
	sleep := p.economicSleep
	if sleep == nil {
		sleep = sleepCtx
	}
	return &economicClient{base: c.BaseURL, app: c.AppSecretToken, grant: grant, hc: hc, maxBody: economicMaxBody,
		maxPages: economicMaxPages, pageSize: economicPageSize, sleep: sleep}, nil
}

// economicData is what the migration reads from e-conomic.
type economicData struct {
	self           economicSelf
	years          []economicYear
	accounts       []economicAccount
	totals         []economicTotal
	vat            []economicVATAccount
	customers      []economicCustomer
	suppliers      []economicSupplier
	customerGroups []economicGroup
	supplierGroups []economicGroup
	productGroups  map[int]int // group → domestic sales account
	products       []economicProduct
	terms          map[int]economicPaymentTerms
	unpaid         []economicInvoice
}

func (p *plugin) readEconomic(ctx context.Context, c *economicClient, in EconomicInput) (*economicData, *economicYear, error) {
	d := &economicData{productGroups: map[int]int{}, terms: map[int]economicPaymentTerms{}}
	var err error
	if err = c.get(ctx, "/self", nil, &d.self); err != nil {
		return nil, nil, withContext(err, "reading the e-conomic agreement")
	}
	if d.years, err = economicAll[economicYear](ctx, c, "/accounting-years"); err != nil {
		return nil, nil, withContext(err, "reading the accounting years")
	}
	var year *economicYear
	today := p.now().Format("2006-01-02")
	for i, y := range d.years {
		n, _ := strconv.Atoi(y.Year)
		switch {
		case in.Year != 0 && n == in.Year:
			year = &d.years[i]
		case in.Year == 0 && (y.Closed || y.ToDate < today) && (year == nil || y.ToDate > year.ToDate):
			year = &d.years[i]
		}
	}
	if year == nil {
		if in.Year != 0 {
			return nil, nil, sdk.Invalid("year", "the e-conomic agreement has no accounting year %d", in.Year)
		}
		return nil, nil, sdk.NewError(sdk.CategoryValidation, "economic_no_closed_year", "the e-conomic agreement has no closed or ended accounting year; give year")
	}
	reads := []struct {
		what string
		do   func() error
	}{
		{"the chart of accounts", func() (err error) { d.accounts, err = economicAll[economicAccount](ctx, c, "/accounts"); return }},
		{"the accounting year's totals", func() (err error) {
			d.totals, err = economicAll[economicTotal](ctx, c, "/accounting-years/"+year.Year+"/totals")
			return
		}},
		{"the VAT accounts", func() (err error) { d.vat, err = economicAll[economicVATAccount](ctx, c, "/vat-accounts"); return }},
		{"the customers", func() (err error) { d.customers, err = economicAll[economicCustomer](ctx, c, "/customers"); return }},
		{"the suppliers", func() (err error) { d.suppliers, err = economicAll[economicSupplier](ctx, c, "/suppliers"); return }},
		{"the customer groups", func() (err error) {
			d.customerGroups, err = economicAll[economicGroup](ctx, c, "/customer-groups")
			return
		}},
		{"the supplier groups", func() (err error) {
			d.supplierGroups, err = economicAll[economicGroup](ctx, c, "/supplier-groups")
			if err != nil && sdk.AsError(err).Code == "economic_not_found" {
				return nil
			}
			return
		}},
		{"the products", func() (err error) { d.products, err = economicAll[economicProduct](ctx, c, "/products"); return }},
		{"the payment terms", func() error {
			ts, err := economicAll[economicPaymentTerms](ctx, c, "/payment-terms")
			for _, t := range ts {
				d.terms[t.PaymentTermsNumber] = t
			}
			return err
		}},
		{"the product groups", func() error {
			gs, err := economicAll[economicProductGroup](ctx, c, "/product-groups")
			for _, g := range gs {
				if err != nil {
					break
				}
				var sa []economicSalesAccount
				sa, err = economicAll[economicSalesAccount](ctx, c, fmt.Sprintf("/product-groups/%d/sales-accounts", g.ProductGroupNumber))
				for _, a := range sa {
					if a.VATZone.VATZoneNumber == 1 { // domestic
						d.productGroups[g.ProductGroupNumber] = a.SalesAccount.AccountNumber
					}
				}
			}
			return err
		}},
		{"the unpaid invoices", func() (err error) { d.unpaid, err = economicAll[economicInvoice](ctx, c, "/invoices/unpaid"); return }},
	}
	for _, r := range reads {
		if err := r.do(); err != nil {
			return nil, nil, withContext(err, "reading %s from e-conomic", r.what)
		}
	}
	return d, year, nil
}

// economicNature is the Dinero type an e-conomic account stands for, so
// that natureFits judges both sources alike.
func economicNature(a economicAccount) string {
	switch a.AccountType {
	case "status":
		return dineroAsset
	case "profitAndLoss":
		if a.DebitCredit == "credit" {
			return dineroIncome
		}
		return dineroExpense
	}
	return ""
}

// termsOf is a contact's Billy payment terms from e-conomic's.
func termsOf(t economicPaymentTerms, ok bool) (map[string]any, string, string) {
	if !ok {
		return nil, "", ""
	}
	switch t.PaymentTermsType {
	case "net":
		return map[string]any{"paymentTermsMode": "net", "paymentTermsDays": t.DaysOfCredit}, t.Name, ""
	case "invoiceMonth":
		return map[string]any{"paymentTermsMode": "netEndOfMonth", "paymentTermsDays": t.DaysOfCredit}, t.Name, ""
	case "paidInCash", "prepaid":
		return map[string]any{"paymentTermsMode": "net", "paymentTermsDays": 0}, t.Name, ""
	}
	return nil, t.Name, fmt.Sprintf("the payment terms %q (%s) have no Billy equivalent; the contact gets the organization's default", t.Name, t.PaymentTermsType)
}

type economicPlan struct {
	out EconomicResult
}

func (p *plugin) planEconomic(ctx context.Context, call *sdk.Call, in EconomicInput) (*economicPlan, error) {
	if in.OpeningDate != "" && !isDate(in.OpeningDate) {
		return nil, sdk.Invalid("opening_date", "must be a date as YYYY-MM-DD, got %q", in.OpeningDate)
	}
	client, err := p.economicFor(call)
	if err != nil {
		return nil, err
	}
	x, year, err := p.readEconomic(ctx, client, in)
	if err != nil {
		return nil, err
	}
	yearNo, _ := strconv.Atoi(year.Year)
	out := EconomicResult{Company: x.self.Company.Name, CVR: cvrFrom(x.self.Company.CompanyIdentificationNumber), AgreementNumber: x.self.AgreementNumber, Year: yearNo,
		Contacts: []EconomicContact{}, Products: []EconomicProduct{}, Accounts: []EconomicAccountMap{}, VATCodes: []DineroVAT{}}
	date := in.OpeningDate
	if date == "" {
		end, err := time.Parse("2006-01-02", year.ToDate)
		if err != nil {
			return nil, &sdk.Error{Code: "economic_unexpected_response", Category: sdk.CategoryUpstreamUnavailable,
				Message: fmt.Sprintf("e-conomic's accounting year %s ends on %q, not a date; give opening_date", year.Year, year.ToDate)}
		}
		date = end.AddDate(0, 0, 1).Format("2006-01-02")
	}
	target, err := readBillyTarget(ctx, call)
	if err != nil {
		return nil, err
	}

	// Chart mapping: the accounts one can post to; headings and sums carry
	// no balance of their own.
	totals := map[int]decimal.Decimal{}
	for _, t := range x.totals {
		totals[t.Account.AccountNumber] = totals[t.Account.AccountNumber].Add(t.TotalInBaseCurrency)
	}
	mapped := map[int]*EconomicAccountMap{}
	kinds := map[int]economicAccount{}
	for _, a := range x.accounts {
		kinds[a.AccountNumber] = a
		nature := economicNature(a)
		if nature == "" {
			continue
		}
		m := EconomicAccountMap{EconomicNo: a.AccountNumber, Name: a.Name, Type: a.AccountType, DebitCredit: a.DebitCredit}
		if a.VATAccount != nil {
			m.VATCode = a.VATAccount.VATCode
		}
		if bal := totals[a.AccountNumber]; !bal.IsZero() {
			m.Balance = bal.StringFixed(2)
			m.NeededByOB = a.AccountType == "status"
		}
		tno := a.AccountNumber
		if t, ok := in.AccountMap[strconv.Itoa(a.AccountNumber)]; ok {
			tno = t
		}
		ba, ok := target.ByNo[tno]
		switch {
		case !ok:
			m.Status, m.Reason = "unmapped", fmt.Sprintf("Billy has no account %d; map it in account_map", tno)
		case !natureFits(nature, ba.NatureID):
			m.Status, m.Reason = "mismatch", fmt.Sprintf("Billy's account %d %s is %s, the e-conomic account is %s (%s)", ba.AccountNo, ba.Name, ba.NatureID, a.AccountType, a.DebitCredit)
			m.BillyNo, m.BillyName = ba.AccountNo, ba.Name
		default:
			m.Status, m.BillyNo, m.BillyID, m.BillyName, m.billyNature = "mapped", ba.AccountNo, ba.ID, ba.Name, ba.NatureID
		}
		out.Accounts = append(out.Accounts, m)
	}
	sort.Slice(out.Accounts, func(i, j int) bool { return out.Accounts[i].EconomicNo < out.Accounts[j].EconomicNo })
	for i := range out.Accounts {
		mapped[out.Accounts[i].EconomicNo] = &out.Accounts[i]
	}
	for k := range in.AccountMap {
		n, err := strconv.Atoi(k)
		if err != nil || mapped[n] == nil {
			return nil, sdk.Invalid("account_map", "key %q is not an account of the e-conomic chart one can post to", k)
		}
	}

	// VAT codes: e-conomic's Danish codes are Dinero's (U25, I25, IEUV...),
	// so they map to Billy's tax rates by the same table.
	used := map[string]int{}
	for _, a := range x.accounts {
		if a.VATAccount != nil && a.VATAccount.VATCode != "" {
			used[a.VATAccount.VATCode]++
		}
	}
	for _, v := range x.vat {
		if v.Barred {
			continue
		}
		vc := DineroVAT{Code: v.VATCode, Meaning: fmt.Sprintf("%s (%s %%)", v.Name, v.RatePercentage.String()), Used: used[v.VATCode], Status: "unmapped"}
		if want, ok := dineroVATTargets[v.VATCode]; ok {
			if id, name, basis := matchTaxRate(want, target.Rates); id != "" {
				vc.TaxRateID, vc.TaxRate, vc.Basis, vc.Status = id, name, basis, "mapped"
			}
		} else {
			out.Warnings = append(out.Warnings, fmt.Sprintf("VAT code %s %s is not one of the Danish codes this migration knows; pick its Billy tax rate by hand", v.VATCode, v.Name))
		}
		out.VATCodes = append(out.VATCodes, vc)
		delete(used, v.VATCode)
	}
	for code := range used {
		out.Warnings = append(out.Warnings, fmt.Sprintf("VAT code %s is on accounts but not among e-conomic's VAT accounts", code))
	}
	sort.Slice(out.VATCodes, func(i, j int) bool { return out.VATCodes[i].Code < out.VATCodes[j].Code })

	// Contacts: customers, then suppliers; a supplier that is a customer
	// created in this run gets the supplier role on the same contact.
	index := newContactIndex(target.Contacts)
	creating := map[string]*EconomicContact{} // by CVR and by name key
	addContact := func(register string, number int, name, cvrRaw, address, zip, city, country, ean, email, phone string, barred bool, terms economicTermsRef) {
		ec := EconomicContact{Register: register, Number: number, Name: name, Type: "person"}
		cvr := cvrFrom(cvrRaw)
		if strings.TrimSpace(cvrRaw) != "" {
			ec.Type, ec.CVR = "company", strings.ToUpper(strings.ReplaceAll(cvrRaw, " ", ""))
		}
		if cvr != "" {
			ec.CVR = cvr
		}
		t, ok := x.terms[terms.PaymentTermsNumber]
		termBody, termName, warn := termsOf(t, ok)
		ec.PaymentTerms = termName
		switch id, by, matched := index.match(cvr, name); {
		case barred:
			ec.Action = "skipped"
		case matched && id != "":
			ec.Action, ec.MatchedBy, ec.BillyID = "exists", by, id
		case matched:
			// Created earlier in this run.
			first := creating["cvr:"+cvr]
			if first == nil || cvr == "" {
				first = creating["name:"+nameKey(name)]
			}
			ec.Action, ec.MatchedBy = "merged", by
			if first != nil {
				first.body["is"+strings.ToUpper(register[:1])+register[1:]] = true
			}
		default:
			ec.Action = "create"
			cc, cwarn := countryID(country)
			if cwarn != "" {
				out.Warnings = append(out.Warnings, fmt.Sprintf("%s %d %s: %s", register, number, name, cwarn))
			}
			body := map[string]any{"name": name, "type": ec.Type, "countryId": cc, "isCustomer": register == "customer", "isSupplier": register == "supplier"}
			for k, v := range map[string]string{"street": address, "zipcodeText": zip, "cityText": city, "phone": phone, "registrationNo": ec.CVR, "ean": ean} {
				if v != "" {
					body[k] = v
				}
			}
			if register == "customer" {
				body["contactNo"] = strconv.Itoa(number)
			}
			if email != "" {
				body["contactPersons"] = []any{map[string]any{"name": name, "email": email, "isPrimary": true}}
			}
			for k, v := range termBody {
				body[k] = v
			}
			if warn != "" {
				out.Warnings = append(out.Warnings, fmt.Sprintf("%s %d %s: %s", register, number, name, warn))
			}
			ec.body = body
			index.reserve(cvr, name)
		}
		out.Contacts = append(out.Contacts, ec)
		last := &out.Contacts[len(out.Contacts)-1]
		if last.Action == "create" {
			if cvr != "" {
				creating["cvr:"+cvr] = last
			}
			creating["name:"+nameKey(name)] = last
		}
	}
	// out.Contacts grows while creating points into it: size it first.
	out.Contacts = make([]EconomicContact, 0, len(x.customers)+len(x.suppliers))
	for _, c := range x.customers {
		phone := c.TelephoneAndFaxNumber
		if phone == "" {
			phone = c.MobilePhone
		}
		addContact("customer", c.CustomerNumber, c.Name, c.CorporateIdentificationNumber, c.Address, c.Zip, c.City, c.Country, c.EAN, c.Email, phone, c.Barred, c.PaymentTerms)
	}
	for _, s := range x.suppliers {
		addContact("supplier", s.SupplierNumber, s.Name, s.CorporateIdentificationNumber, s.Address, s.Zip, s.City, s.Country, "", s.Email, s.Phone, s.Barred, s.PaymentTerms)
	}

	// Products.
	billyByNo := map[string]string{}
	for _, pr := range target.Products {
		if pr.ProductNo != "" {
			billyByNo[pr.ProductNo] = pr.ID
		}
	}
	for _, pr := range x.products {
		ep := EconomicProduct{Number: pr.ProductNumber, Name: pr.Name, ProductGroup: pr.ProductGroup.ProductGroupNumber, SalesAccount: x.productGroups[pr.ProductGroup.ProductGroupNumber]}
		if pr.SalesPrice != nil {
			ep.Price = pr.SalesPrice.StringFixed(2)
			if !pr.SalesPrice.Equal(pr.SalesPrice.Round(2)) {
				out.Warnings = append(out.Warnings, fmt.Sprintf("product %s: the price %s is rounded to %s", pr.ProductNumber, pr.SalesPrice, ep.Price))
			}
		}
		if id, ok := billyByNo[pr.ProductNumber]; ok {
			ep.Action, ep.BillyID = "exists", id
			out.Products = append(out.Products, ep)
			continue
		}
		if pr.Barred {
			ep.Action = "skipped"
			out.Products = append(out.Products, ep)
			continue
		}
		ep.Action = "create"
		body := map[string]any{"name": pr.Name, "productNo": pr.ProductNumber}
		if ep.SalesAccount != 0 {
			if m := mapped[ep.SalesAccount]; m != nil && m.Status == "mapped" && m.billyNature == "revenue" {
				ep.AccountID, body["accountId"] = m.BillyID, m.BillyID
			} else {
				out.Warnings = append(out.Warnings, fmt.Sprintf("product %s: its group's sales account %d has no Billy revenue account; it gets the organization's default sales account", pr.ProductNumber, ep.SalesAccount))
			}
		}
		if ep.Price != "" {
			body["prices"] = []any{map[string]any{"unitPrice": json.Number(ep.Price), "currencyId": target.BaseCurrencyID}}
		}
		desc := pr.Description
		if pr.Unit != nil && pr.Unit.Name != "" {
			desc = strings.TrimSpace(desc + " (" + pr.Unit.Name + ")")
		}
		if desc != "" {
			body["description"] = desc
		}
		ep.body = body
		billyByNo[pr.ProductNumber] = ""
		out.Products = append(out.Products, ep)
	}

	// Open items, reconciled against the customer groups' accounts.
	oi := EconomicOpenItems{Receivables: []EconomicOpenItem{}, ControlAccounts: []int{},
		Policy:   "reported, not booked: the opening balance carries the receivables account's closing balance, so booking these invoices in Billy as well would count them twice; book their payments against the receivables account with the invoice number in the text",
		Payables: "e-conomic's REST API lists no open supplier invoices: the payables account's balance travels in the opening balance; check it against the suppliers' statements"}
	names := map[int]string{}
	for _, c := range x.customers {
		names[c.CustomerNumber] = c.Name
	}
	sum := decimal.Zero
	for _, inv := range x.unpaid {
		if inv.Remainder.IsZero() {
			continue
		}
		item := EconomicOpenItem{InvoiceNo: inv.BookedInvoiceNumber, CustomerNumber: inv.Customer.CustomerNumber, Customer: names[inv.Customer.CustomerNumber],
			Date: inv.Date, DueDate: inv.DueDate, Currency: inv.Currency,
			GrossAmount: inv.GrossAmount.StringFixed(2), Remainder: inv.Remainder.StringFixed(2), RemainderBase: inv.RemainderInBaseCurrency.StringFixed(2)}
		if item.Customer == "" {
			item.Customer = inv.Recipient.Name
		}
		oi.Receivables = append(oi.Receivables, item)
		sum = sum.Add(inv.RemainderInBaseCurrency)
	}
	control := decimal.Zero
	seen := map[int]bool{}
	for _, g := range x.customerGroups {
		if n := g.Account.AccountNumber; n != 0 && !seen[n] {
			seen[n] = true
			oi.ControlAccounts = append(oi.ControlAccounts, n)
			control = control.Add(totals[n])
		}
	}
	sort.Ints(oi.ControlAccounts)
	oi.Total, oi.ControlBalance, oi.Difference = sum.StringFixed(2), control.StringFixed(2), control.Sub(sum).StringFixed(2)
	switch {
	case len(oi.ControlAccounts) == 0:
		oi.Status = "unchecked"
	case control.Equal(sum):
		oi.Status = "reconciled"
	default:
		oi.Status = "differs"
		out.Warnings = append(out.Warnings, fmt.Sprintf("the open invoices come to %s, the receivables accounts %v to %s at the end of %s (difference %s): invoices paid or booked since the year's end, or postings to the receivables account that are no invoice; check before approving the opening balance",
			oi.Total, oi.ControlAccounts, oi.ControlBalance, year.Year, oi.Difference))
	}
	out.OpenItems = oi
	fillOpenItemContacts(&out)

	// Opening balance: the year's totals; status accounts on lines of their
	// own, profit and loss carried to the result account.
	key := fmt.Sprintf("%s%d:%s", economicKeyPrefix, x.self.AgreementNumber, date)
	spec := openingSpec{Skip: in.SkipOpeningBalance, ResultAccountNo: in.ResultAccountNo, ResultText: "resultat " + year.Year, ByNo: target.ByNo,
		Key: key, Date: date, Description: fmt.Sprintf("Åbningsbalance fra e-conomic (regnskabsår %s, aftale %d)", year.Year, x.self.AgreementNumber), DaybookID: in.DaybookID,
		Unbalanced: fmt.Sprintf("e-conomic's totals of %s do not balance", year.Year)}
	nos := make([]int, 0, len(totals))
	for n := range totals {
		nos = append(nos, n)
	}
	sort.Ints(nos)
	for _, n := range nos {
		a, known := kinds[n]
		l := openingBalanceLine{No: n, Name: a.Name, Type: a.AccountType, Amount: totals[n], Kind: openingOther}
		if m := mapped[n]; m != nil {
			l.Mapped, l.BillyID, l.Reason = m.Status == "mapped", m.BillyID, m.Reason
			if a.AccountType == "status" {
				l.Kind = openingSheet
			} else {
				l.Kind = openingResult
			}
		} else if known && a.AccountType != "status" && a.AccountType != "profitAndLoss" {
			continue // a heading's or sum's total repeats its accounts'
		} else if !known {
			l.Name, l.Type = "(not in the chart of accounts)", "unknown"
		}
		spec.Lines = append(spec.Lines, l)
	}
	ob, err := planOpeningBalance(ctx, call, spec)
	if err != nil {
		return nil, err
	}
	out.OpeningBalance = *ob
	return &economicPlan{out: out}, nil
}

func (p *plugin) migrateFromEconomic(ctx context.Context, call *sdk.Call, in EconomicInput) (EconomicResult, error) {
	pl, err := p.planEconomic(ctx, call, in)
	if err != nil {
		return EconomicResult{}, err
	}
	out := pl.out
	var writes []migrationWrite
	for i := range out.Contacts {
		if c := &out.Contacts[i]; c.Action == "create" {
			writes = append(writes, migrationWrite{Kind: "contacts", Label: "contact " + c.Name, Body: c.body, Created: func(id string) { c.BillyID, c.Action = id, "created" }})
		}
	}
	for i := range out.Products {
		if pr := &out.Products[i]; pr.Action == "create" {
			writes = append(writes, migrationWrite{Kind: "products", Label: "product " + pr.Number, Body: pr.body, Created: func(id string) { pr.BillyID, pr.Action = id, "created" }})
		}
	}
	if o := &out.OpeningBalance; o.Status == "create" {
		writes = append(writes, migrationWrite{Kind: "daybook_transactions", Label: "opening balance", Body: o.body, Created: func(id string) { o.TransactionID, o.Status = id, "created" }})
	}
	res, err := p.runMigration(ctx, call, migrationRun{Tool: "migrate_from_economic", Code: "economic", Source: "e-conomic", Company: out.Company,
		Opening: &out.OpeningBalance, Writes: writes, Lease: economicLease, DryRun: in.DryRun, Token: in.ConfirmationToken,
		Args: struct {
			Agreement int            `json:"agreement"`
			Year      int            `json:"year"`
			Date      string         `json:"date"`
			Map       map[string]int `json:"map"`
			Result    int            `json:"result"`
			Skip      bool           `json:"skip"`
			Book      string         `json:"book"`
		}{out.AgreementNumber, out.Year, out.OpeningBalance.Date, in.AccountMap, in.ResultAccountNo, in.SkipOpeningBalance, in.DaybookID},
		DoneNote: "the opening balance is a draft: review and approve it in Billy's kassekladde; the open invoices stay in the receivables balance (see open_items)"})
	if err != nil {
		return EconomicResult{}, err
	}
	out.Status, out.Message, out.ConfirmationToken, out.ExpiresAt, out.Created = res.Status, res.Message, res.Token, res.ExpiresAt, res.Created
	if res.Created != nil {
		fillOpenItemContacts(&out)
	}
	return out, nil
}

// fillOpenItemContacts names each open item's Billy contact, the
// customer's (matched or created).
func fillOpenItemContacts(out *EconomicResult) {
	ids := map[int]string{}
	for _, c := range out.Contacts {
		if c.Register == "customer" {
			ids[c.Number] = c.BillyID
		}
	}
	for i := range out.OpenItems.Receivables {
		out.OpenItems.Receivables[i].BillyContactID = ids[out.OpenItems.Receivables[i].CustomerNumber]
	}
}
