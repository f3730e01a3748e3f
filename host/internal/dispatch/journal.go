package dispatch

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"strings"
	"sync"

	"github.com/billy-mcp/billy-mcp/host/internal/audit"
	"github.com/billy-mcp/billy-mcp/proto/errmodel"
)

// Every Billy request a plugin makes goes through host services, so the
// host knows, for each call, which writes were sent and how each ended.
// The journal is that record. It lets the host answer honestly when the
// plugin cannot: a plugin that dies (or a call that times out) before
// sending any write is safe to retry; one whose writes all landed did its
// work; only a write whose answer was lost leaves the outcome unknown.
//
// Once the call is over its journal is closed: a plugin still running
// after its call timed out cannot write any more, so what the host told
// the client stays true.

// WriteState is how one write to Billy ended.
type WriteState int

const (
	// WriteSending: sent (or about to be), no answer yet.
	WriteSending WriteState = iota
	// WriteDone: Billy saved it (2xx), or reconciliation found it saved.
	WriteDone
	// WriteRefused: it was not applied: refused by Billy, or never sent.
	WriteRefused
	// WriteUnknown: it may or may not have been applied.
	WriteUnknown
)

// WriteEntry is one write a call sent to Billy.
type WriteEntry struct {
	Method, Path string
	// Seed derives the write's idempotency marker (see reconcile): the
	// same for the same write of a call retried with the same
	// idempotency_key, different otherwise.
	Seed string

	owners []*Journal // the call's journal and its parents'
	// Guarded by the tree's lock:
	state  WriteState
	marker string // the marker the write carried, if its resource has one
	what   string // what Billy answered, for people: "invoices 1a2b…"
}

// Journal records a call's writes; see the comment above. Safe for
// concurrent use: a plugin may write in parallel.
type Journal struct {
	tree     *sync.Mutex // one lock for a call and the calls nested in it
	parent   *Journal
	inflight sync.WaitGroup
	seed     [32]byte
	// Guarded by tree:
	closed     bool
	own        int // writes this call itself began: the seeds' ordinal
	entries    []*WriteEntry
	checkFirst bool
}

// newJournal starts the journal of a call; a nested call's journal also
// records its writes in its parent's, whose call they are part of.
func newJournal(parent *Journal) *Journal {
	j := &Journal{tree: &sync.Mutex{}, parent: parent}
	_, _ = rand.Read(j.seed[:])
	if parent != nil {
		j.tree = parent.tree
		j.checkFirst = parent.CheckFirst()
	}
	return j
}

// keyed makes the write seeds follow from an idempotency key, so the same
// writes of a retried call carry the same markers; resumed says the key's
// earlier call ended unknown (see CheckFirst).
func (j *Journal) keyed(scope, key string, resumed bool) {
	j.tree.Lock()
	defer j.tree.Unlock()
	j.seed = sha256.Sum256([]byte("billy-mcp write marker\x00" + scope + "\x00" + key))
	j.checkFirst = j.checkFirst || resumed
}

// CheckFirst says the call takes over an idempotency key whose earlier
// call ended with an unknown outcome: before writing, host services must
// look for what that call may have written.
func (j *Journal) CheckFirst() bool {
	if j == nil {
		return false
	}
	j.tree.Lock()
	defer j.tree.Unlock()
	return j.checkFirst
}

// errCallEnded refuses a write asked for after its call ended.
func errCallEnded() *errmodel.Error {
	return errmodel.New(errmodel.Conflict, "call_ended",
		"the call this write belongs to has already been answered (it timed out or its plugin stopped), so the write was not sent")
}

// Begin records a write about to be sent. It refuses (with nothing sent)
// once the call, or the call it is nested in, is over.
func (j *Journal) Begin(method, path string) (*WriteEntry, error) {
	j.tree.Lock()
	defer j.tree.Unlock()
	for o := j; o != nil; o = o.parent {
		if o.closed {
			return nil, errCallEnded()
		}
	}
	var n [8]byte
	binary.BigEndian.PutUint64(n[:], uint64(j.own))
	j.own++
	seed := sha256.Sum256(append(j.seed[:], n[:]...))
	e := &WriteEntry{Method: method, Path: path, Seed: hex.EncodeToString(seed[:16])}
	for o := j; o != nil; o = o.parent {
		o.entries = append(o.entries, e)
		o.inflight.Add(1)
		e.owners = append(e.owners, o)
	}
	return e, nil
}

// End records how the write ended, the marker it carried and what Billy
// answered (for messages: "invoices 1a2b…").
func (e *WriteEntry) End(state WriteState, marker, what string) {
	if len(e.owners) == 0 {
		return
	}
	tree := e.owners[0].tree
	tree.Lock()
	e.state, e.marker, e.what = state, marker, what
	tree.Unlock()
	for _, o := range e.owners {
		o.inflight.Done()
	}
}

// close ends the call's journal and waits for the writes in flight, which
// run to their own end (host services do not cut them off).
func (j *Journal) close() writeSummary {
	j.tree.Lock()
	j.closed = true
	j.tree.Unlock()
	j.inflight.Wait()
	j.tree.Lock()
	defer j.tree.Unlock()
	var s writeSummary
	for _, e := range j.entries {
		switch e.state {
		case WriteDone:
			s.done = append(s.done, e)
		case WriteUnknown, WriteSending:
			s.unknown = append(s.unknown, e)
		}
	}
	return s
}

// writeSummary is what a call's writes did.
type writeSummary struct {
	done, unknown []*WriteEntry
}

// wrote says some write may have been applied.
func (s writeSummary) wrote() bool { return len(s.done)+len(s.unknown) > 0 }

// describe lists writes for people: "POST /invoices (invoices 1a2b…)".
func describe(entries []*WriteEntry) string {
	parts := make([]string, 0, len(entries))
	for _, e := range entries {
		p := e.Method + " " + e.Path
		switch {
		case e.what != "":
			p += " → " + e.what
		case e.marker != "":
			p += fmt.Sprintf(" (marked %s)", e.marker)
		}
		parts = append(parts, p)
	}
	return strings.Join(parts, ", ")
}

// audited lists the call's writes for its audit record.
func (j *Journal) audited() []audit.Write {
	if j == nil {
		return nil
	}
	j.tree.Lock()
	defer j.tree.Unlock()
	if len(j.entries) == 0 {
		return nil
	}
	out := make([]audit.Write, 0, len(j.entries))
	for _, e := range j.entries {
		out = append(out, audit.Write{Method: e.Method, Path: e.Path, Outcome: e.state.String(), Record: e.what, Marker: e.marker})
	}
	return out
}

// String names a state as audit records do.
func (s WriteState) String() string {
	switch s {
	case WriteDone:
		return "done"
	case WriteRefused:
		return "refused"
	case WriteUnknown:
		return "unknown"
	}
	return "sending"
}
