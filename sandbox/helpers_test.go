package sandbox

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"math"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"
)

// testNow is the sandbox clock in tests: history ends the day before.
var testNow = time.Date(2026, 11, 26, 14, 0, 0, 0, time.UTC)

const testToken = "test-token"

// allBusinesses asks newSandbox for all three organizations.
const allBusinesses = "all"

func fixedNow() time.Time { return testNow }

// sandbox is a running sandbox for a test.
type sandbox struct {
	t   *testing.T
	s   *Server
	srv *httptest.Server // nil for a sandbox on an Instance

	url    string // scheme://host, without /v2
	client *http.Client
}

// newSandbox starts a freelancer sandbox (the smallest) unless opts says
// otherwise.
func newSandbox(t *testing.T, opts Options) *sandbox {
	t.Helper()
	if opts.Now == nil {
		opts.Now = fixedNow
	}
	if opts.Token == "" {
		opts.Token = testToken
	}
	switch opts.Business {
	case "":
		opts.Business = BusinessFreelancer
	case allBusinesses:
		opts.Business = ""
	}
	s, err := New(opts)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(s)
	t.Cleanup(srv.Close)
	return &sandbox{t: t, s: s, srv: srv, url: srv.URL, client: srv.Client()}
}

// try sends a request like do but returns a transport error instead of
// failing the test; ctx bounds the request.
func (sb *sandbox) try(ctx context.Context, method, path string, body any) (response, error) {
	sb.t.Helper()
	var r io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		r = bytes.NewBufferString(b)
	default:
		j, err := json.Marshal(b)
		if err != nil {
			sb.t.Fatal(err)
		}
		r = bytes.NewReader(j)
	}
	req, err := http.NewRequestWithContext(ctx, method, sb.url+path, r)
	if err != nil {
		sb.t.Fatal(err)
	}
	req.Header.Set("X-Access-Token", testToken)
	resp, err := sb.client.Do(req)
	if err != nil {
		return response{}, err
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	out := response{status: resp.StatusCode, header: resp.Header, raw: raw}
	if err != nil {
		return out, err
	}
	if len(raw) > 0 && raw[0] == '{' {
		_ = json.Unmarshal(raw, &out.body)
	}
	return out, nil
}

// response is a decoded answer.
type response struct {
	status int
	header http.Header
	body   map[string]any
	raw    []byte
}

// do sends a request with the test token; body is marshalled unless it is
// a string or nil.
func (sb *sandbox) do(method, path string, body any, headers ...string) response {
	sb.t.Helper()
	var r io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		r = bytes.NewBufferString(b)
	default:
		j, err := json.Marshal(b)
		if err != nil {
			sb.t.Fatal(err)
		}
		r = bytes.NewReader(j)
	}
	req, err := http.NewRequest(method, sb.url+path, r)
	if err != nil {
		sb.t.Fatal(err)
	}
	req.Header.Set("X-Access-Token", testToken)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	for i := 0; i+1 < len(headers); i += 2 {
		if headers[i+1] == "" {
			req.Header.Del(headers[i])
		} else {
			req.Header.Set(headers[i], headers[i+1])
		}
	}
	resp, err := sb.client.Do(req)
	if err != nil {
		sb.t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	out := response{status: resp.StatusCode, header: resp.Header, raw: raw}
	if len(raw) > 0 && raw[0] == '{' {
		if err := json.Unmarshal(raw, &out.body); err != nil {
			sb.t.Fatalf("%s %s: invalid JSON: %v\n%s", method, path, err, raw)
		}
	}
	return out
}

// ok fails the test unless the status is 200, showing the body.
func (r response) ok(t *testing.T) response {
	t.Helper()
	if r.status != http.StatusOK {
		t.Fatalf("status %d, want 200: %s", r.status, r.raw)
	}
	return r
}

func (r response) list(key string) []map[string]any {
	items, _ := r.body[key].([]any)
	out := make([]map[string]any, len(items))
	for i, it := range items {
		out[i], _ = it.(map[string]any)
	}
	return out
}

func (r response) obj(key string) map[string]any {
	m, _ := r.body[key].(map[string]any)
	return m
}

func (r response) meta() map[string]any { return r.obj("meta") }

func (r response) paging() map[string]any {
	m, _ := r.meta()["paging"].(map[string]any)
	return m
}

// errorOf returns errorCode and the validationErrors.
func (r response) errorCode() string {
	s, _ := r.body["errorCode"].(string)
	return s
}

func (r response) validation() map[string]any {
	m, _ := r.body["validationErrors"].(map[string]any)
	return m
}

func str(m map[string]any, k string) string {
	s, _ := m[k].(string)
	return s
}

// jsonOre converts an amount as encoding/json decodes it into any (a
// float64 holding what the JSON said to 15 digits) to øre, for comparing
// answers with expected amounts.
func jsonOre(f float64) int64 { return int64(math.Round(f * 100)) }

func num(m map[string]any, k string) float64 {
	f, _ := m[k].(float64)
	return f
}

// firstID returns the ID of the first record of a list.
func (sb *sandbox) firstID(path, key string) string {
	sb.t.Helper()
	items := sb.do("GET", path, nil).ok(sb.t).list(key)
	if len(items) == 0 {
		sb.t.Fatalf("GET %s: no %s", path, key)
	}
	return str(items[0], "id")
}
