package audit

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/billy-mcp/billy-mcp/host/internal/testkit"
	"github.com/google/go-cmp/cmp"
)

func TestEncode(t *testing.T) {
	var buf bytes.Buffer
	Encode(&buf, Record{Time: time.Date(2026, 11, 27, 10, 0, 0, 123456000, time.UTC), Op: "tools/call", Name: "get_invoice",
		Plugin: "invoices", Subject: "key:ab12", Organization: "org-1", Transport: "mcp-http", CorrelationID: "c-1",
		Outcome: "invoice_not_found", Category: "not_found", Duration: 1500 * time.Microsecond})
	want := `{"@timestamp":"2026-11-27T10:00:00.123456Z","@level":"info","@message":"request","@module":"billy-mcp.audit",` +
		`"op":"tools/call","name":"get_invoice","plugin":"invoices","subject":"key:ab12","organization":"org-1","transport":"mcp-http",` +
		`"correlation_id":"c-1","outcome":"invoice_not_found","category":"not_found","duration_ms":1.5}` + "\n"
	if diff := cmp.Diff(want, buf.String()); diff != "" {
		t.Error(diff)
	}

	// A write tool's record lists its writes to Billy.
	buf.Reset()
	Encode(&buf, Record{Time: time.Date(2026, 11, 27, 10, 0, 0, 0, time.UTC), Op: "tools/call", Name: "create_invoice",
		Outcome: "write_outcome_unknown", Category: "upstream_unavailable", Replayed: true,
		Writes: []Write{{Method: "POST", Path: "/invoices", Outcome: "unknown", Marker: "bmcp-x"}}})
	if got := buf.String(); !strings.Contains(got, `"writes":[{"method":"POST","path":"/invoices","outcome":"unknown","marker":"bmcp-x"}],"replayed":true}`) {
		t.Errorf("writes not recorded: %s", got)
	}
}

// Many goroutines record through a small buffer: every record arrives,
// once, as a whole line, and the writer batched them.
func TestWriterLosesNothing(t *testing.T) {
	out := &countingWriter{}
	w := NewWriter(out, Options{Buffer: 8, MaxBatch: 64})
	const goroutines, each = 32, 500
	var wg sync.WaitGroup
	for g := range goroutines {
		wg.Go(func() {
			for i := range each {
				w.Record(Record{Op: "tools/call", CorrelationID: fmt.Sprintf("%d-%d", g, i)})
			}
		})
	}
	wg.Wait()
	w.Close()
	seen := map[string]int{}
	sc := bufio.NewScanner(strings.NewReader(out.String()))
	for sc.Scan() {
		var l line
		if err := json.Unmarshal(sc.Bytes(), &l); err != nil {
			t.Fatalf("not a whole JSON line: %q", sc.Text())
		}
		seen[l.CorrelationID]++
	}
	if len(seen) != goroutines*each {
		t.Errorf("%d distinct records, want %d", len(seen), goroutines*each)
	}
	for id, n := range seen {
		if n != 1 {
			t.Errorf("%s written %d times", id, n)
		}
	}
	if out.writes() >= goroutines*each {
		t.Errorf("%d writes for %d records: nothing was batched", out.writes(), goroutines*each)
	}
}

// A failing sink is retried until it takes the records; none is dropped.
func TestWriterRetriesFailedWrites(t *testing.T) {
	out := &countingWriter{failFirst: 2}
	w := NewWriter(out, Options{})
	w.Record(Record{CorrelationID: "kept"})
	w.Close()
	if !strings.Contains(out.String(), `"correlation_id":"kept"`) {
		t.Errorf("the record was lost after failed writes: %q", out.String())
	}
}

// A request finishing after Close is still recorded.
func TestRecordAfterClose(t *testing.T) {
	var out testkit.SyncBuffer
	w := NewWriter(&out, Options{})
	w.Close()
	w.Record(Record{CorrelationID: "late"})
	if !strings.Contains(out.String(), `"late"`) {
		t.Error("a record after Close was lost")
	}
}

type countingWriter struct {
	mu        sync.Mutex
	b         bytes.Buffer
	n         int
	failFirst int
}

func (c *countingWriter) Write(p []byte) (int, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.failFirst > 0 {
		c.failFirst--
		return 0, errors.New("disk full")
	}
	c.n++
	return c.b.Write(p)
}

func (c *countingWriter) String() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.b.String()
}

func (c *countingWriter) writes() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.n
}
