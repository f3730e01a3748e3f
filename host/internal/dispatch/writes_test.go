package dispatch_test

import (
	"context"
	"encoding/json"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/billy-mcp/billy-mcp/host/internal/audit"
	"github.com/billy-mcp/billy-mcp/host/internal/dispatch"
	"github.com/billy-mcp/billy-mcp/host/internal/store"
	"github.com/billy-mcp/billy-mcp/proto/errmodel"
	pluginv1 "github.com/billy-mcp/billy-mcp/proto/plugin/v1"
	"github.com/google/go-cmp/cmp"
)

// A plugin's writes reach Billy through host services, which record them in
// the call's journal. These fakes stand in for that: a plugin that writes
// through the journal of the call it serves (found with Lookup, as host
// services find it).

// write is one Billy write the fake plugin makes and how it ends.
type write struct {
	state  dispatch.WriteState
	marker string
	what   string
}

// writer is a fake plugin: for every call it makes writes, then returns
// result or err. Set release to hold the writes in flight until closed.
type writer struct {
	d       *dispatch.Dispatcher
	writes  []write
	result  *pluginv1.CallToolResponse
	err     error
	release chan struct{} // if set, writes end only when it is closed

	mu         sync.Mutex
	calls      int
	checkFirst []bool
	args       []string
}

func (w *writer) tool(ctx context.Context, plugin string, req *pluginv1.CallToolRequest) (*pluginv1.CallToolResponse, error) {
	c, ok := w.d.Lookup(plugin, req.Context.CallId)
	if !ok {
		panic("the call is not in flight")
	}
	w.mu.Lock()
	w.calls++
	w.checkFirst = append(w.checkFirst, c.Writes.CheckFirst())
	w.args = append(w.args, req.ArgumentsJson)
	w.mu.Unlock()
	for _, wr := range w.writes {
		e, err := c.Writes.Begin("POST", "/invoices")
		if err != nil {
			return nil, err
		}
		if w.release != nil {
			go func() { <-w.release; e.End(wr.state, wr.marker, wr.what) }()
			continue
		}
		e.End(wr.state, wr.marker, wr.what)
	}
	if w.err != nil {
		return nil, w.err
	}
	if w.result != nil {
		return w.result, nil
	}
	return &pluginv1.CallToolResponse{StructuredContentJson: `{"status":"done"}`}, nil
}

func (w *writer) count() int {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.calls
}

func newWriter(t *testing.T, w *writer, mod func(*dispatch.Options)) *dispatch.Dispatcher {
	t.Helper()
	w.d = newDispatcher(t, &fakeInvoker{tool: w.tool}, mod)
	return w.d
}

var stopped = errmodel.New(errmodel.UpstreamUnavailable, errmodel.CodePluginStopped, "the books plugin stopped")

// TestCutOffAnswersFromTheJournal: a write tool whose plugin dies is
// answered from what its journal saw: nothing sent is retryable, all saved
// is done, a lost answer is unknown and names its marker.
func TestCutOffAnswersFromTheJournal(t *testing.T) {
	tests := []struct {
		name     string
		writes   []write
		want     *errShape
		mentions string
	}{
		{"nothing sent", nil,
			&errShape{Code: "plugin_stopped", Category: "upstream_unavailable", Retryable: true, RetryAfterSeconds: 2, HasCorrelation: true},
			"nothing was written"},
		{"refused by Billy", []write{{state: dispatch.WriteRefused}},
			&errShape{Code: "plugin_stopped", Category: "upstream_unavailable", Retryable: true, RetryAfterSeconds: 2, HasCorrelation: true},
			"safe to retry"},
		{"saved", []write{{state: dispatch.WriteDone, what: "invoices inv-1"}},
			&errShape{Code: "write_done_unanswered", Category: "conflict", HasCorrelation: true},
			"POST /invoices → invoices inv-1"},
		{"answer lost", []write{{state: dispatch.WriteDone, what: "invoices inv-1"}, {state: dispatch.WriteUnknown, marker: "bmcp-abc"}},
			&errShape{Code: "write_outcome_unknown", Category: "upstream_unavailable", HasCorrelation: true},
			"marker bmcp-abc"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := &writer{writes: tt.writes, err: stopped}
			d := newWriter(t, w, nil)
			_, err := d.Do(context.Background(), &dispatch.Op{Kind: dispatch.CallTool, Name: "open", Caller: local})
			if diff := cmp.Diff(tt.want, shapeOf(t, err)); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
			if err != nil && !strings.Contains(err.Error(), tt.mentions) {
				t.Errorf("message %q does not say %q", err, tt.mentions)
			}
		})
	}
}

