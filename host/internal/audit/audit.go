package audit

import (
	"bytes"
	"encoding/json"
	"io"
	"sync"
	"time"

	"github.com/hashicorp/go-hclog"
	"github.com/prometheus/client_golang/prometheus"
)

// Record is what is audited about one request.
type Record struct {
	Time time.Time
	// Op is "tools/call", "resources/read" or "prompts/get".
	Op, Name, Plugin string
	// Subject, Organization and Transport say who called, for whom, how.
	Subject, Organization, Transport string
	CorrelationID                    string
	// Outcome is "ok", "tool_error" or the error's code; Category is the
	// error's category.
	Outcome, Category string
	Duration          time.Duration
	// Cause is an internal error's text, which the caller did not see.
	Cause string
	// Writes are the writes to Billy the call made, in order, and how each
	// ended: what to look for in Billy when reconciling.
	Writes []Write
	// Replayed says the answer was an earlier call's, kept under the same
	// idempotency key: nothing ran.
	Replayed bool
}

// Write is one write to Billy a call made.
type Write struct {
	Method string `json:"method"`
	Path   string `json:"path"`
	// Outcome is done (saved), refused (not applied: refused or never
	// sent), unknown (may or may not be saved) or sending (had not ended
	// when the call was answered).
	Outcome string `json:"outcome"`
	// Record names what Billy saved, e.g. "invoices 7cQm…".
	Record string `json:"record,omitempty"`
	// Marker is the idempotency marker the write carried (an invoice's
	// externalId), to look it up by.
	Marker string `json:"marker,omitempty"`
}

// Sink takes records.
type Sink interface {
	Record(Record)
}

// line is a record's JSON form.
type line struct {
	Time          string  `json:"@timestamp"`
	Level         string  `json:"@level"`
	Message       string  `json:"@message"`
	Module        string  `json:"@module"`
	Op            string  `json:"op"`
	Name          string  `json:"name"`
	Plugin        string  `json:"plugin"`
	Subject       string  `json:"subject"`
	Organization  string  `json:"organization"`
	Transport     string  `json:"transport"`
	CorrelationID string  `json:"correlation_id"`
	Outcome       string  `json:"outcome"`
	Category      string  `json:"category,omitempty"`
	DurationMS    float64 `json:"duration_ms"`
	Cause         string  `json:"error,omitempty"`
	Writes        []Write `json:"writes,omitempty"`
	Replayed      bool    `json:"replayed,omitempty"`
}

// Encode appends r as one JSON line.
func Encode(buf *bytes.Buffer, r Record) {
	b, _ := json.Marshal(line{Time: r.Time.UTC().Format("2006-01-02T15:04:05.000000Z07:00"), Level: "info", Message: "request",
		Module: "billy-mcp.audit", Op: r.Op, Name: r.Name, Plugin: r.Plugin, Subject: r.Subject, Organization: r.Organization,
		Transport: r.Transport, CorrelationID: r.CorrelationID, Outcome: r.Outcome, Category: r.Category,
		DurationMS: float64(r.Duration.Microseconds()) / 1000, Cause: r.Cause, Writes: r.Writes, Replayed: r.Replayed})
	buf.Write(b)
	buf.WriteByte('\n')
}

// Options configure a Writer.
type Options struct {
	// Buffer is how many records may wait for the writer (default 4096).
	Buffer int
	// MaxBatch bounds the records of one write (default 512).
	MaxBatch int
	// Logger gets write failures; Registerer the writer's metrics.
	Logger     hclog.Logger
	Registerer prometheus.Registerer
}

// Writer writes records to an io.Writer from a background goroutine.
type Writer struct {
	out     io.Writer
	opts    Options
	records chan Record
	done    chan struct{}
	// mu keeps Close from closing records under a sender's feet.
	mu     sync.RWMutex
	closed bool

	written, failures prometheus.Counter
	waited            prometheus.Counter
}

// NewWriter starts a writer to out.
func NewWriter(out io.Writer, opts Options) *Writer {
	if opts.Buffer <= 0 {
		opts.Buffer = 4096
	}
	if opts.MaxBatch <= 0 {
		opts.MaxBatch = 512
	}
	if opts.Logger == nil {
		opts.Logger = hclog.NewNullLogger()
	}
	w := &Writer{out: out, opts: opts, records: make(chan Record, opts.Buffer), done: make(chan struct{}),
		written:  prometheus.NewCounter(prometheus.CounterOpts{Name: "billy_mcp_audit_records_total", Help: "Audit records written."}),
		failures: prometheus.NewCounter(prometheus.CounterOpts{Name: "billy_mcp_audit_write_failures_total", Help: "Failed audit writes (retried until they succeed)."}),
		waited: prometheus.NewCounter(prometheus.CounterOpts{Name: "billy_mcp_audit_wait_seconds_total",
			Help: "Time requests waited for room in the audit buffer (back-pressure): non-zero means the writer cannot keep up."}),
	}
	if opts.Registerer != nil {
		opts.Registerer.MustRegister(w.written, w.failures, w.waited)
	}
	go w.run()
	return w
}

// Record queues r, waiting while the buffer is full. A record after Close
// is written directly, so none is lost to a late request.
func (w *Writer) Record(r Record) {
	w.mu.RLock()
	defer w.mu.RUnlock()
	if w.closed {
		var buf bytes.Buffer
		Encode(&buf, r)
		w.write(buf.Bytes(), 1)
		return
	}
	select {
	case w.records <- r:
		return
	default:
	}
	start := time.Now()
	w.records <- r
	w.waited.Add(time.Since(start).Seconds())
}

func (w *Writer) run() {
	var buf bytes.Buffer
	for r := range w.records {
		buf.Reset()
		Encode(&buf, r)
		n := 1
	batch:
		for n < w.opts.MaxBatch {
			select {
			case more, ok := <-w.records:
				if !ok {
					break batch
				}
				Encode(&buf, more)
				n++
			default:
				break batch
			}
		}
		w.write(buf.Bytes(), n)
	}
	close(w.done)
}

// write writes a batch, retrying until it succeeds: an audit record is
// never dropped, and a writer that cannot write stalls requests through the
// full buffer rather than losing what they did.
func (w *Writer) write(b []byte, n int) {
	delay := 50 * time.Millisecond
	for {
		_, err := w.out.Write(b)
		if err == nil {
			w.written.Add(float64(n))
			return
		}
		w.failures.Inc()
		w.opts.Logger.Error("writing audit records failed; retrying", "records", n, "error", err.Error(), "retry_in", delay.String())
		time.Sleep(delay)
		delay = min(delay*2, 5*time.Second)
	}
}

// Close writes every queued record and stops the writer.
func (w *Writer) Close() {
	w.mu.Lock()
	if !w.closed {
		w.closed = true
		close(w.records)
	}
	w.mu.Unlock()
	<-w.done
}
