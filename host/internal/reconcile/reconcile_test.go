package reconcile

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/billy-mcp/billy-mcp/proto/errmodel"
	pluginv1 "github.com/billy-mcp/billy-mcp/proto/plugin/v1"
	"github.com/google/go-cmp/cmp"
)

// fakeBilly keeps invoices and answers writes as a test tells it.
type fakeBilly struct {
	mu       sync.Mutex
	invoices []map[string]any
	sent     []string // "METHOD path" of every request, lookups included
	// lose makes a POST save its record (or not, with saveLost false) and
	// then answer write_outcome_unknown, as a dropped connection does.
	lose, saveLost bool
	// appearAfter delays a lost write's record until that many lookups
	// have been made (a slow commit).
	appearAfter int
	lookups     int
	pending     map[string]any
	// ignoreFilter answers lookups with every invoice, as Billy does with
	// a filter it does not know.
	ignoreFilter bool
	// failLookups fails every lookup.
	failLookups bool
}

func (f *fakeBilly) CallBilly(_ context.Context, _, _ string, req *pluginv1.BillyRequest) (*pluginv1.BillyResponse, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.sent = append(f.sent, req.Method+" "+req.Path)
	switch req.Method {
	case "POST":
		var body map[string]map[string]any
		if err := json.Unmarshal([]byte(req.BodyJson), &body); err != nil {
			return nil, err
		}
		rec := body["invoice"]
		if rec == nil {
			rec = map[string]any{}
		}
		rec["id"] = fmt.Sprintf("inv-%d", len(f.invoices)+1)
		if f.lose {
			switch {
			case !f.saveLost:
			case f.appearAfter > 0:
				f.pending = rec
			default:
				f.invoices = append(f.invoices, rec)
			}
			return nil, errmodel.New(errmodel.UpstreamUnavailable, errmodel.CodeWriteOutcomeUnknown, "the connection broke after the request was sent")
		}
		f.invoices = append(f.invoices, rec)
		b, _ := json.Marshal(map[string]any{"invoices": []any{rec}})
		return &pluginv1.BillyResponse{Status: 200, BodyJson: string(b)}, nil
	case "GET":
		f.lookups++
		if f.failLookups {
			return nil, errmodel.New(errmodel.UpstreamUnavailable, "upstream_unavailable", "Billy is down")
		}
		if f.pending != nil && f.lookups > f.appearAfter {
			f.invoices, f.pending = append(f.invoices, f.pending), nil
		}
		var want string
		for _, q := range req.Query {
			if q.Key == "externalId" {
				want = q.Value
			}
		}
		out := []any{}
		for _, inv := range f.invoices {
			if f.ignoreFilter || inv["externalId"] == want {
				out = append(out, inv)
			}
		}
		b, _ := json.Marshal(map[string]any{"invoices": out})
		return &pluginv1.BillyResponse{Status: 200, BodyJson: string(b)}, nil
	}
	return &pluginv1.BillyResponse{Status: 200, BodyJson: `{}`}, nil
}

func (f *fakeBilly) stored() []map[string]any {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]map[string]any(nil), f.invoices...)
}

const seed = "00112233445566778899aabbccddeeff"

func noSleep(context.Context, time.Duration) error { return nil }

func post(body string) *pluginv1.BillyRequest {
	return &pluginv1.BillyRequest{Method: "POST", Path: "/invoices", BodyJson: body}
}

func TestMarker(t *testing.T) {
	m := Marker(seed)
	if !strings.HasPrefix(m, MarkerPrefix) || len(m) != len(MarkerPrefix)+26 || m != Marker(seed) {
		t.Errorf("Marker = %q: want %s and 26 base32 characters, the same every time", m, MarkerPrefix)
	}
	if Marker("ffeeddccbbaa99887766554433221100") == m {
		t.Error("two seeds gave one marker")
	}
	if Marker("not hex") != "" {
		t.Error("a bad seed gave a marker")
	}
}