// TestCutOffWaitsForWritesInFlight: a plugin that dies with a write still
// in flight is answered when that write has ended, from how it ended.
func TestCutOffWaitsForWritesInFlight(t *testing.T) {
	release := make(chan struct{})
	w := &writer{writes: []write{{state: dispatch.WriteDone, what: "invoices inv-9"}}, err: stopped, release: release}
	d := newWriter(t, w, nil)
	done := make(chan error, 1)
	go func() {
		_, err := d.Do(context.Background(), &dispatch.Op{Kind: dispatch.CallTool, Name: "open", Caller: local})
		done <- err
	}()
	select {
	case err := <-done:
		t.Fatalf("answered before the write in flight ended: %v", err)
	case <-time.After(50 * time.Millisecond):
	}
	close(release)
	if err := <-done; errmodel.From(err).Code != dispatch.CodeWriteDoneUnanswered {
		t.Errorf("err = %v, want write_done_unanswered", err)
	}
}

// TestNoWritesAfterTheCallEnded: a plugin still running after its call
// timed out cannot write any more, so the host's answer stays true.
func TestNoWritesAfterTheCallEnded(t *testing.T) {
	began := make(chan error, 1)
	inv := &fakeInvoker{}
	d := newDispatcher(t, inv, func(o *dispatch.Options) { o.Timeout = 50 * time.Millisecond })
	inv.tool = func(ctx context.Context, plugin string, req *pluginv1.CallToolRequest) (*pluginv1.CallToolResponse, error) {
		c, _ := d.Lookup(plugin, req.Context.CallId)
		go func() {
			time.Sleep(200 * time.Millisecond) // well after the timeout was answered
			_, err := c.Writes.Begin("POST", "/invoices")
			began <- err
		}()
		<-ctx.Done()
		return nil, ctx.Err()
	}
	_, err := d.Do(context.Background(), &dispatch.Op{Kind: dispatch.CallTool, Name: "open", Caller: local})
	if diff := cmp.Diff(&errShape{Code: "timeout", Category: "upstream_unavailable", Retryable: true, RetryAfterSeconds: 2, HasCorrelation: true}, shapeOf(t, err)); diff != "" {
		t.Errorf("timed out before writing (-want +got):\n%s", diff)
	}
	if err := <-began; errmodel.From(err).Code != "call_ended" {
		t.Errorf("a write after the call ended: %v, want call_ended", err)
	}
}

// clock is the store's time in these tests, so that settling needs no
// sleeping.
type clock struct{ unix atomic.Int64 }

func (c *clock) now() time.Time          { return time.Unix(c.unix.Load(), 0) }
func (c *clock) advance(d time.Duration) { c.unix.Add(int64(d / time.Second)) }

// withStore gives the dispatcher a real store (SQLite in a temporary
// folder) on clock.
func withStore(t *testing.T, clk *clock) func(*dispatch.Options) {
	t.Helper()
	clk.unix.Store(time.Now().Unix())
	s, err := store.Open(context.Background(), store.Options{Dir: t.TempDir(), Now: clk.now})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Close() })
	return func(o *dispatch.Options) { o.Idempotency = s }
}

func keyed(tool, args, key string) *dispatch.Op {
	return &dispatch.Op{Kind: dispatch.CallTool, Name: tool, Caller: local, Arguments: json.RawMessage(args), IdempotencyKey: key}
}

