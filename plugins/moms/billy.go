package moms

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"strconv"
	"strings"

	"github.com/billy-mcp/billy-mcp/sdk"
)

// Billy's envelope (billy-api.md §2): one record answers {"<singular>":
// {...}, "meta": {...}}, a list {"<plural>": [...], "meta": {"paging":
// {...}}}. The compliance tools only read; Host.Billy holds the credentials
// and maps Billy's error answers to *sdk.Error.

// maxPages bounds one list read: 100 pages of 1000 records, the bound
// careful Billy clients use (§4.1). A period with more than that is refused
// rather than computed from part of the books.
const (
	pageSize = 1000
	maxPages = 100
)

// billyGet reads one path and decodes the root key into v.
func billyGet(ctx context.Context, call *sdk.Call, path string, q url.Values, root string, v any) error {
	body, err := billyDo(ctx, call, path, q)
	if err != nil {
		return err
	}
	var roots map[string]json.RawMessage
	if err := json.Unmarshal(body, &roots); err != nil {
		return unexpected(path, "the answer is not a JSON object")
	}
	raw, ok := roots[root]
	if !ok {
		return unexpected(path, fmt.Sprintf("the answer has no %q key", root))
	}
	if err := json.Unmarshal(raw, v); err != nil {
		return unexpected(path, fmt.Sprintf("%q could not be read: %v", root, err))
	}
	return nil
}

// billyList reads every page of a list into out, with the sideloaded roots
// named in side decoded and appended too (side maps a root to a pointer to
// a slice).
func billyList[T any](ctx context.Context, call *sdk.Call, path string, q url.Values, root string, side map[string]any) ([]T, error) {
	var out []T
	for page := 1; ; page++ {
		qq := url.Values{}
		for k, v := range q {
			qq[k] = append([]string(nil), v...)
		}
		qq.Set("page", strconv.Itoa(page))
		qq.Set("pageSize", strconv.Itoa(pageSize))
		body, err := billyDo(ctx, call, path, qq)
		if err != nil {
			return nil, err
		}
		var env struct {
			Meta struct {
				Paging *struct {
					PageCount int `json:"pageCount"`
				} `json:"paging"`
			} `json:"meta"`
		}
		var roots map[string]json.RawMessage
		if err := json.Unmarshal(body, &roots); err != nil {
			return nil, unexpected(path, "the answer is not a JSON object")
		}
		if m, ok := roots["meta"]; ok {
			_ = json.Unmarshal(m, &env.Meta)
		}
		raw, ok := roots[root]
		if !ok {
			return nil, unexpected(path, fmt.Sprintf("the answer has no %q key", root))
		}
		var recs []T
		if err := json.Unmarshal(raw, &recs); err != nil {
			return nil, unexpected(path, fmt.Sprintf("%q could not be read: %v", root, err))
		}
		out = append(out, recs...)
		for key, dst := range side {
			if r, ok := roots[key]; ok {
				if err := appendJSON(r, dst); err != nil {
					return nil, unexpected(path, fmt.Sprintf("%q could not be read: %v", key, err))
				}
			}
		}
		last := len(recs) < pageSize
		if env.Meta.Paging != nil {
			last = page >= env.Meta.Paging.PageCount
		}
		if last {
			return out, nil
		}
		if page == maxPages {
			return nil, sdk.NewError(sdk.CategoryValidation, "too_many_records",
				"%s has more than %d records in the period asked; ask for a shorter period", strings.TrimPrefix(path, "/"), maxPages*pageSize)
		}
	}
}

// appendJSON decodes a JSON array and appends it to the slice dst points
// to.
func appendJSON(raw json.RawMessage, dst any) error {
	switch d := dst.(type) {
	case *[]contact:
		var v []contact
		if err := json.Unmarshal(raw, &v); err != nil {
			return err
		}
		*d = append(*d, v...)
	default:
		return fmt.Errorf("no sideload of %T", dst)
	}
	return nil
}

