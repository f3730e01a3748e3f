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
	// Code is the error's code when the request failed (Outcome is then
	// the code too) or the tool's own error's code when its result was an
	// error (Outcome "tool_error").
	Code string
	// Auth is how the caller was authenticated ("api_key", "oauth",
	// "local"), and ClientAddr its address as the edge saw it.
	Auth, ClientAddr string
	// ArgsHash is a keyed hash of the call's arguments (ArgsHash), never
	// the arguments: they carry personal data.
	ArgsHash string
	// Approval names the MFA approval the call ran under, if any.
	Approval string
	// Note is what the plugin asked to keep with its call (cancel_invoice's
	// reason): the user's own words, so it goes only to the durable audit
	// log, with the personal fields, and never into a log line.
	Note string
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

// Sinks records to each of several sinks.
type Sinks []Sink

// Record records r to every sink.
func (s Sinks) Record(r Record) {
	for _, sink := range s {
		sink.Record(r)
	}
}

// BatchWriter is where a Writer's batches go: all of a batch or, with an
// error, none of it (the batch is retried whole).
type BatchWriter interface {
	WriteBatch([]Record) error
}

// lineWriter writes batches as JSON lines in one Write.
type lineWriter struct {
	out io.Writer
	buf bytes.Buffer
}

func (l *lineWriter) WriteBatch(rs []Record) error {
	l.buf.Reset()
	for _, r := range rs {
		Encode(&l.buf, r)
	}
	_, err := l.out.Write(l.buf.Bytes())
	return err
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
	Code          string  `json:"code,omitempty"`
	Auth          string  `json:"auth,omitempty"`
	ClientAddr    string  `json:"client_addr,omitempty"`
	ArgsHash      string  `json:"args_hash,omitempty"`
	Approval      string  `json:"approval,omitempty"`
}

// Encode appends r as one JSON line. The plugin's note is left out: it is
// the user's own words, kept only in the durable log with the personal
// fields that retention blanks.
func Encode(buf *bytes.Buffer, r Record) {
	b, _ := json.Marshal(line{Time: r.Time.UTC().Format("2006-01-02T15:04:05.000000Z07:00"), Level: "info", Message: "request",
		Module: "billy-mcp.audit", Op: r.Op, Name: r.Name, Plugin: r.Plugin, Subject: r.Subject, Organization: r.Organization,
		Transport: r.Transport, CorrelationID: r.CorrelationID, Outcome: r.Outcome, Category: r.Category,
		DurationMS: float64(r.Duration.Microseconds()) / 1000, Cause: r.Cause, Writes: r.Writes, Replayed: r.Replayed,
		Code: r.Code, Auth: r.Auth, ClientAddr: r.ClientAddr, ArgsHash: r.ArgsHash, Approval: r.Approval})
	buf.Write(b)
	buf.WriteByte('\n')
}

// Options configure a Writer.
type Options struct {
	// Buffer is how many records may wait for the writer (default 4096).
	Buffer int
	// MaxBatch bounds the records of one write (default 512).
	MaxBatch int
	// StopTimeout bounds how long Close keeps retrying records it cannot
	// write (default 5s): a host told to stop while its store is down must
	// still stop. What is left is logged and counted
	// (billy_mcp_audit_unwritten_total), never dropped silently.
	StopTimeout time.Duration
	// Logger gets write failures; Registerer the writer's metrics.
	Logger     hclog.Logger
	Registerer prometheus.Registerer
	// Name tells writers apart in metrics (label sink): "lines" for a
	// Writer to an io.Writer, unless set.
	Name string
}

// Writer writes records in batches from a background goroutine.
type Writer struct {
	out     BatchWriter
	opts    Options
	records chan Record
	done    chan struct{}
	// mu keeps Close from closing records under a sender's feet.
	mu     sync.RWMutex
	closed bool
	// giveUp is closed when Close has waited StopTimeout: writes stop
	// retrying then.
	giveUp   chan struct{}
	giveOnce sync.Once

	written, failures prometheus.Counter
	waited, unwritten prometheus.Counter
}

// NewWriter starts a writer of JSON lines to out.
func NewWriter(out io.Writer, opts Options) *Writer {
	if opts.Name == "" {
		opts.Name = "lines"
	}
	return NewBatchWriter(&lineWriter{out: out}, opts)
}