// TestIdempotentRetries walks the key's rules, one call after another on
// one dispatcher: what each call answers and whether the plugin ran.
func TestIdempotentRetries(t *testing.T) {
	clk := &clock{}
	w := &writer{writes: []write{{state: dispatch.WriteDone, what: "invoices inv-1"}},
		result: &pluginv1.CallToolResponse{StructuredContentJson: `{"status":"done","id":"inv-1"}`}}
	d := newWriter(t, w, withStore(t, clk))
	ctx := context.Background()

	type step struct {
		name     string
		op       *dispatch.Op
		ran      bool // the plugin ran
		replayed bool
		err      string // error code
	}
	steps := []step{
		{"first", keyed("typed", `{"amount":1,"idempotency_key":"k-1"}`, ""), true, false, ""},
		{"retry: the first answer", keyed("typed", `{"amount":1,"idempotency_key":"k-1"}`, ""), false, true, ""},
		{"key from the transport", keyed("typed", `{"amount":1}`, "k-1"), false, true, ""},
		{"an extra field", keyed("typed", `{"note":"x","amount":1}`, "k-1"), false, false, "idempotency_key_reused"},
		{"the same arguments in another order", keyed("open", `{"b":2,"a":1,"idempotency_key":"k-3"}`, ""), true, false, ""},
		{"…are the same request", keyed("open", `{"a":1,"b":2}`, "k-3"), false, true, ""},
		{"other arguments", keyed("typed", `{"amount":2,"idempotency_key":"k-1"}`, ""), false, false, "idempotency_key_reused"},
		{"another tool", keyed("open", `{"amount":1,"idempotency_key":"k-1"}`, ""), false, false, "idempotency_key_reused"},
		{"a confirmation token is not bound", keyed("open", `{"x":1,"confirmation_token":"a"}`, "k-2"), true, false, ""},
		{"retried with a fresh token", keyed("open", `{"x":1,"confirmation_token":"b"}`, "k-2"), false, true, ""},
		{"two keys disagree", keyed("typed", `{"amount":1,"idempotency_key":"k-1"}`, "k-9"), false, false, "invalid_arguments"},
		{"a key with a space", keyed("typed", `{"amount":1,"idempotency_key":"k 1"}`, ""), false, false, "invalid_arguments"},
		{"a key too long", keyed("typed", `{"amount":1}`, strings.Repeat("k", 256)), false, false, "invalid_arguments"},
		{"a key that is no string", keyed("typed", `{"amount":1,"idempotency_key":7}`, ""), false, false, "invalid_arguments"},
	}
	for _, st := range steps {
		before := w.count()
		out, err := d.Do(ctx, st.op)
		ran := w.count() > before
		code := ""
		if err != nil {
			code = errmodel.From(err).Code
		}
		replayed := out != nil && out.Replayed
		if ran != st.ran || replayed != st.replayed || code != st.err {
			t.Errorf("%s: ran %v, replayed %v, error %q (%v); want ran %v, replayed %v, error %q",
				st.name, ran, replayed, code, err, st.ran, st.replayed, st.err)
		}
		if replayed && out.Tool.GetStructuredContentJson() == "" {
			t.Errorf("%s: the replayed answer is empty", st.name)
		}
	}
	// The plugin never sees the key; a schema without additionalProperties
	// passed with it.
	for _, args := range w.args {
		if strings.Contains(args, "idempotency_key") {
			t.Errorf("the plugin got the key: %s", args)
		}
	}
}