// billyDo sends one GET and returns the body; a non-2xx status that still
// arrives as a response is mapped as the host maps it.
func billyDo(ctx context.Context, call *sdk.Call, path string, q url.Values) (json.RawMessage, error) {
	resp, err := call.Host.Billy(ctx, sdk.BillyRequest{Method: "GET", Path: path, Query: q})
	if err != nil {
		return nil, withContext(err, "reading %s from Billy", strings.TrimPrefix(path, "/"))
	}
	if resp.Status < 200 || resp.Status > 299 {
		return nil, withContext(statusError(resp), "reading %s from Billy", strings.TrimPrefix(path, "/"))
	}
	return resp.Body, nil
}

func unexpected(path, detail string) *sdk.Error {
	return &sdk.Error{Code: "billy_unexpected_response", Category: sdk.CategoryInternal,
		Message: "Billy answered " + strings.TrimPrefix(path, "/") + " in an unexpected shape (" + detail + "); nothing was assumed"}
}

// statusError maps a non-2xx answer the way the host gateway does.
func statusError(resp *sdk.BillyResponse) *sdk.Error {
	var body struct {
		ErrorCode    string `json:"errorCode"`
		ErrorMessage string `json:"errorMessage"`
	}
	_ = json.Unmarshal(resp.Body, &body)
	msg := "Billy answered HTTP " + strconv.Itoa(resp.Status)
	if body.ErrorMessage != "" {
		msg = "Billy: " + body.ErrorMessage
	}
	cat, code := sdk.CategoryValidation, "billy_request_rejected"
	switch {
	case resp.Status == 404:
		cat, code = sdk.CategoryNotFound, "billy_not_found"
	case resp.Status == 401:
		cat, code = sdk.CategoryUnauthorized, "billy_unauthorized"
	case resp.Status == 403:
		cat, code = sdk.CategoryForbidden, "billy_forbidden"
	case resp.Status == 429:
		cat, code = sdk.CategoryRateLimited, "billy_rate_limited"
	case resp.Status >= 500:
		cat, code = sdk.CategoryUpstreamUnavailable, "upstream_unavailable"
	}
	return &sdk.Error{Code: code, Category: cat, Message: msg, Retryable: cat.Retryable(), UpstreamCode: body.ErrorCode}
}

// withContext prefixes an error's message with what the tool was doing,
// keeping its code, category and Billy's own errorCode.
func withContext(err error, format string, args ...any) error {
	var e *sdk.Error
	if !errors.As(err, &e) {
		return fmt.Errorf("%s: %w", fmt.Sprintf(format, args...), err)
	}
	out := *e
	out.Message = fmt.Sprintf(format, args...) + ": " + e.Message
	return &out
}

// isNotFound reports whether err is Billy's 404: a record, or a resource
// this Billy (or sandbox) does not have.
func isNotFound(err error) bool {
	var e *sdk.Error
	return errors.As(err, &e) && e.Category == sdk.CategoryNotFound
}

// flexString reads a string that Billy sometimes documents as a number
// (invoiceNo, voucherNo, §2.3).
type flexString string

func (f *flexString) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err == nil {
		*f = flexString(s)
		return nil
	}
	var n json.Number
	if err := json.Unmarshal(b, &n); err == nil {
		*f = flexString(n.String())
		return nil
	}
	*f = ""
	return nil
}

// The records the compliance tools read (billy-api.md §7). Only the fields
// used are declared; Billy sends more.

type organization struct {
	ID                   string `json:"id"`
	Name                 string `json:"name"`
	Street               string `json:"street"`
	Zipcode              string `json:"zipcode"`
	City                 string `json:"city"`
	CountryID            string `json:"countryId"`
	RegistrationNo       string `json:"registrationNo"`
	BaseCurrencyID       string `json:"baseCurrencyId"`
	FiscalYearEndMonth   int    `json:"fiscalYearEndMonth"`
	FirstFiscalYearStart string `json:"firstFiscalYearStart"`
	FirstFiscalYearEnd   string `json:"firstFiscalYearEnd"`
	HasVat               *bool  `json:"hasVat"`
	VatPeriod            string `json:"vatPeriod"`
	SalesTaxPeriod       string `json:"salesTaxPeriod"`
	NextInvoiceNo        int    `json:"nextInvoiceNo"`
}