// NewBatchWriter starts a writer to out.
func NewBatchWriter(out BatchWriter, opts Options) *Writer {
	if opts.Buffer <= 0 {
		opts.Buffer = 4096
	}
	if opts.MaxBatch <= 0 {
		opts.MaxBatch = 512
	}
	if opts.StopTimeout <= 0 {
		opts.StopTimeout = 5 * time.Second
	}
	if opts.Logger == nil {
		opts.Logger = hclog.NewNullLogger()
	}
	if opts.Name == "" {
		opts.Name = "batches"
	}
	label := prometheus.Labels{"sink": opts.Name}
	w := &Writer{out: out, opts: opts, records: make(chan Record, opts.Buffer), done: make(chan struct{}), giveUp: make(chan struct{}),
		unwritten: prometheus.NewCounter(prometheus.CounterOpts{Name: "billy_mcp_audit_unwritten_total",
			Help: "Audit records this sink could not write before the host stopped (logged with their count).", ConstLabels: label}),
		written: prometheus.NewCounter(prometheus.CounterOpts{Name: "billy_mcp_audit_records_total", Help: "Audit records written.",
			ConstLabels: label}),
		failures: prometheus.NewCounter(prometheus.CounterOpts{Name: "billy_mcp_audit_write_failures_total",
			Help: "Failed audit writes (retried until they succeed).", ConstLabels: label}),
		waited: prometheus.NewCounter(prometheus.CounterOpts{Name: "billy_mcp_audit_wait_seconds_total",
			Help:        "Time requests waited for room in the audit buffer (back-pressure): non-zero means the writer cannot keep up.",
			ConstLabels: label}),
	}
	if opts.Registerer != nil {
		backlog := prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "billy_mcp_audit_backlog",
			Help:        "Audit records waiting for the writer; at the buffer's size, requests wait (billy_mcp_audit_wait_seconds_total).",
			ConstLabels: label}, func() float64 { return float64(len(w.records)) })
		opts.Registerer.MustRegister(w.written, w.failures, w.waited, w.unwritten, backlog)
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
		w.write([]Record{r})
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
	batch := make([]Record, 0, w.opts.MaxBatch)
	for r := range w.records {
		batch = append(batch[:0], r)
	more:
		for len(batch) < w.opts.MaxBatch {
			select {
			case r, ok := <-w.records:
				if !ok {
					break more
				}
				batch = append(batch, r)
			default:
				break more
			}
		}
		w.write(batch)
	}
	close(w.done)
}

// write writes a batch, retrying until it succeeds: an audit record is
// never dropped, and a writer that cannot write stalls requests through the
// full buffer rather than losing what they did.
func (w *Writer) write(batch []Record) {
	delay := 50 * time.Millisecond
	for {
		err := w.out.WriteBatch(batch)
		if err == nil {
			w.written.Add(float64(len(batch)))
			return
		}
		w.failures.Inc()
		select {
		case <-w.giveUp:
			w.unwritten.Add(float64(len(batch)))
			w.opts.Logger.Error("audit records not written before the host stopped", "sink", w.opts.Name, "records", len(batch),
				"error", err.Error(), "stop_timeout", w.opts.StopTimeout.String())
			return
		default:
		}
		w.opts.Logger.Error("writing audit records failed; retrying", "sink", w.opts.Name, "records", len(batch), "error", err.Error(), "retry_in", delay.String())
		t := time.NewTimer(delay)
		select {
		case <-t.C:
		case <-w.giveUp:
			t.Stop()
		}
		delay = min(delay*2, 5*time.Second)
	}
}

// Close writes every queued record and stops the writer. Records it still
// cannot write after StopTimeout are logged and counted, so that a host
// whose store is down can stop.
func (w *Writer) Close() {
	w.mu.Lock()
	if !w.closed {
		w.closed = true
		close(w.records)
	}
	w.mu.Unlock()
	t := time.NewTimer(w.opts.StopTimeout)
	defer t.Stop()
	select {
	case <-w.done:
		return
	case <-t.C:
	}
	w.giveOnce.Do(func() { close(w.giveUp) })
	<-w.done
}
