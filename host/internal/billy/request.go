package billy

import (
	"encoding/json"
	"net"
	"net/http"
	"net/url"
	"sort"
	"strings"
	"time"

	"github.com/billy-mcp/billy-mcp/proto/errmodel"
)

// Request is one call to Billy's API on behalf of an organization.
type Request struct {
	OrganizationID string
	// Method is GET, POST, PUT, PATCH or DELETE.
	Method string
	// Path is below BaseURL, e.g. "/invoices" or "/invoices/GJj2Kr8vQ3mmuWn30VT5lw".
	// Each segment may hold only letters, digits and "-._~" and must not be
	// "." or "..": no scheme, host, query, fragment or escapes (see checkPath).
	Path  string
	Query url.Values
	// Body is the JSON sent with writes; GET must not have one. With
	// UploadType set it is a file's raw bytes instead.
	Body []byte
	// UploadType and UploadName make the request a file upload (POST
	// /files only): Body is sent as it is, with Content-Type UploadType and
	// X-Filename UploadName, as Billy takes files (billy-api.md § 7.8).
	UploadType string
	UploadName string
	// CorrelationID is sent upstream as X-Correlation-ID and logged.
	CorrelationID string
	// Fresh skips the cache for this read (the caller asked for fresh
	// data); Billy's answer is still stored.
	Fresh bool
	// Warming marks a read made by cache warming: not counted as usage.
	Warming bool
}

// Response is Billy's successful (2xx) answer, verbatim.
type Response struct {
	Status int
	// Body is Billy's JSON, envelope and paging included.
	Body   []byte
	Header http.Header
	// Attempts is how many upstream requests were made for this answer.
	Attempts int
	// Shared is true when this caller joined an identical read that another
	// caller had started, and so caused no upstream request of its own.
	Shared bool
	// Cache says where a cached answer came from; nil when Billy answered.
	Cache *CacheInfo
}

// CacheInfo describes an answer served from the cache.
type CacheInfo struct {
	// Tier is "local" (in-process) or "redis".
	Tier string
	// Age is how long ago Billy gave the answer.
	Age time.Duration
	// Stale is true when the answer is past its TTL, served because Billy
	// could not answer; Reason says why (an error code such as
	// upstream_unavailable or upstream_circuit_open, or "slow" when Billy
	// took longer than Options.StaleAfter).
	Stale  bool
	Reason string
}

// HeaderCorrelationID carries Request.CorrelationID upstream.
const HeaderCorrelationID = "X-Correlation-ID"

const maxPathLen = 2048

// isWrite reports whether a method changes data. Only GET is a read: Billy's
// API has no HEAD or OPTIONS worth proxying, and the method set is closed.
func isWrite(method string) bool { return method != http.MethodGet }

var allowedMethods = map[string]bool{
	http.MethodGet: true, http.MethodPost: true, http.MethodPut: true,
	http.MethodPatch: true, http.MethodDelete: true,
}

func invalidRequest(format string, args ...any) *errmodel.Error {
	e := errmodel.New(errmodel.Validation, "invalid_billy_request", format, args...)
	return e
}

// normalize checks req and returns it with the method upper-cased. The path
// rules are deliberately narrower than RFC 3986: every Billy resource name
// and record ID fits them, and anything wider (percent escapes, "//", "..",
// "@", ":") is a way to make the URL point somewhere the token must not go.
func normalize(req Request) (Request, *errmodel.Error) {
	req.Method = strings.ToUpper(strings.TrimSpace(req.Method))
	if !allowedMethods[req.Method] {
		return req, invalidRequest("method %q is not allowed for Billy; use GET, POST, PUT, PATCH or DELETE", req.Method)
	}
	if err := checkPath(req.Path); err != nil {
		return req, err
	}
	if req.Method == http.MethodGet && len(req.Body) > 0 {
		return req, invalidRequest("a GET request to Billy must not have a body; put filters in the query")
	}
	if req.UploadType != "" || req.UploadName != "" {
		return req, checkUpload(req)
	}
	if len(req.Body) > 0 && !json.Valid(req.Body) {
		return req, invalidRequest("the request body for Billy is not valid JSON")
	}
	return req, nil
}

// uploadTypes are the files a plugin may send Billy: vouchers (bilag) are
// PDFs and photos; nothing executable or archived.
var uploadTypes = map[string]bool{"application/pdf": true, "image/jpeg": true, "image/png": true, "image/heic": true}

// MaxUploadBytes bounds one file upload: a voucher, not an archive, and
// under the 16 MiB a plugin's message to the host may carry.
const MaxUploadBytes = 15 << 20

