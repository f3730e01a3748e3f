package invoices

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

// Billy's envelope (billy-api.md §2): a GET of one record answers
// {"<singular>": {...}, "meta": {...}}, a list {"<plural>": [...], "meta":
// {"paging": {...}}}, and every write the changed records under plural keys,
// always as arrays. The helpers below speak that envelope over Host.Billy,
// which holds the credentials and maps Billy's error answers to *sdk.Error.

// kind names one of Billy's resources as the tools talk about it.
type kind struct {
	plural   string // URL segment and list root, "invoices"
	singular string // record root, "invoice"
	noun     string // for messages, "invoice"
	idField  string // the tool argument that names one, "invoiceId"
	code     string // prefix of its error codes, "invoice"
}

var (
	kindInvoice       = kind{"invoices", "invoice", "invoice", "invoiceId", "invoice"}
	kindContact       = kind{"contacts", "contact", "customer (contact)", "contactId", "contact"}
	kindContactPerson = kind{"contactPersons", "contactPerson", "contact person", "contactPersonId", "contact_person"}
	kindProduct       = kind{"products", "product", "product", "productId", "product"}
	kindBankPayment   = kind{"bankPayments", "bankPayment", "bank payment", "paymentId", "bank_payment"}
	kindAccount       = kind{"accounts", "account", "account", "cashAccountId", "account"}
)

// paging is meta.paging. Billy pages with page (from 1) and pageSize, at
// most 1000 (§4.1); there is no offset or cursor upstream.
type paging struct {
	Page      int `json:"page"`
	PageCount int `json:"pageCount"`
	PageSize  int `json:"pageSize"`
	Total     int `json:"total"`
}

// envelope is a decoded Billy answer: its root keys, undecoded, and meta.
type envelope struct {
	roots map[string]json.RawMessage
	meta  struct {
		Paging *paging `json:"paging"`
	}
}

func decodeEnvelope(body json.RawMessage) (*envelope, error) {
	env := &envelope{}
	if err := json.Unmarshal(body, &env.roots); err != nil || env.roots == nil {
		return nil, unexpected("the answer is not a JSON object")
	}
	if raw, ok := env.roots["meta"]; ok {
		// meta is informative; a shape we do not know must not fail a read.
		_ = json.Unmarshal(raw, &env.meta)
	}
	return env, nil
}

// decodeRoot decodes one root key into v; a missing key is an error because
// it means Billy answered something other than what was asked.
func (e *envelope) decodeRoot(key string, v any) error {
	raw, ok := e.roots[key]
	if !ok {
		return unexpected(fmt.Sprintf("the answer has no %q key", key))
	}
	if err := json.Unmarshal(raw, v); err != nil {
		return unexpected(fmt.Sprintf("%q could not be read: %v", key, err))
	}
	return nil
}

// optionalRoot decodes a root key that may be absent (sideloads).
func (e *envelope) optionalRoot(key string, v any) {
	if raw, ok := e.roots[key]; ok {
		_ = json.Unmarshal(raw, v)
	}
}

func unexpected(detail string) *sdk.Error {
	return &sdk.Error{Code: "billy_unexpected_response", Category: sdk.CategoryInternal,
		Message: "Billy answered in an unexpected shape (" + detail + "); nothing was assumed"}
}

// BillyCall is one request to Billy as the tools show it in previews and dry
// runs: exactly what is (or would be) sent, below the API base URL.
type BillyCall struct {
	Method string            `json:"method"`
	Path   string            `json:"path"`
	Query  map[string]string `json:"query,omitempty"`
	Body   any               `json:"body,omitempty"`
}

func (b BillyCall) request() sdk.BillyRequest {
	req := sdk.BillyRequest{Method: b.Method, Path: b.Path, Body: b.Body}
	if len(b.Query) > 0 {
		req.Query = url.Values{}
		for k, v := range b.Query {
			req.Query.Set(k, v)
		}
	}
	return req
}

// do sends one request. Host.Billy already maps Billy's error answers to
// *sdk.Error; a non-2xx status that still arrives as a response (a test
// fake, a future host) is mapped here too, because no 4xx is ever a success.
func do(ctx context.Context, call *sdk.Call, req sdk.BillyRequest) (*envelope, error) {
	resp, err := call.Host.Billy(ctx, req)
	if err != nil {
		return nil, err
	}
	if resp.Status < 200 || resp.Status > 299 {
		return nil, statusError(resp)
	}
	return decodeEnvelope(resp.Body)
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
	case resp.Status == 409:
		cat, code = sdk.CategoryConflict, "billy_conflict"
	case resp.Status == 429:
		cat, code = sdk.CategoryRateLimited, "billy_rate_limited"
	case resp.Status == 400 || resp.Status == 422:
		code = "billy_validation_failed"
	case resp.Status >= 500:
		cat, code = sdk.CategoryUpstreamUnavailable, "upstream_unavailable"
	case resp.Status < 200 || resp.Status >= 300:
	}
	return &sdk.Error{Code: code, Category: cat, Message: msg, Retryable: cat.Retryable(), UpstreamCode: body.ErrorCode}
}

