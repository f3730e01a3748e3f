package economic

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"
)

const (
	defaultPageSize = 20
	maxPageSize     = 1000
)

// Options configures a fake.
type Options struct {
	// AppSecretToken is the app's token every request must carry in
	// X-AppSecretToken; empty means "app-secret".
	AppSecretToken string
	// Agreements maps an agreement grant token (X-AgreementGrantToken) to
	// its agreement's data. Empty: the token "demo-grant" to Demo().
	Agreements map[string]*Agreement
	// RateLimitAfter, when above zero, answers HTTP 429 to every request
	// after that many (per fake), until ResetRateLimit.
	RateLimitAfter int
	// BaseURL is what self links start with; empty: the request's host.
	BaseURL string
}

// Server is the fake, an http.Handler.
type Server struct {
	mu       sync.Mutex
	opts     Options
	requests int
	failNext int
	fail     int // the status FailNext answers with
	log      []string
}

// New returns a fake serving opts' agreements.
func New(opts Options) *Server {
	if opts.AppSecretToken == "" {
		opts.AppSecretToken = "app-secret"
	}
	if len(opts.Agreements) == 0 {
		opts.Agreements = map[string]*Agreement{"demo-grant": Demo()}
	}
	return &Server{opts: opts}
}

// FailNext makes the next n requests (after auth) answer status (429 or
// a 5xx); 429 carries Retry-After: 1.
func (s *Server) FailNext(n, status int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.failNext, s.fail = n, status
}

// ResetRateLimit starts RateLimitAfter's count again.
func (s *Server) ResetRateLimit() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.requests = 0
}

// Requests returns the paths (with query) requested so far.
func (s *Server) Requests() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.log...)
}

// apiError is e-conomic's error body.
type apiError struct {
	Message        string `json:"message"`
	ErrorCode      string `json:"errorCode,omitempty"`
	DeveloperHint  string `json:"developerHint,omitempty"`
	LogID          string `json:"logId"`
	HTTPStatusCode int    `json:"httpStatusCode"`
	LogTime        string `json:"logTime"`
}

func (s *Server) fault(w http.ResponseWriter, status int, code, msg, hint string) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	if status == http.StatusTooManyRequests {
		w.Header().Set("Retry-After", "1")
	}
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(apiError{Message: msg, ErrorCode: code, DeveloperHint: hint,
		LogID: fmt.Sprintf("fake-%d", time.Now().UnixNano()), HTTPStatusCode: status, LogTime: time.Now().UTC().Format("2006-01-02T15:04:05")})
}