// checkUpload holds a file upload to what Billy's files endpoint takes: a
// POST to /files of a voucher type, with a name and some bytes.
func checkUpload(req Request) *errmodel.Error {
	switch {
	case req.Method != http.MethodPost || req.Path != "/files":
		return invalidRequest("a file upload goes only to POST /files, not %s %s", req.Method, req.Path)
	case !uploadTypes[req.UploadType]:
		return invalidRequest("a file upload's type must be application/pdf, image/jpeg, image/png or image/heic, not %q", req.UploadType)
	case strings.TrimSpace(req.UploadName) == "" || len(req.UploadName) > 255 || strings.ContainsAny(req.UploadName, "\r\n\x00"):
		return invalidRequest("a file upload needs a file name of 1 to 255 characters on one line")
	case len(req.Body) == 0:
		return invalidRequest("a file upload has no bytes")
	case len(req.Body) > MaxUploadBytes:
		return invalidRequest("a file upload is limited to %d MiB", MaxUploadBytes>>20)
	}
	return nil
}

func checkPath(p string) *errmodel.Error {
	if p == "" || p[0] != '/' {
		return invalidRequest("Billy path %q must start with \"/\", e.g. \"/invoices\"", p)
	}
	if len(p) > maxPathLen {
		return invalidRequest("Billy path is longer than %d characters", maxPathLen)
	}
	for _, seg := range strings.Split(p[1:], "/") {
		if seg == "" {
			return invalidRequest("Billy path %q has an empty segment", p)
		}
		if seg == "." || seg == ".." {
			return invalidRequest("Billy path %q must not contain \".\" or \"..\" segments", p)
		}
		for i := 0; i < len(seg); i++ {
			if !pathChar(seg[i]) {
				return invalidRequest("Billy path %q contains %q; only letters, digits and \"-._~\" are allowed in a segment (put filters in the query)", p, string(seg[i]))
			}
		}
	}
	return nil
}

func pathChar(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' ||
		c == '-' || c == '.' || c == '_' || c == '~'
}

// buildURL puts a checked path below base. Because checkPath admits only
// unreserved characters, the path needs no escaping and cannot change the
// scheme or host taken from base.
func buildURL(base *url.URL, req Request) string {
	u := *base
	u.Path = strings.TrimSuffix(base.Path, "/") + req.Path
	u.RawPath = ""
	u.RawQuery = req.Query.Encode()
	u.Fragment = ""
	return u.String()
}

// flightKey identifies identical reads. url.Values.Encode sorts the keys and
// keeps the order of repeated values, which can matter to Billy (ids[]).
func flightKey(req Request) string {
	return req.OrganizationID + "\x00" + req.Path + "\x00" + req.Query.Encode()
}

// queryKeys lists the query parameter names, for logs: their values may be
// personal data (a search text, a name).
func queryKeys(q url.Values) []string {
	keys := make([]string, 0, len(q))
	for k := range q {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// knownResources are Billy's resources (billy-api.md §6.2). The resource
// label of the metrics is taken from this list so that a plugin sending
// made-up paths cannot grow the number of series.
var knownResources = map[string]bool{
	"organization": true, "organizations": true, "user": true,
	"contacts": true, "contactPersons": true, "products": true, "productPrices": true,
	"invoices": true, "invoiceLines": true, "invoiceLateFees": true, "invoiceReminders": true,
	"invoiceDeliveries": true, "invoiceLogs": true,
	"bills": true, "billLines": true, "bankPayments": true, "balanceModifiers": true,
	"contactBalancePayments": true, "contactBalancePostings": true,
	"accounts": true, "accountGroups": true, "accountNatures": true,
	"taxRates": true, "salesTaxRulesets": true, "salesTaxRules": true, "salesTaxAccounts": true,
	"salesTaxMetaFields": true, "taxRateDeductionComponents": true, "salesTaxReturns": true,
	"salesTaxPayments": true,
	"daybooks":         true, "daybookBalanceAccounts": true, "daybookTransactions": true,
	"daybookTransactionLines": true, "transactions": true, "postings": true,
	"bankLines": true, "bankLineMatches": true, "bankLineSubjectAssociations": true,
	"files": true, "attachments": true,
	"currencies": true, "countries": true, "countryGroups": true, "locales": true,
	"states": true, "cities": true, "zipcodes": true,
}

// resourceOf is the metrics label for a checked path.
func resourceOf(path string) string {
	seg := strings.TrimPrefix(path, "/")
	if i := strings.IndexByte(seg, '/'); i >= 0 {
		seg = seg[:i]
	}
	if knownResources[seg] {
		return seg
	}
	return "other"
}

// newTransport is the pooled transport used when Options.Transport is nil.
// Every request goes to one host, so the per-host idle pool is as large as
// the overall one; MaxConnsPerHost keeps a burst of plugin calls from opening
// an unbounded number of TLS connections to Billy.
func newTransport() *http.Transport {
	return &http.Transport{
		Proxy: http.ProxyFromEnvironment,
		DialContext: (&net.Dialer{
			Timeout:   10 * time.Second,
			KeepAlive: 30 * time.Second,
		}).DialContext,
		ForceAttemptHTTP2:     true,
		MaxIdleConns:          64,
		MaxIdleConnsPerHost:   64,
		MaxConnsPerHost:       128,
		IdleConnTimeout:       90 * time.Second,
		TLSHandshakeTimeout:   10 * time.Second,
		ExpectContinueTimeout: time.Second,
	}
}