// withContext prefixes an error's message with what the tool was doing,
// keeping its code, category, fields and Billy's own errorCode: the caller
// needs both what failed and why.
func withContext(err error, format string, args ...any) error {
	var e *sdk.Error
	if !errors.As(err, &e) {
		return fmt.Errorf("%s: %w", fmt.Sprintf(format, args...), err)
	}
	out := *e
	out.Message = fmt.Sprintf(format, args...) + ": " + e.Message
	return &out
}

// notFound turns Billy's 404 for one record into a not_found error naming
// the ID and the argument it came from; other errors get context.
func notFound(err error, k kind, id string) error {
	var e *sdk.Error
	if errors.As(err, &e) && e.Category == sdk.CategoryNotFound {
		out := sdk.NotFound(k.code+"_not_found",
			"there is no %s with ID %q in this Billy organization; check %s (list the records to find the right ID)", k.noun, id, k.idField)
		out.Fields = []sdk.FieldError{{Field: k.idField, Message: fmt.Sprintf("no %s with ID %q", k.noun, id)}}
		out.UpstreamCode = e.UpstreamCode
		return out
	}
	return withContext(err, "reading %s %s", k.noun, id)
}

// getOne reads one record, GET /{plural}/{id}, decoding its singular root
// into v. The envelope is returned for sideloaded records.
func getOne(ctx context.Context, call *sdk.Call, k kind, id string, q url.Values, v any) (*envelope, error) {
	env, err := do(ctx, call, sdk.BillyRequest{Method: "GET", Path: "/" + k.plural + "/" + url.PathEscape(id), Query: q})
	if err != nil {
		return nil, notFound(err, k, id)
	}
	if err := env.decodeRoot(k.singular, v); err != nil {
		return nil, err
	}
	return env, nil
}

// listPage reads one page of a list.
func listPage(ctx context.Context, call *sdk.Call, path string, q url.Values, page, size int) (*envelope, error) {
	qq := url.Values{}
	for k, v := range q {
		qq[k] = append([]string(nil), v...)
	}
	qq.Set("page", strconv.Itoa(page))
	qq.Set("pageSize", strconv.Itoa(size))
	env, err := do(ctx, call, sdk.BillyRequest{Method: "GET", Path: path, Query: qq})
	if err != nil {
		return nil, withContext(err, "listing %s", strings.TrimPrefix(path, "/"))
	}
	return env, nil
}

// fetchWindow reads the records [offset, offset+limit) of a list. Billy
// pages by page number, so with pageSize = limit an aligned offset (every
// cursor this plugin issues) is exactly one page; an unaligned v1 offset
// needs at most two. It never reads the whole list.
func fetchWindow(ctx context.Context, call *sdk.Call, path, root string, q url.Values, offset, limit int) (records []json.RawMessage, pages []*envelope, total int, err error) {
	first := offset/limit + 1
	skip := offset % limit
	last := first
	if skip > 0 {
		last = first + 1
	}
	total = -1
	for p := first; p <= last; p++ {
		env, err := listPage(ctx, call, path, q, p, limit)
		if err != nil {
			return nil, nil, 0, err
		}
		var recs []json.RawMessage
		if err := env.decodeRoot(root, &recs); err != nil {
			return nil, nil, 0, err
		}
		pages = append(pages, env)
		records = append(records, recs...)
		if env.meta.Paging != nil {
			total = env.meta.Paging.Total
			if p >= env.meta.Paging.PageCount {
				break
			}
		} else if len(recs) < limit {
			break
		}
	}
	if skip > len(records) {
		skip = len(records)
	}
	records = records[skip:]
	if len(records) > limit {
		records = records[:limit]
	}
	if total < 0 {
		// No paging meta (Billy always sends it, but do not invent more).
		total = offset + len(records)
	}
	return records, pages, total, nil
}

// write sends one write and returns Billy's answer: the changed records
// under plural keys.
func write(ctx context.Context, call *sdk.Call, c BillyCall) (*envelope, error) {
	return do(ctx, call, c.request())
}

// createdID finds the record a POST created: the first record under the
// plural root that match accepts. Billy lists every changed record there,
// so a create can also list others (a credit note lists the invoice it
// offsets), which is why the caller says which one it means.
func (e *envelope) createdID(plural string, match func(raw json.RawMessage) bool) (string, error) {
	var recs []json.RawMessage
	e.optionalRoot(plural, &recs)
	for _, raw := range recs {
		if match != nil && !match(raw) {
			continue
		}
		var r struct {
			ID string `json:"id"`
		}
		if json.Unmarshal(raw, &r) == nil && r.ID != "" {
			return r.ID, nil
		}
	}
	return "", unexpected(fmt.Sprintf("the write answer lists no created record under %q", plural))
}

// flexString reads a string that Billy sometimes documents as a number
// (invoiceNo, §2.3).
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
