package dispatch

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"sync"
)

// InFlight is a call a plugin is serving. Host services look it up by ID
// when the plugin reports progress, logs, asks the user or calls Billy, so
// those callbacks act for the right caller and reach the right client.
type InFlight struct {
	ID     string
	Plugin string
	Op     *Op
	// Ctx is the request's context: it carries the MCP session and is
	// cancelled when the client goes away.
	Ctx context.Context
	// Writes records the call's writes to Billy; host services begin and
	// end each one there.
	Writes *Journal
}

// callTable maps call IDs to calls in flight.
type callTable struct {
	mu    sync.RWMutex
	calls map[string]*InFlight
}

func newCallID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

func (t *callTable) add(ctx context.Context, op *Op) *InFlight {
	c := &InFlight{ID: newCallID(), Plugin: op.Plugin, Op: op, Ctx: ctx, Writes: op.writes}
	t.mu.Lock()
	if t.calls == nil {
		t.calls = map[string]*InFlight{}
	}
	t.calls[c.ID] = c
	t.mu.Unlock()
	return c
}

func (t *callTable) remove(id string) {
	t.mu.Lock()
	delete(t.calls, id)
	t.mu.Unlock()
}

// serving counts the calls in flight that plugin serves.
func (t *callTable) serving(plugin string) int {
	t.mu.RLock()
	defer t.mu.RUnlock()
	n := 0
	for _, c := range t.calls {
		if c.Plugin == plugin {
			n++
		}
	}
	return n
}

// Lookup returns the call in flight with id, if plugin is the one serving
// it: a plugin can act only within its own calls.
func (t *callTable) Lookup(plugin, id string) (*InFlight, bool) {
	t.mu.RLock()
	defer t.mu.RUnlock()
	c, ok := t.calls[id]
	if !ok || c.Plugin != plugin {
		return nil, false
	}
	return c, true
}
