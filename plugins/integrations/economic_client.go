package integrations

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/billy-mcp/billy-mcp/sdk"
)

// e-conomic's REST API (integrations.md § 2.4), read by migrate_from_economic.
// The credentials never travel through the model: the app's
// X-AppSecretToken and each customer's X-AgreementGrantToken are in the
// plugin's config, the grant token under the Billy organization it
// migrates into. Errors name the config key, never a token.

const (
	economicDefaultBase = "https://restapi.e-conomic.com"
	economicPageSize    = 1000 // e-conomic's maxPageSizeAllowed
	economicMaxPages    = 50   // 50,000 records of one register: past any small business
	economicMaxBody     = 8 << 20
	economicTimeout     = 30 * time.Second
	economicAttempts    = 4
	economicMaxWait     = 30 * time.Second
)

// economicConfig is plugins.integrations.config.economic.
type economicConfig struct {
	BaseURL                  string            `json:"base_url,omitempty"`
	AppSecretToken           string            `json:"app_secret_token,omitempty"`
	AppSecretTokenFile       string            `json:"app_secret_token_file,omitempty"`
	AgreementGrantTokens     map[string]string `json:"agreement_grant_tokens,omitempty"`
	AgreementGrantTokensFile string            `json:"agreement_grant_tokens_file,omitempty"`
}

// load reads the token files, checks base_url (https, or http to a
// loopback address for a local fake) and fills the default. Errors name
// the key, not the value.
func (c *economicConfig) load() error {
	if c.BaseURL == "" {
		c.BaseURL = economicDefaultBase
	}
	u, err := url.Parse(c.BaseURL)
	if err != nil || u.Host == "" || (u.Scheme != "https" && u.Scheme != "http") || u.RawQuery != "" || u.User != nil {
		return sdk.Invalid("economic.base_url", "must be an absolute http(s) URL without query or user, such as %s", economicDefaultBase)
	}
	if u.Scheme == "http" {
		ip := net.ParseIP(u.Hostname())
		if u.Hostname() != "localhost" && (ip == nil || !ip.IsLoopback()) {
			return sdk.Invalid("economic.base_url", "must be https (plain http only to a loopback address, for a local fake)")
		}
	}
	c.BaseURL = strings.TrimRight(c.BaseURL, "/")
	if c.AppSecretTokenFile != "" {
		if c.AppSecretToken != "" {
			return sdk.Invalid("economic.app_secret_token_file", "give app_secret_token or app_secret_token_file, not both")
		}
		b, err := readSecretFile(c.AppSecretTokenFile, "economic.app_secret_token_file")
		if err != nil {
			return err
		}
		c.AppSecretToken = strings.TrimSpace(string(b))
	}
	if c.AgreementGrantTokensFile != "" {
		b, err := readSecretFile(c.AgreementGrantTokensFile, "economic.agreement_grant_tokens_file")
		if err != nil {
			return err
		}
		var m map[string]string
		if err := json.Unmarshal(b, &m); err != nil {
			return sdk.Invalid("economic.agreement_grant_tokens_file", "must hold a JSON object of Billy organization ID → agreement grant token (the file is not one)")
		}
		if c.AgreementGrantTokens == nil {
			c.AgreementGrantTokens = map[string]string{}
		}
		for org, tok := range m {
			if _, dup := c.AgreementGrantTokens[org]; dup {
				return sdk.Invalid("economic.agreement_grant_tokens_file", "organization %q is also in agreement_grant_tokens; give it once", org)
			}
			c.AgreementGrantTokens[org] = tok
		}
	}
	for org, tok := range c.AgreementGrantTokens {
		if strings.TrimSpace(tok) == "" || org == "" {
			return sdk.Invalid("economic.agreement_grant_tokens", "organization %q has an empty token", org)
		}
	}
	return nil
}

