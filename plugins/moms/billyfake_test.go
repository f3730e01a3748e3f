package moms

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/billy-mcp/billy-mcp/sdk"
	"github.com/billy-mcp/billy-mcp/sdk/sdktest"
)

// fakeBooks is a small read-only Billy for the compliance tools' unit
// tests: records are JSON objects by plural, stored with their embedded
// children (lines) whatever the include asks. It speaks Billy's envelope
// (billy-api.md §2), filters lists by equality on the query's other
// parameters and by minEntryDate/maxEntryDate, sideloads an invoice's
// contact when asked, answers 404 for a resource it does not hold (as an
// older Billy or sandbox would), and records every path read. The real
// wire behaviour is covered end to end against the sandbox (host/e2e).
type fakeBooks struct {
	mu      sync.Mutex
	org     map[string]any
	records map[string][]map[string]any
	// missing lists plurals answered 404 even when records exist.
	missing map[string]bool
	// refuseInclude lists plurals whose include parameter is answered 400,
	// as a Billy that does not know the relation would.
	refuseInclude map[string]bool
	paths         []string
}

// ignoredParams are query parameters the fake does not filter on.
var ignoredParams = map[string]bool{"include": true, "page": true, "pageSize": true, "sortProperty": true, "sortDirection": true}

func newFakeBooks() *fakeBooks {
	return &fakeBooks{records: map[string][]map[string]any{}, missing: map[string]bool{}, refuseInclude: map[string]bool{},
		org: map[string]any{"id": "org-1", "name": "Hansen Handel ApS", "street": "Vestergade 1", "zipcode": "8000", "city": "Aarhus C",
			"countryId": "DK", "registrationNo": "13748136", "baseCurrencyId": "DKK", "fiscalYearEndMonth": 12, "vatPeriod": "quarterly", "nextInvoiceNo": 1}}
}

func (f *fakeBooks) add(plural string, recs ...map[string]any) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.records[plural] = append(f.records[plural], recs...)
}

func (f *fakeBooks) option() sdktest.Option { return sdktest.WithBilly(f.serve) }

func (f *fakeBooks) answer(status int, v any) (*sdk.BillyResponse, error) {
	b, err := json.Marshal(v)
	return &sdk.BillyResponse{Status: status, Body: b}, err
}

func (f *fakeBooks) serve(_ context.Context, req sdk.BillyRequest) (*sdk.BillyResponse, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.paths = append(f.paths, req.Path)
	if req.Method != "GET" {
		return f.answer(405, map[string]any{"errorCode": "METHOD_NOT_ALLOWED", "errorMessage": "the compliance tools only read"})
	}
	meta := map[string]any{"statusCode": 200, "success": true}
	if req.Path == "/organization" {
		return f.answer(200, map[string]any{"organization": f.org, "meta": meta})
	}
	parts := strings.Split(strings.TrimPrefix(req.Path, "/"), "/")
	plural := parts[0]
	recs, ok := f.records[plural]
	if !ok || f.missing[plural] {
		return f.answer(404, map[string]any{"errorCode": "UNKNOWN_RESOURCE", "errorMessage": "unknown resource " + plural})
	}
	if req.Query.Get("include") != "" && f.refuseInclude[plural] {
		return f.answer(400, map[string]any{"errorCode": "INVALID_INCLUDE", "errorMessage": "unknown include " + req.Query.Get("include")})
	}
	if len(parts) == 2 {
		id, _ := url.PathUnescape(parts[1])
		for _, r := range recs {
			if r["id"] == id {
				return f.answer(200, map[string]any{strings.TrimSuffix(plural, "s"): r, "meta": meta})
			}
		}
		return f.answer(404, map[string]any{"errorCode": "RECORD_NOT_FOUND", "errorMessage": "no " + plural + " " + id})
	}
	var out []map[string]any
	for _, r := range recs {
		if matches(r, req.Query) {
			out = append(out, r)
		}
	}
	if out == nil {
		out = []map[string]any{}
	}
	meta["paging"] = map[string]any{"page": 1, "pageCount": 1, "pageSize": 1000, "total": len(out)}
	body := map[string]any{plural: out, "meta": meta}
	if strings.Contains(req.Query.Get("include"), "invoice.contact:sideload") {
		seen := map[any]bool{}
		var cs []map[string]any
		for _, inv := range out {
			for _, c := range f.records["contacts"] {
				if c["id"] == inv["contactId"] && !seen[c["id"]] {
					seen[c["id"]] = true
					cs = append(cs, c)
				}
			}
		}
		body["contacts"] = cs
	}
	return f.answer(200, body)
}

func matches(r map[string]any, q url.Values) bool {
	for k, vs := range q {
		if ignoredParams[k] || len(vs) == 0 {
			continue
		}
		v := vs[0]
		switch k {
		case "minEntryDate":
			if d, _ := r["entryDate"].(string); d < v {
				return false
			}
		case "maxEntryDate":
			if d, _ := r["entryDate"].(string); d > v {
				return false
			}
		default:
			if fmt.Sprint(r[k]) != v {
				return false
			}
		}
	}
	return true
}

// fixedNow is the tests' clock: 27 November 2026, noon in Copenhagen.
func fixedNow() time.Time { return time.Date(2026, time.November, 27, 11, 0, 0, 0, time.UTC) }

// startMoms starts the plugin with the fixed clock and the fake Billy.
func startMoms(t *testing.T, f *fakeBooks, opts ...sdktest.Option) *sdktest.Harness {
	t.Helper()
	if f != nil {
		opts = append(opts, f.option())
	}
	h, err := sdktest.Start(t, newPlugin(fixedNow).declare(), opts...)
	if err != nil {
		t.Fatal(err)
	}
	return h
}