type taxRate struct {
	ID                  string               `json:"id"`
	Name                string               `json:"name"`
	Abbreviation        string               `json:"abbreviation"`
	Description         string               `json:"description"`
	Rate                Exact                `json:"rate"`
	AppliesToSales      bool                 `json:"appliesToSales"`
	AppliesToPurchases  bool                 `json:"appliesToPurchases"`
	PredefinedTag       string               `json:"predefinedTag"`
	DeductionComponents []deductionComponent `json:"deductionComponents"`
}

// deductionComponent is a part of a tax rate's VAT and how much of it is
// deductible (billy-api.md §7.5: "has-many, for partly deductible VAT"; the
// shape beyond share is not documented).
type deductionComponent struct {
	TaxRateID string `json:"taxRateId"`
	Share     *Exact `json:"share"`
	Source    string `json:"source"`
}

// readTaxRates reads the organization's tax rates with their deduction
// components: embedded where Billy takes the include, otherwise from
// taxRateDeductionComponents, and without them where Billy has neither
// (the rates' names then place partial deduction, classify.go).
func readTaxRates(ctx context.Context, call *sdk.Call) (map[string]taxRate, error) {
	rates, err := billyList[taxRate](ctx, call, "/taxRates", url.Values{"include": {"taxRate.deductionComponents:embed"}}, "taxRates", nil)
	embedded := err == nil
	if err != nil && refused(err) {
		rates, err = billyList[taxRate](ctx, call, "/taxRates", nil, "taxRates", nil)
	}
	if err != nil {
		return nil, err
	}
	byID := make(map[string]taxRate, len(rates))
	for _, r := range rates {
		byID[r.ID] = r
	}
	if embedded {
		return byID, nil
	}
	comps, err := billyList[deductionComponent](ctx, call, "/taxRateDeductionComponents", nil, "taxRateDeductionComponents", nil)
	switch {
	case err == nil:
		for _, c := range comps {
			if r, ok := byID[c.TaxRateID]; ok {
				r.DeductionComponents = append(r.DeductionComponents, c)
				byID[c.TaxRateID] = r
			}
		}
	case isNotFound(err) || refused(err):
	default:
		return nil, err
	}
	return byID, nil
}

// refused reports whether Billy refused the request as invalid (an include
// it does not know, a filter it rejects).
func refused(err error) bool {
	var e *sdk.Error
	return errors.As(err, &e) && e.Category == sdk.CategoryValidation
}

type account struct {
	ID            string `json:"id"`
	Name          string `json:"name"`
	AccountNo     int    `json:"accountNo"`
	NatureID      string `json:"natureId"`
	SystemRole    string `json:"systemRole"`
	IsBankAccount bool   `json:"isBankAccount"`
	IsArchived    bool   `json:"isArchived"`
}

type contact struct {
	ID             string `json:"id"`
	Type           string `json:"type"`
	Name           string `json:"name"`
	CountryID      string `json:"countryId"`
	Street         string `json:"street"`
	CityText       string `json:"cityText"`
	ZipcodeText    string `json:"zipcodeText"`
	RegistrationNo string `json:"registrationNo"`
	EAN            string `json:"ean"`
}