func readSecretFile(name, key string) ([]byte, error) {
	if !filepath.IsAbs(name) {
		return nil, sdk.Invalid(key, "must be an absolute path")
	}
	b, err := os.ReadFile(name)
	if err != nil {
		return nil, sdk.Invalid(key, "cannot be read: %v", errors.Unwrap(err))
	}
	return b, nil
}

// economicClient reads one agreement.
type economicClient struct {
	base       string
	app, grant string
	hc         *http.Client
	maxBody    int64
	maxPages   int
	pageSize   int
	sleep      func(ctx context.Context, d time.Duration) error
}

// newEconomicHTTP is the client's HTTP client: a timeout per request, and
// no redirects followed. Go forwards custom headers such as
// X-AgreementGrantToken to wherever a redirect points, another host
// included; e-conomic's API does not redirect, so a redirect is refused
// (economic_request_rejected) rather than followed with the tokens.
func newEconomicHTTP() *http.Client {
	return &http.Client{Timeout: economicTimeout, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
}

func sleepCtx(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// economicFault is e-conomic's error body.
type economicFault struct {
	Message       string `json:"message"`
	ErrorCode     string `json:"errorCode"`
	DeveloperHint string `json:"developerHint"`
	LogID         string `json:"logId"`
}

// get reads one resource into v. GETs are retried on 429, 5xx and
// network errors, up to economicAttempts, waiting Retry-After (at most
// economicMaxWait) or an exponential backoff from 0.5 s.
func (c *economicClient) get(ctx context.Context, path string, q url.Values, v any) error {
	u := c.base + path
	if len(q) > 0 {
		u += "?" + q.Encode()
	}
	var last error
	for attempt := range economicAttempts {
		if attempt > 0 {
			if err := c.sleep(ctx, backoffFor(attempt, last)); err != nil {
				return err
			}
		}
		retry, err := c.once(ctx, u, path, v)
		if err == nil || !retry {
			return err
		}
		last = err
	}
	return withContext(last, "e-conomic still refused after %d attempts", economicAttempts)
}

func backoffFor(attempt int, last error) time.Duration {
	var e *sdk.Error
	if errors.As(last, &e) && e.RetryAfterSeconds > 0 {
		return min(time.Duration(e.RetryAfterSeconds)*time.Second, economicMaxWait)
	}
	return min(500*time.Millisecond<<(attempt-1), 8*time.Second)
}

// once makes one request; retry says whether another attempt may help.
func (c *economicClient) once(ctx context.Context, u, path string, v any) (retry bool, err error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return false, err
	}
	req.Header.Set("X-AppSecretToken", c.app)
	req.Header.Set("X-AgreementGrantToken", c.grant)
	req.Header.Set("Accept", "application/json")
	resp, err := c.hc.Do(req)
	if err != nil {
		if ctx.Err() != nil {
			return false, ctx.Err()
		}
		// The URL names no secret; the error text may hold the host.
		return true, &sdk.Error{Code: "economic_unreachable", Category: sdk.CategoryUpstreamUnavailable, Retryable: true,
			Message: fmt.Sprintf("e-conomic could not be reached for GET %s: %v", path, errors.Unwrap(err))}
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, c.maxBody+1))
	if err != nil {
		return true, &sdk.Error{Code: "economic_unreachable", Category: sdk.CategoryUpstreamUnavailable, Retryable: true,
			Message: fmt.Sprintf("e-conomic's answer to GET %s broke off: %v", path, err)}
	}
	if int64(len(body)) > c.maxBody {
		return false, &sdk.Error{Code: "economic_response_too_large", Category: sdk.CategoryUpstreamUnavailable,
			Message: fmt.Sprintf("e-conomic's answer to GET %s is larger than %s; nothing was assumed", path, sizeText(int(c.maxBody)))}
	}
	if resp.StatusCode >= 200 && resp.StatusCode <= 299 {
		if err := json.Unmarshal(body, v); err != nil {
			return false, &sdk.Error{Code: "economic_unexpected_response", Category: sdk.CategoryUpstreamUnavailable,
				Message: fmt.Sprintf("e-conomic answered GET %s in an unexpected shape (%v); nothing was assumed", path, err)}
		}
		return false, nil
	}
	var f economicFault
	_ = json.Unmarshal(body, &f)
	detail := f.Message
	if detail == "" {
		detail = http.StatusText(resp.StatusCode)
	}
	if f.DeveloperHint != "" {
		detail += " (" + f.DeveloperHint + ")"
	}
	if f.LogID != "" {
		detail += "; e-conomic's logId " + f.LogID
	}
	e := &sdk.Error{UpstreamCode: f.ErrorCode}
	switch s := resp.StatusCode; {
	case s == 401 || s == 403:
		e.Code, e.Category = "economic_unauthorized", sdk.CategoryUnauthorized
		e.Message = fmt.Sprintf("e-conomic refused the credentials (HTTP %d to GET %s: %s): check economic.app_secret_token and this organization's entry in economic.agreement_grant_tokens in the integrations plugin's config", s, path, detail)
	case s == 404:
		e.Code, e.Category = "economic_not_found", sdk.CategoryNotFound
		e.Message = fmt.Sprintf("e-conomic has no %s (HTTP 404: %s)", path, detail)
	case s == 429:
		e.Code, e.Category, e.Retryable = "economic_rate_limited", sdk.CategoryRateLimited, true
		e.RetryAfterSeconds = retryAfter(resp.Header.Get("Retry-After"))
		e.Message = fmt.Sprintf("e-conomic limits the rate of requests (HTTP 429 to GET %s: %s); try again in a minute", path, detail)
		return true, e
	case s >= 500:
		e.Code, e.Category, e.Retryable = "economic_unavailable", sdk.CategoryUpstreamUnavailable, true
		e.Message = fmt.Sprintf("e-conomic failed (HTTP %d to GET %s: %s)", s, path, detail)
		return true, e
	default:
		e.Code, e.Category = "economic_request_rejected", sdk.CategoryValidation
		e.Message = fmt.Sprintf("e-conomic rejected GET %s (HTTP %d: %s)", path, s, detail)
	}
	if f.ErrorCode != "" {
		e.Message += " [errorCode " + f.ErrorCode + "]"
	}
	return false, e
}