func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.log = append(s.log, r.URL.RequestURI())
	app, grant := r.Header.Get("X-AppSecretToken"), r.Header.Get("X-AgreementGrantToken")
	ag, ok := s.opts.Agreements[grant]
	if app == "" || grant == "" || app != s.opts.AppSecretToken || !ok {
		s.fault(w, http.StatusUnauthorized, "E00500", "Unauthorized: the app secret token or the agreement grant token is missing or not valid.",
			"Send X-AppSecretToken and X-AgreementGrantToken headers; see https://restdocs.e-conomic.com/#authentication.")
		return
	}
	s.requests++
	if s.failNext > 0 {
		s.failNext--
		s.fault(w, s.fail, "", http.StatusText(s.fail), "Try again later.")
		return
	}
	if s.opts.RateLimitAfter > 0 && s.requests > s.opts.RateLimitAfter {
		s.fault(w, http.StatusTooManyRequests, "", "Too many requests.", "Slow down; retry after the number of seconds in Retry-After.")
		return
	}
	if r.Method != http.MethodGet {
		s.fault(w, http.StatusMethodNotAllowed, "E00100", "Method not allowed by this fake.", "The fake serves reads only.")
		return
	}
	base := s.opts.BaseURL
	if base == "" {
		base = "http://" + r.Host
	}
	base = strings.TrimRight(base, "/")
	v := view{base: base, ag: ag}
	path := strings.Trim(r.URL.Path, "/")
	parts := strings.Split(path, "/")
	var items []any
	switch {
	case path == "self":
		s.write(w, map[string]any{"agreementNumber": ag.AgreementNumber, "company": ag.Company, "self": base + "/self"})
		return
	case path == "customers":
		for _, c := range ag.Customers {
			items = append(items, v.customer(c))
		}
	case path == "suppliers":
		for _, c := range ag.Suppliers {
			items = append(items, v.supplier(c))
		}
	case path == "customer-groups":
		for _, g := range ag.CustomerGroups {
			items = append(items, map[string]any{"customerGroupNumber": g.Number, "name": g.Name, "account": v.account(g.Account), "self": fmt.Sprintf("%s/customer-groups/%d", base, g.Number)})
		}
	case path == "supplier-groups":
		for _, g := range ag.SupplierGroups {
			items = append(items, map[string]any{"supplierGroupNumber": g.Number, "name": g.Name, "account": v.account(g.Account), "self": fmt.Sprintf("%s/supplier-groups/%d", base, g.Number)})
		}
	case path == "product-groups":
		for _, g := range ag.ProductGroups {
			items = append(items, map[string]any{"productGroupNumber": g.ProductGroupNumber, "name": g.Name,
				"salesAccounts": fmt.Sprintf("%s/product-groups/%d/sales-accounts", base, g.ProductGroupNumber),
				"products":      fmt.Sprintf("%s/product-groups/%d/products", base, g.ProductGroupNumber),
				"self":          fmt.Sprintf("%s/product-groups/%d", base, g.ProductGroupNumber)})
		}
	case len(parts) == 3 && parts[0] == "product-groups" && parts[2] == "sales-accounts":
		n, _ := strconv.Atoi(parts[1])
		found := false
		for _, g := range ag.ProductGroups {
			if g.ProductGroupNumber != n || n == 0 {
				continue
			}
			found = true
			zones := make([]int, 0, len(g.SalesAccounts))
			for z := range g.SalesAccounts {
				zones = append(zones, z)
			}
			sort.Ints(zones)
			for _, z := range zones {
				items = append(items, map[string]any{"salesAccount": v.account(g.SalesAccounts[z]), "vatZone": map[string]any{"vatZoneNumber": z, "self": fmt.Sprintf("%s/vat-zones/%d", base, z)}})
			}
		}
		if !found {
			s.notFound(w, r)
			return
		}
	case path == "products":
		for _, p := range ag.Products {
			items = append(items, v.product(p))
		}
	case path == "payment-terms":
		for _, t := range ag.PaymentTerms {
			items = append(items, v.terms(t.PaymentTermsNumber))
		}
	case path == "accounts":
		for _, a := range ag.Accounts {
			items = append(items, v.accountFull(a))
		}
	case path == "vat-accounts":
		for _, a := range ag.VATAccounts {
			m := map[string]any{"vatCode": a.VATCode, "name": a.Name, "ratePercentage": a.RatePercentage, "barred": a.Barred,
				"vatType": map[string]any{"name": a.VATType}, "self": base + "/vat-accounts/" + url.PathEscape(a.VATCode)}
			if a.Account != 0 {
				m["account"] = v.account(a.Account)
			}
			if a.ContraAccount != 0 {
				m["contraAccount"] = v.account(a.ContraAccount)
			}
			items = append(items, m)
		}
	case path == "accounting-years":
		for _, y := range ag.AccountingYears {
			items = append(items, map[string]any{"year": y.Year, "fromDate": y.FromDate, "toDate": y.ToDate, "closed": y.Closed,
				"totals": base + "/accounting-years/" + y.Year + "/totals", "self": base + "/accounting-years/" + y.Year})
		}
	case len(parts) == 3 && parts[0] == "accounting-years" && parts[2] == "totals":
		var year *AccountingYear
		for i := range ag.AccountingYears {
			if ag.AccountingYears[i].Year == parts[1] {
				year = &ag.AccountingYears[i]
			}
		}
		if year == nil {
			s.notFound(w, r)
			return
		}
		nos := make([]int, 0, len(year.Totals))
		for n := range year.Totals {
			nos = append(nos, n)
		}
		sort.Ints(nos)
		for _, n := range nos {
			items = append(items, map[string]any{"account": v.account(n), "fromDate": year.FromDate, "toDate": year.ToDate,
				"totalInBaseCurrency": year.Totals[n], "self": fmt.Sprintf("%s/accounts/%d/accounting-years/%s/totals", base, n, year.Year)})
		}
	case path == "invoices/booked" || path == "invoices/unpaid":
		for _, inv := range ag.Invoices {
			if path == "invoices/unpaid" && (inv.Remainder == "" || inv.Remainder == "0" || inv.Remainder == "0.00") {
				continue
			}
			items = append(items, v.invoice(inv))
		}
	default:
		s.notFound(w, r)
		return
	}
	s.page(w, r, base+"/"+path, items)
}

func (s *Server) notFound(w http.ResponseWriter, r *http.Request) {
	s.fault(w, http.StatusNotFound, "E02000", "Resource not found: "+r.URL.Path, "Check the URL; see https://restapi.e-conomic.com for the endpoints.")
}

func (s *Server) write(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	_ = json.NewEncoder(w).Encode(v)
}

// page answers one page of a collection, e-conomic's envelope.
func (s *Server) page(w http.ResponseWriter, r *http.Request, self string, items []any) {
	q := r.URL.Query()
	size, skip := defaultPageSize, 0
	if v := q.Get("pagesize"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > maxPageSize {
			s.fault(w, http.StatusBadRequest, "E04300", fmt.Sprintf("pagesize must be between 1 and %d.", maxPageSize), "Use pagesize=1..1000.")
			return
		}
		size = n
	}
	if v := q.Get("skippages"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 {
			s.fault(w, http.StatusBadRequest, "E04300", "skippages must be a non-negative integer.", "Use skippages=0,1,2...")
			return
		}
		skip = n
	}
	link := func(p int) string { return fmt.Sprintf("%s?skippages=%d&pagesize=%d", self, p, size) }
	from := min(skip*size, len(items))
	to := min(from+size, len(items))
	last := 0
	if len(items) > 0 {
		last = (len(items) - 1) / size
	}
	pg := map[string]any{"maxPageSizeAllowed": maxPageSize, "skipPages": skip, "pageSize": size, "results": len(items),
		"resultsWithoutFilter": len(items), "firstPage": link(0), "lastPage": link(last)}
	if skip < last {
		pg["nextPage"] = link(skip + 1)
	}
	coll := items[from:to]
	if coll == nil {
		coll = []any{}
	}
	s.write(w, map[string]any{"collection": coll, "pagination": pg, "self": link(skip)})
}