// TestKeyReleasedWhenNothingWasWritten: a preview (or a refusal) writes
// nothing and binds nothing, so the confirmation that follows, with the
// same key and the token, runs.
func TestKeyReleasedWhenNothingWasWritten(t *testing.T) {
	clk := &clock{}
	w := &writer{result: &pluginv1.CallToolResponse{StructuredContentJson: `{"status":"confirmation_required"}`}}
	d := newWriter(t, w, withStore(t, clk))
	if _, err := d.Do(context.Background(), keyed("open", `{"x":1}`, "k")); err != nil {
		t.Fatal(err)
	}
	w.writes = []write{{state: dispatch.WriteDone}}
	w.result = &pluginv1.CallToolResponse{StructuredContentJson: `{"status":"done"}`}
	out, err := d.Do(context.Background(), keyed("open", `{"x":1,"confirmation_token":"t"}`, "k"))
	if err != nil || out.Replayed || w.count() != 2 {
		t.Fatalf("the confirmation: %v, replayed %v, plugin ran %d times; want it run", err, out != nil && out.Replayed, w.count())
	}
	out, err = d.Do(context.Background(), keyed("open", `{"x":1,"confirmation_token":"t"}`, "k"))
	if err != nil || !out.Replayed || w.count() != 2 {
		t.Errorf("the confirmation retried: %v, replayed %v, plugin ran %d times; want the first answer", err, out != nil && out.Replayed, w.count())
	}
}

// TestKeyInUse: a retry while the first call runs is told to wait.
func TestKeyInUse(t *testing.T) {
	clk := &clock{}
	release := make(chan struct{})
	w := &writer{writes: []write{{state: dispatch.WriteDone}}, release: release}
	d := newWriter(t, w, withStore(t, clk))
	done := make(chan struct{})
	go func() {
		defer close(done)
		_, _ = d.Do(context.Background(), keyed("open", `{}`, "k"))
	}()
	for w.count() == 0 {
		time.Sleep(time.Millisecond)
	}
	_, err := d.Do(context.Background(), keyed("open", `{}`, "k"))
	if diff := cmp.Diff(&errShape{Code: "idempotency_key_in_use", Category: "conflict", Retryable: true, RetryAfterSeconds: 1, HasCorrelation: true}, shapeOf(t, err)); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
	close(release)
	<-done
}

// TestUnknownOutcomeSettlesThenChecksFirst: a call whose write ended
// unknown keeps its key unknown; a retry waits until Billy cannot still be
// finishing it, then runs in check-first mode, and its answer is kept.
func TestUnknownOutcomeSettlesThenChecksFirst(t *testing.T) {
	clk := &clock{}
	w := &writer{writes: []write{{state: dispatch.WriteUnknown, marker: "bmcp-x"}},
		err: errmodel.New(errmodel.UpstreamUnavailable, errmodel.CodeWriteOutcomeUnknown, "the answer was lost")}
	d := newWriter(t, w, withStore(t, clk))
	ctx := context.Background()
	if _, err := d.Do(ctx, keyed("open", `{}`, "k")); errmodel.From(err).Code != errmodel.CodeWriteOutcomeUnknown {
		t.Fatalf("first call: %v", err)
	}
	_, err := d.Do(ctx, keyed("open", `{}`, "k"))
	if e := errmodel.From(err); e.Code != "idempotency_key_settling" || !e.Retryable || e.RetryAfterSeconds < 1 {
		t.Errorf("retry at once: %+v, want idempotency_key_settling, retryable with a delay", e)
	}
	clk.advance(dispatch.DefaultWriteSettle)
	// The retry finds the write (reconcile would answer it from Billy).
	w.writes, w.err = []write{{state: dispatch.WriteDone, what: "invoices inv-1"}}, nil
	out, err := d.Do(ctx, keyed("open", `{}`, "k"))
	if err != nil || out.Replayed {
		t.Fatalf("retry after settling: %v, replayed %v; want it run", err, out != nil && out.Replayed)
	}
	out, err = d.Do(ctx, keyed("open", `{}`, "k"))
	if err != nil || !out.Replayed {
		t.Errorf("retry after the resolved retry: %v; want the kept answer", err)
	}
	if diff := cmp.Diff([]bool{false, true}, w.checkFirst); diff != "" {
		t.Errorf("check-first per run (-want +got):\n%s", diff)
	}
}