type invoice struct {
	ID                 string        `json:"id"`
	Type               string        `json:"type"`
	State              string        `json:"state"`
	ContactID          string        `json:"contactId"`
	AttContactPersonID string        `json:"attContactPersonId"`
	EntryDate          string        `json:"entryDate"`
	DueDate            string        `json:"dueDate"`
	PaymentTermsMode   string        `json:"paymentTermsMode"`
	PaymentTermsDays   int           `json:"paymentTermsDays"`
	InvoiceNo          flexString    `json:"invoiceNo"`
	TaxMode            string        `json:"taxMode"`
	Amount             Exact         `json:"amount"`
	Tax                Exact         `json:"tax"`
	GrossAmount        Exact         `json:"grossAmount"`
	CurrencyID         string        `json:"currencyId"`
	ExchangeRate       Exact         `json:"exchangeRate"`
	CreditedInvoiceID  string        `json:"creditedInvoiceId"`
	ContactMessage     string        `json:"contactMessage"`
	OrderNo            string        `json:"orderNo"`
	Lines              []invoiceLine `json:"lines"`
}

type invoiceLine struct {
	ID          string `json:"id"`
	ProductID   string `json:"productId"`
	Description string `json:"description"`
	Quantity    Exact  `json:"quantity"`
	UnitPrice   Exact  `json:"unitPrice"`
	Amount      Exact  `json:"amount"`
	Tax         Exact  `json:"tax"`
	TaxRateID   string `json:"taxRateId"`
}

type bill struct {
	ID                 string     `json:"id"`
	Type               string     `json:"type"`
	State              string     `json:"state"`
	ContactID          string     `json:"contactId"`
	ContactName        string     `json:"contactName"`
	EntryDate          string     `json:"entryDate"`
	SuppliersInvoiceNo string     `json:"suppliersInvoiceNo"`
	VoucherNo          flexString `json:"voucherNo"`
	TaxMode            string     `json:"taxMode"`
	Amount             Exact      `json:"amount"`
	Tax                Exact      `json:"tax"`
	CurrencyID         string     `json:"currencyId"`
	ExchangeRate       Exact      `json:"exchangeRate"`
	CreditedBillID     string     `json:"creditedBillId"`
	Lines              []billLine `json:"lines"`
	AttachmentIDs      []string   `json:"attachmentIds"`
	Attachments        []struct {
		ID string `json:"id"`
	} `json:"attachments"`
}

type billLine struct {
	ID          string `json:"id"`
	AccountID   string `json:"accountId"`
	TaxRateID   string `json:"taxRateId"`
	Description string `json:"description"`
	Amount      Exact  `json:"amount"`
	Tax         Exact  `json:"tax"`
}

type transaction struct {
	ID                  string     `json:"id"`
	TransactionNo       int        `json:"transactionNo"`
	VoucherNo           flexString `json:"voucherNo"`
	CreatedTime         string     `json:"createdTime"`
	EntryDate           string     `json:"entryDate"`
	OriginatorReference string     `json:"originatorReference"`
	OriginatorName      string     `json:"originatorName"`
	IsVoided            bool       `json:"isVoided"`
	// IsVoid marks the transaction that reverses a voided one.
	IsVoid bool `json:"isVoid"`
}

type posting struct {
	ID               string `json:"id"`
	TransactionID    string `json:"transactionId"`
	EntryDate        string `json:"entryDate"`
	Text             string `json:"text"`
	AccountID        string `json:"accountId"`
	Amount           Exact  `json:"amount"`
	Side             string `json:"side"`
	CurrencyID       string `json:"currencyId"`
	BaseAmount       *Exact `json:"baseAmount"`
	SalesTaxReturnID string `json:"salesTaxReturnId"`
	IsVoided         bool   `json:"isVoided"`
	IsBankMatched    bool   `json:"isBankMatched"`
}

type salesTaxReturn struct {
	ID             string `json:"id"`
	PeriodType     string `json:"periodType"`
	Period         string `json:"period"`
	PeriodText     string `json:"periodText"`
	CorrectionNo   int    `json:"correctionNo"`
	StartDate      string `json:"startDate"`
	EndDate        string `json:"endDate"`
	ReportDeadline string `json:"reportDeadline"`
	IsSettled      bool   `json:"isSettled"`
	IsPaid         bool   `json:"isPaid"`
}
