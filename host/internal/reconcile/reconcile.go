package reconcile

import (
	"bytes"
	"context"
	"encoding/base32"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/billy-mcp/billy-mcp/proto/errmodel"
	pluginv1 "github.com/billy-mcp/billy-mcp/proto/plugin/v1"
	"github.com/hashicorp/go-hclog"
	"google.golang.org/protobuf/proto"
)

// Billy is the host's way to Billy: the gateway, behind the cache.
type Billy interface {
	CallBilly(ctx context.Context, organizationID, correlationID string, req *pluginv1.BillyRequest) (*pluginv1.BillyResponse, error)
}

// Write is what the host knows of one write it is about to send.
type Write struct {
	// Seed is the write's seed from the call's journal: the same for the
	// same write of a call retried with the same idempotency key.
	Seed string
	// CheckFirst says an earlier call may have made this write already:
	// look for it before sending, and do not send what cannot be looked
	// for.
	CheckFirst                    bool
	OrganizationID, CorrelationID string
}

// Result says how a write ended, beyond its answer.
type Result struct {
	// Marker is the idempotency marker the write carried ("" when its
	// resource has none, or the caller set the field itself).
	Marker string
	// Found says the write's answer came from looking it up by its marker:
	// its own answer was lost, or an earlier call had made it.
	Found bool
	// What names what Billy saved, for people: "invoices 7cQm…".
	What string
}

// marked is a resource whose records keep a field Billy lets clients
// filter by: the field carries the marker of the write that made it.
type marked struct {
	singular, plural, field string
}

// markedResources are the creates that carry a marker, by path. Only
// invoices have a field Billy documents as both stored and filterable
// (externalId, billy-api.md §4.2); contacts, products and payments have
// none, so their lost answers stay unknown and a check-first retry does
// not send them (see Send).
var markedResources = map[string]marked{
	"/invoices": {singular: "invoice", plural: "invoices", field: "externalId"},
}

// MarkerPrefix starts every marker, so that people and tools can tell the
// host's markers from an integration's own external IDs.
const MarkerPrefix = "bmcp-"

// Marker is the marker a write with seed carries: MarkerPrefix and 26
// base32 characters (128 bits).
func Marker(seed string) string {
	b, err := hex.DecodeString(seed)
	if err != nil || len(b) < 16 {
		return ""
	}
	return MarkerPrefix + strings.ToLower(base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString(b[:16]))
}

// How long to keep looking for a write whose answer was lost: Billy may
// commit it a moment after the connection broke.
var lookupSchedule = []time.Duration{0, 250 * time.Millisecond, 500 * time.Millisecond, time.Second, 2 * time.Second, 4 * time.Second}

// lookupBudget bounds the lookups after a lost answer, past the call's own
// deadline if need be: an honest answer a few seconds late is worth more
// than a fast "unknown".
const lookupBudget = 10 * time.Second

// Sender sends writes to Billy with their markers.
type Sender struct {
	Billy  Billy
	Logger hclog.Logger
	// Sleep waits between lookups; tests replace it.
	Sleep func(ctx context.Context, d time.Duration) error
}

// Send sends req, a write, to Billy with its marker, and when its answer is
// lost looks the record up by the marker, so that the answer is what
// Billy did wherever that can be told. Failures are *errmodel.Error; one
// whose code is write_outcome_unknown says the write may or may not have
// been saved and names the marker to look for.
func (s *Sender) Send(ctx context.Context, req *pluginv1.BillyRequest, w Write) (*pluginv1.BillyResponse, Result, error) {
	var res Result
	m, ok := markedResources[req.Path]
	ok = ok && req.Method == http.MethodPost
	if ok {
		body, marker, err := mark(req.BodyJson, m, Marker(w.Seed))
		if err == nil && marker != "" {
			clone := proto.Clone(req).(*pluginv1.BillyRequest)
			clone.BodyJson = body
			req, res.Marker = clone, marker
		}
	}
	if w.CheckFirst && req.Method == http.MethodPost {
		if res.Marker == "" {
			return nil, res, &errmodel.Error{Code: errmodel.CodeWriteOutcomeUnknown, Category: errmodel.Conflict,
				Message: fmt.Sprintf("an earlier call with this idempotency_key ended without knowing whether Billy saved its %s %s, and that write cannot be looked up in Billy, so it was not sent again; check with the matching list tool, and if it is not there, call again with a new idempotency_key", req.Method, req.Path)}
		}
		found, err := s.lookup(ctx, w, m, res.Marker)
		if err != nil {
			e := errmodel.New(errmodel.UpstreamUnavailable, "reconcile_failed",
				"Billy could not be asked whether an earlier call with this idempotency_key saved its %s %s, so nothing was sent; retry with the same key in a few seconds", req.Method, req.Path)
			e.RetryAfterSeconds = 2
			return nil, res, e
		}
		if found != nil {
			res.Found, res.What = true, what(found.BodyJson, m.plural)
			s.log().Info("write found by its marker: an earlier call with the same idempotency key made it; not sent again",
				"path", req.Path, "marker", res.Marker, "correlation_id", w.CorrelationID)
			return found, res, nil
		}
	}
	resp, err := s.Billy.CallBilly(ctx, w.OrganizationID, w.CorrelationID, req)
	if err == nil {
		res.What = what(resp.BodyJson, pluralOf(req.Path))
		return resp, res, nil
	}
	if errmodel.From(err).Code != errmodel.CodeWriteOutcomeUnknown || res.Marker == "" {
		return nil, res, err
	}
	// The answer was lost: find out from Billy.
	lctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), lookupBudget)
	defer cancel()
	for _, d := range lookupSchedule {
		if err := s.sleep(lctx, d); err != nil {
			break
		}
		found, lerr := s.lookup(lctx, w, m, res.Marker)
		if lerr != nil {
			continue
		}
		if found != nil {
			res.Found, res.What = true, what(found.BodyJson, m.plural)
			s.log().Info("write's answer was lost; found it in Billy by its marker", "path", req.Path,
				"marker", res.Marker, "correlation_id", w.CorrelationID)
			return found, res, nil
		}
	}
	e := *errmodel.From(err)
	e.Message += fmt.Sprintf("; look for the %s whose %s is %s (list %s filtered by %s) before trying again, or retry with the same idempotency_key",
		m.singular, m.field, res.Marker, m.plural, m.field)
	return nil, res, &e
}