// TestResumedCallThatWroteNothingStaysUnknown: a retry that takes over an
// unknown key but never gets as far as writing (a refusal, a dry run)
// leaves the key unknown since the first call, not bound to its answer.
func TestResumedCallThatWroteNothingStaysUnknown(t *testing.T) {
	clk := &clock{}
	w := &writer{writes: []write{{state: dispatch.WriteUnknown}},
		err: errmodel.New(errmodel.UpstreamUnavailable, errmodel.CodeWriteOutcomeUnknown, "lost")}
	d := newWriter(t, w, withStore(t, clk))
	ctx := context.Background()
	_, _ = d.Do(ctx, keyed("open", `{}`, "k"))
	clk.advance(dispatch.DefaultWriteSettle)
	w.writes, w.err = nil, errmodel.New(errmodel.UpstreamUnavailable, "upstream_unavailable", "Billy is down")
	if _, err := d.Do(ctx, keyed("open", `{}`, "k")); errmodel.From(err).Code != "upstream_unavailable" {
		t.Fatalf("resumed call: %v", err)
	}
	// Still settled (since the first call): the next retry runs at once,
	// again checking first.
	w.err = nil
	if _, err := d.Do(ctx, keyed("open", `{}`, "k")); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]bool{false, true, true}, w.checkFirst); diff != "" {
		t.Errorf("check-first per run (-want +got):\n%s", diff)
	}
}

// TestIdempotencyWithoutStore: a host without a store refuses a key rather
// than ignore it.
func TestIdempotencyWithoutStore(t *testing.T) {
	w := &writer{}
	d := newWriter(t, w, nil)
	_, err := d.Do(context.Background(), keyed("open", `{}`, "k"))
	if errmodel.From(err).Code != "idempotency_unavailable" || w.count() != 0 {
		t.Errorf("err = %v, plugin ran %d times; want idempotency_unavailable and no run", err, w.count())
	}
	// A read-only tool does not take a key: it passes through untouched.
	inv := &fakeInvoker{}
	d = newDispatcher(t, inv, nil)
	if _, err := d.Do(context.Background(), keyed("lookup", `{"idempotency_key":"k"}`, "")); err != nil {
		t.Fatal(err)
	}
	if got := inv.last(t).ArgumentsJson; got != `{"idempotency_key":"k"}` {
		t.Errorf("a read-only tool's arguments = %s", got)
	}
}

// auditRecords keeps audit records.
type auditRecords struct {
	mu  sync.Mutex
	got []audit.Record
}

func (a *auditRecords) Record(r audit.Record) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.got = append(a.got, r)
}

// TestAuditRecordsTheWrites: the audit record of a write tool lists what
// it wrote and how each write ended, and says when an answer was replayed.
func TestAuditRecordsTheWrites(t *testing.T) {
	clk := &clock{}
	recs := &auditRecords{}
	w := &writer{writes: []write{{state: dispatch.WriteDone, what: "invoices inv-1", marker: "bmcp-a"}, {state: dispatch.WriteUnknown, marker: "bmcp-b"}},
		err: stopped}
	withKeys := withStore(t, clk)
	d := newWriter(t, w, func(o *dispatch.Options) { withKeys(o); o.Audit = recs })
	_, _ = d.Do(context.Background(), keyed("open", `{}`, ""))
	w.writes, w.err = []write{{state: dispatch.WriteDone, what: "invoices inv-2"}}, nil
	_, _ = d.Do(context.Background(), keyed("open", `{}`, "k"))
	_, _ = d.Do(context.Background(), keyed("open", `{}`, "k"))
	type rec struct {
		Outcome  string
		Writes   []audit.Write
		Replayed bool
	}
	var got []rec
	for _, r := range recs.got {
		got = append(got, rec{r.Outcome, r.Writes, r.Replayed})
	}
	want := []rec{
		{"write_outcome_unknown", []audit.Write{
			{Method: "POST", Path: "/invoices", Outcome: "done", Record: "invoices inv-1", Marker: "bmcp-a"},
			{Method: "POST", Path: "/invoices", Outcome: "unknown", Marker: "bmcp-b"}}, false},
		{"ok", []audit.Write{{Method: "POST", Path: "/invoices", Outcome: "done", Record: "invoices inv-2"}}, false},
		{"ok", nil, true},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("audit records (-want +got):\n%s", diff)
	}
}