// TestSend walks the outcomes of one create: what the caller gets, what
// Billy holds afterwards, what was sent.
func TestSend(t *testing.T) {
	marker := Marker(seed)
	tests := []struct {
		name       string
		billy      *fakeBilly
		req        *pluginv1.BillyRequest
		checkFirst bool
		wantErr    string // error code
		wantRes    Result
		wantStored int
		wantSent   []string
	}{
		{name: "answered", req: post(`{"invoice":{"contactId":"c1"}}`),
			wantRes: Result{Marker: marker, What: "invoices inv-1"}, wantStored: 1, wantSent: []string{"POST /invoices"}},
		{name: "answer lost, saved", billy: &fakeBilly{lose: true, saveLost: true}, req: post(`{"invoice":{}}`),
			wantRes: Result{Marker: marker, Found: true, What: "invoices inv-1"}, wantStored: 1, wantSent: []string{"POST /invoices", "GET /invoices"}},
		{name: "answer lost, saved a moment later", billy: &fakeBilly{lose: true, saveLost: true, appearAfter: 3}, req: post(`{"invoice":{}}`),
			wantRes: Result{Marker: marker, Found: true, What: "invoices inv-1"}, wantStored: 1,
			wantSent: []string{"POST /invoices", "GET /invoices", "GET /invoices", "GET /invoices", "GET /invoices"}},
		{name: "answer lost, not saved", billy: &fakeBilly{lose: true}, req: post(`{"invoice":{}}`),
			wantErr: "write_outcome_unknown", wantRes: Result{Marker: marker},
			wantSent: []string{"POST /invoices", "GET /invoices", "GET /invoices", "GET /invoices", "GET /invoices", "GET /invoices", "GET /invoices"}},
		{name: "Billy ignores the filter", billy: &fakeBilly{lose: true, ignoreFilter: true, invoices: []map[string]any{{"id": "old"}}}, req: post(`{"invoice":{}}`),
			wantErr: "write_outcome_unknown", wantRes: Result{Marker: marker}, wantStored: 1,
			wantSent: []string{"POST /invoices", "GET /invoices", "GET /invoices", "GET /invoices", "GET /invoices", "GET /invoices", "GET /invoices"}},
		{name: "the caller's own externalId", billy: &fakeBilly{lose: true, saveLost: true}, req: post(`{"invoice":{"externalId":"order-7"}}`),
			wantErr: "write_outcome_unknown", wantStored: 1, wantSent: []string{"POST /invoices"}},
		{name: "a resource without a marker", billy: &fakeBilly{lose: true, saveLost: true},
			req:     &pluginv1.BillyRequest{Method: "POST", Path: "/contacts", BodyJson: `{"contact":{}}`},
			wantErr: "write_outcome_unknown", wantStored: 1, wantSent: []string{"POST /contacts"}},
		{name: "check first: made earlier", billy: &fakeBilly{invoices: []map[string]any{{"id": "inv-1", "externalId": marker}}},
			req: post(`{"invoice":{}}`), checkFirst: true,
			wantRes: Result{Marker: marker, Found: true, What: "invoices inv-1"}, wantStored: 1, wantSent: []string{"GET /invoices"}},
		{name: "check first: not made", req: post(`{"invoice":{}}`), checkFirst: true,
			wantRes: Result{Marker: marker, What: "invoices inv-1"}, wantStored: 1, wantSent: []string{"GET /invoices", "POST /invoices"}},
		{name: "check first: cannot ask Billy", billy: &fakeBilly{failLookups: true}, req: post(`{"invoice":{}}`), checkFirst: true,
			wantErr: "reconcile_failed", wantRes: Result{Marker: marker}, wantSent: []string{"GET /invoices"}},
		{name: "check first: cannot be looked up", req: &pluginv1.BillyRequest{Method: "POST", Path: "/bankPayments", BodyJson: `{"bankPayment":{}}`},
			checkFirst: true, wantErr: "write_outcome_unknown"},
		{name: "check first: an update is sent", req: &pluginv1.BillyRequest{Method: "PUT", Path: "/invoices/inv-1", BodyJson: `{"invoice":{}}`},
			checkFirst: true, wantSent: []string{"PUT /invoices/inv-1"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := tt.billy
			if b == nil {
				b = &fakeBilly{}
			}
			s := &Sender{Billy: b, Sleep: noSleep}
			resp, res, err := s.Send(context.Background(), tt.req, Write{Seed: seed, CheckFirst: tt.checkFirst})
			code := ""
			if err != nil {
				code = errmodel.From(err).Code
			}
			if code != tt.wantErr {
				t.Fatalf("error %v, want code %q", err, tt.wantErr)
			}
			if err == nil && !strings.Contains(resp.BodyJson, `"invoices"`) && tt.req.Path == "/invoices" {
				t.Errorf("answer %s carries no invoices", resp.BodyJson)
			}
			if diff := cmp.Diff(tt.wantRes, res); diff != "" {
				t.Errorf("result (-want +got):\n%s", diff)
			}
			if n := len(b.stored()); n != tt.wantStored {
				t.Errorf("Billy holds %d invoices, want %d", n, tt.wantStored)
			}
			if diff := cmp.Diff(tt.wantSent, b.sent); diff != "" {
				t.Errorf("sent (-want +got):\n%s", diff)
			}
			if code == "write_outcome_unknown" && res.Marker != "" && !strings.Contains(err.Error(), res.Marker) {
				t.Errorf("an unknown outcome does not name its marker: %v", err)
			}
		})
	}
}

// TestMarkKeepsTheRecord: the marker is added to the record as sent, and
// nothing else changes.
func TestMarkKeepsTheRecord(t *testing.T) {
	b := &fakeBilly{}
	s := &Sender{Billy: b}
	if _, _, err := s.Send(context.Background(), post(`{"invoice":{"contactId":"c1","lines":[{"unitPrice":1250.5}],"externalId":null}}`), Write{Seed: seed}); err != nil {
		t.Fatal(err)
	}
	want := []map[string]any{{"id": "inv-1", "contactId": "c1", "lines": []any{map[string]any{"unitPrice": 1250.5}}, "externalId": Marker(seed)}}
	if diff := cmp.Diff(want, b.stored()); diff != "" {
		t.Errorf("stored (-want +got):\n%s", diff)
	}
}