// lookup finds the record carrying marker, or nil.
func (s *Sender) lookup(ctx context.Context, w Write, m marked, marker string) (*pluginv1.BillyResponse, error) {
	resp, err := s.Billy.CallBilly(ctx, w.OrganizationID, w.CorrelationID, &pluginv1.BillyRequest{
		Method: http.MethodGet, Path: "/" + m.plural,
		Query: []*pluginv1.QueryParam{{Key: m.field, Value: marker}},
	})
	if err != nil {
		return nil, err
	}
	var list map[string]json.RawMessage
	if err := json.Unmarshal([]byte(resp.BodyJson), &list); err != nil {
		return nil, err
	}
	var records []map[string]any
	if err := json.Unmarshal(list[m.plural], &records); err != nil {
		return nil, err
	}
	for _, r := range records {
		// Billy ignores filters it does not know (billy-api.md §4.2): only
		// a record that really carries the marker counts.
		if r[m.field] == marker {
			body, err := json.Marshal(map[string]any{m.plural: []any{r},
				"meta": map[string]any{"statusCode": http.StatusOK, "success": true}})
			if err != nil {
				return nil, err
			}
			return &pluginv1.BillyResponse{Status: http.StatusOK, BodyJson: string(body)}, nil
		}
	}
	return nil, nil
}

// mark puts marker in body's record unless the caller set the field
// itself, in which case the write carries no marker of ours.
func mark(body string, m marked, marker string) (string, string, error) {
	if marker == "" {
		return body, "", nil
	}
	var top map[string]json.RawMessage
	if err := json.Unmarshal([]byte(body), &top); err != nil {
		return body, "", err
	}
	var rec map[string]json.RawMessage
	if err := json.Unmarshal(top[m.singular], &rec); err != nil || rec == nil {
		return body, "", fmt.Errorf("no %q record in the body", m.singular)
	}
	if v, ok := rec[m.field]; ok && !bytes.Equal(bytes.TrimSpace(v), []byte("null")) {
		return body, "", nil
	}
	rec[m.field] = json.RawMessage(`"` + marker + `"`)
	raw, err := json.Marshal(rec)
	if err != nil {
		return body, "", err
	}
	top[m.singular] = raw
	out, err := json.Marshal(top)
	if err != nil {
		return body, "", err
	}
	return string(out), marker, nil
}

// pluralOf is the resource a path names: "/invoices/7cQm/emails" → "invoices".
func pluralOf(path string) string {
	p := strings.TrimPrefix(path, "/")
	if i := strings.IndexByte(p, '/'); i >= 0 {
		p = p[:i]
	}
	return p
}

// what names the first record of plural in a Billy answer: "invoices 7cQm…".
func what(body, plural string) string {
	var top map[string]json.RawMessage
	if json.Unmarshal([]byte(body), &top) != nil {
		return ""
	}
	var recs []struct {
		ID string `json:"id"`
	}
	if json.Unmarshal(top[plural], &recs) != nil || len(recs) == 0 || recs[0].ID == "" {
		return ""
	}
	return plural + " " + recs[0].ID
}

func (s *Sender) sleep(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	if s.Sleep != nil {
		return s.Sleep(ctx, d)
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

func (s *Sender) log() hclog.Logger {
	if s.Logger == nil {
		return hclog.NewNullLogger()
	}
	return s.Logger
}
