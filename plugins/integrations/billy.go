package integrations

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"strconv"

	"github.com/billy-mcp/billy-mcp/sdk"
	"github.com/shopspring/decimal"
)

// Billy's envelope (billy-api.md § 2), spoken over Host.Billy as the
// invoices plugin does: a record under its singular key, a list under its
// plural key with meta.paging, a write's changed records under plural keys.

// BillyCall is one request to Billy as previews show it.
type BillyCall struct {
	Method string `json:"method"`
	Path   string `json:"path"`
	Body   any    `json:"body,omitempty"`
}

func billy(ctx context.Context, call *sdk.Call, method, path string, q url.Values, body any) (map[string]json.RawMessage, error) {
	resp, err := call.Host.Billy(ctx, sdk.BillyRequest{Method: method, Path: path, Query: q, Body: body})
	if err != nil {
		return nil, err
	}
	if resp.Status < 200 || resp.Status > 299 {
		var b struct {
			ErrorCode    string `json:"errorCode"`
			ErrorMessage string `json:"errorMessage"`
		}
		_ = json.Unmarshal(resp.Body, &b)
		cat := sdk.CategoryValidation
		switch {
		case resp.Status == 404:
			cat = sdk.CategoryNotFound
		case resp.Status >= 500:
			cat = sdk.CategoryUpstreamUnavailable
		}
		return nil, &sdk.Error{Code: "billy_request_rejected", Category: cat, Retryable: cat.Retryable(), UpstreamCode: b.ErrorCode,
			Message: fmt.Sprintf("Billy answered HTTP %d to %s %s: %s", resp.Status, method, path, b.ErrorMessage)}
	}
	var roots map[string]json.RawMessage
	if err := json.Unmarshal(resp.Body, &roots); err != nil || roots == nil {
		return nil, unexpected(method + " " + path + ": the answer is not a JSON object")
	}
	return roots, nil
}

func unexpected(detail string) *sdk.Error {
	return &sdk.Error{Code: "billy_unexpected_response", Category: sdk.CategoryInternal,
		Message: "Billy answered in an unexpected shape (" + detail + "); nothing was assumed"}
}

func decodeRoot(roots map[string]json.RawMessage, key string, v any) error {
	raw, ok := roots[key]
	if !ok {
		return unexpected(fmt.Sprintf("the answer has no %q key", key))
	}
	if err := json.Unmarshal(raw, v); err != nil {
		return unexpected(fmt.Sprintf("%q could not be read: %v", key, err))
	}
	return nil
}

// listAll reads every page of a list, up to maxPages of 1000.
func listAll[T any](ctx context.Context, call *sdk.Call, path, root string, q url.Values, maxPages int) ([]T, error) {
	var out []T
	for page := 1; page <= maxPages; page++ {
		qq := url.Values{}
		for k, v := range q {
			qq[k] = v
		}
		qq.Set("page", strconv.Itoa(page))
		qq.Set("pageSize", "1000")
		roots, err := billy(ctx, call, "GET", path, qq, nil)
		if err != nil {
			return nil, err
		}
		var recs []T
		if err := decodeRoot(roots, root, &recs); err != nil {
			return nil, err
		}
		out = append(out, recs...)
		var meta struct {
			Paging *struct {
				PageCount int `json:"pageCount"`
			} `json:"paging"`
		}
		if raw, ok := roots["meta"]; ok {
			_ = json.Unmarshal(raw, &meta)
		}
		if meta.Paging == nil || page >= meta.Paging.PageCount {
			return out, nil
		}
		if err := ctx.Err(); err != nil {
			return nil, err
		}
	}
	return nil, sdk.NewError(sdk.CategoryValidation, "too_many_records",
		"%s has more than %d records; narrow the period", path, maxPages*1000)
}

// flexString reads invoiceNo, a string Billy's docs sometimes show as a
// number (billy-api.md § 2.3).
type flexString string

func (f *flexString) UnmarshalJSON(b []byte) error {
	var s string
	if json.Unmarshal(b, &s) == nil {
		*f = flexString(s)
		return nil
	}
	var n json.Number
	if json.Unmarshal(b, &n) == nil {
		*f = flexString(n.String())
		return nil
	}
	*f = ""
	return nil
}

type billyInvoice struct {
	ID         string          `json:"id"`
	Type       string          `json:"type"`
	State      string          `json:"state"`
	InvoiceNo  flexString      `json:"invoiceNo"`
	ContactID  string          `json:"contactId"`
	EntryDate  string          `json:"entryDate"`
	DueDate    string          `json:"dueDate"`
	Balance    decimal.Decimal `json:"balance"`
	IsPaid     bool            `json:"isPaid"`
	CurrencyID string          `json:"currencyId"`
}

type billyContact struct {
	ID   string `json:"id"`
	Name string `json:"name"`
}

type billyAccount struct {
	ID               string `json:"id"`
	Name             string `json:"name"`
	AccountNo        int    `json:"accountNo"`
	CurrencyID       string `json:"currencyId"`
	IsPaymentEnabled bool   `json:"isPaymentEnabled"`
	IsArchived       bool   `json:"isArchived"`
}

// openInvoice is an approved, unpaid invoice as matching sees it.
type openInvoice struct {
	ID, No, ContactID, Customer, Currency, DueDate string
	Balance                                        decimal.Decimal
}

// readOpenInvoices reads the approved, unpaid invoices (not credit notes)
// and their customers' names.
func readOpenInvoices(ctx context.Context, call *sdk.Call) ([]openInvoice, error) {
	q := url.Values{"state": {"approved"}, "isPaid": {"false"}, "include": {"invoice.contact:sideload"}}
	invs, err := listAll[billyInvoice](ctx, call, "/invoices", "invoices", q, 10)
	if err != nil {
		return nil, withContext(err, "reading the open invoices")
	}
	contacts, err := listAll[billyContact](ctx, call, "/contacts", "contacts", url.Values{"isCustomer": {"true"}}, 10)
	if err != nil {
		return nil, withContext(err, "reading the customers")
	}
	names := map[string]string{}
	for _, c := range contacts {
		names[c.ID] = c.Name
	}
	out := make([]openInvoice, 0, len(invs))
	for _, inv := range invs {
		if inv.Type == "creditNote" || inv.State != "approved" || inv.IsPaid || !inv.Balance.IsPositive() {
			continue
		}
		out = append(out, openInvoice{ID: inv.ID, No: string(inv.InvoiceNo), ContactID: inv.ContactID, Customer: names[inv.ContactID],
			Currency: inv.CurrencyID, DueDate: inv.DueDate, Balance: inv.Balance})
	}
	return out, nil
}

func withContext(err error, format string, args ...any) error {
	var e *sdk.Error
	if !errors.As(err, &e) {
		return fmt.Errorf("%s: %w", fmt.Sprintf(format, args...), err)
	}
	out := *e
	out.Message = fmt.Sprintf(format, args...) + ": " + e.Message
	return &out
}