// view renders an agreement's records with their self links.
type view struct {
	base string
	ag   *Agreement
}

func (v view) account(n int) map[string]any {
	return map[string]any{"accountNumber": n, "self": fmt.Sprintf("%s/accounts/%d", v.base, n)}
}

func (v view) terms(n int) map[string]any {
	for _, t := range v.ag.PaymentTerms {
		if t.PaymentTermsNumber == n {
			return map[string]any{"paymentTermsNumber": n, "daysOfCredit": t.DaysOfCredit, "name": t.Name, "paymentTermsType": t.PaymentTermsType,
				"self": fmt.Sprintf("%s/payment-terms/%d", v.base, n)}
		}
	}
	return map[string]any{"paymentTermsNumber": n, "self": fmt.Sprintf("%s/payment-terms/%d", v.base, n)}
}

// merge turns a record into a map and adds the references.
func merge(rec any, extra map[string]any) map[string]any {
	b, _ := json.Marshal(rec)
	m := map[string]any{}
	d := json.NewDecoder(strings.NewReader(string(b)))
	d.UseNumber()
	_ = d.Decode(&m)
	for k, x := range extra {
		m[k] = x
	}
	return m
}

func (v view) customer(c Customer) map[string]any {
	return merge(c, map[string]any{
		"customerGroup": map[string]any{"customerGroupNumber": c.CustomerGroup, "self": fmt.Sprintf("%s/customer-groups/%d", v.base, c.CustomerGroup)},
		"paymentTerms":  v.terms(c.PaymentTerms),
		"vatZone":       map[string]any{"vatZoneNumber": c.VATZone, "self": fmt.Sprintf("%s/vat-zones/%d", v.base, c.VATZone)},
		"self":          fmt.Sprintf("%s/customers/%d", v.base, c.CustomerNumber),
	})
}

func (v view) supplier(c Supplier) map[string]any {
	return merge(c, map[string]any{
		"supplierGroup": map[string]any{"supplierGroupNumber": c.SupplierGroup, "self": fmt.Sprintf("%s/supplier-groups/%d", v.base, c.SupplierGroup)},
		"paymentTerms":  v.terms(c.PaymentTerms),
		"vatZone":       map[string]any{"vatZoneNumber": c.VATZone, "self": fmt.Sprintf("%s/vat-zones/%d", v.base, c.VATZone)},
		"self":          fmt.Sprintf("%s/suppliers/%d", v.base, c.SupplierNumber),
	})
}

func (v view) product(p Product) map[string]any {
	extra := map[string]any{
		"productGroup": map[string]any{"productGroupNumber": p.ProductGroup, "self": fmt.Sprintf("%s/product-groups/%d", v.base, p.ProductGroup)},
		"self":         v.base + "/products/" + url.PathEscape(p.ProductNumber),
	}
	if p.Unit != "" {
		extra["unit"] = map[string]any{"unitNumber": 1, "name": p.Unit, "self": v.base + "/units/1"}
	}
	return merge(p, extra)
}

func (v view) accountFull(a Account) map[string]any {
	extra := map[string]any{"self": fmt.Sprintf("%s/accounts/%d", v.base, a.AccountNumber),
		"accountingYears": fmt.Sprintf("%s/accounts/%d/accounting-years", v.base, a.AccountNumber)}
	if a.VATCode != "" {
		extra["vatAccount"] = map[string]any{"vatCode": a.VATCode, "self": v.base + "/vat-accounts/" + url.PathEscape(a.VATCode)}
	}
	if a.TotalFromAccount != 0 {
		extra["totalFromAccount"] = v.account(a.TotalFromAccount)
	}
	return merge(a, extra)
}

func (v view) invoice(inv BookedInvoice) map[string]any {
	name := inv.RecipientName
	for _, c := range v.ag.Customers {
		if c.CustomerNumber == inv.Customer && name == "" {
			name = c.Name
		}
	}
	return merge(inv, map[string]any{
		"customer":     map[string]any{"customerNumber": inv.Customer, "self": fmt.Sprintf("%s/customers/%d", v.base, inv.Customer)},
		"recipient":    map[string]any{"name": name},
		"paymentTerms": v.terms(inv.PaymentTerms),
		"pdf":          map[string]any{"download": fmt.Sprintf("%s/invoices/booked/%d/pdf", v.base, inv.BookedInvoiceNumber)},
		"self":         fmt.Sprintf("%s/invoices/booked/%d", v.base, inv.BookedInvoiceNumber),
	})
}