func retryAfter(h string) int {
	n, err := strconv.Atoi(strings.TrimSpace(h))
	if err != nil || n < 0 {
		return 0
	}
	return n
}

// economicPage is e-conomic's collection envelope.
type economicPage[T any] struct {
	Collection *[]T `json:"collection"`
	Pagination struct {
		SkipPages int    `json:"skipPages"`
		PageSize  int    `json:"pageSize"`
		Results   int    `json:"results"`
		NextPage  string `json:"nextPage"`
	} `json:"pagination"`
}

// economicAll reads every page of a collection: skippages 0, 1, ... at
// the largest page size, until a page has no nextPage (the link itself is
// not followed: the next request stays on the configured base URL), up
// to maxPages.
func economicAll[T any](ctx context.Context, c *economicClient, path string) ([]T, error) {
	out := []T{}
	for skip := range c.maxPages {
		var pg economicPage[T]
		q := url.Values{"skippages": {strconv.Itoa(skip)}, "pagesize": {strconv.Itoa(c.pageSize)}}
		if err := c.get(ctx, path, q, &pg); err != nil {
			return nil, err
		}
		if pg.Collection == nil {
			return nil, &sdk.Error{Code: "economic_unexpected_response", Category: sdk.CategoryUpstreamUnavailable,
				Message: fmt.Sprintf("e-conomic answered GET %s without a collection; nothing was assumed", path)}
		}
		out = append(out, *pg.Collection...)
		if pg.Pagination.NextPage == "" || len(*pg.Collection) == 0 {
			return out, nil
		}
	}
	return nil, sdk.NewError(sdk.CategoryValidation, "too_many_records",
		"e-conomic's %s has more than %d records, more than this migration reads", path, c.maxPages*c.pageSize)
}
