package shared

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/redis/go-redis/v9"
)

// Sessions keeps the MCP sessions of the stateful revision (2025-11-25's
// Mcp-Session-Id) in Redis, so that every instance behind a load balancer
// knows them: that a session was ended (DELETE on any instance ends it on
// all), and what the client said at initialize (its capabilities decide
// whether a write can be confirmed by asking the user, on whichever
// instance the call lands). It implements mcp-go's SessionIdManager.
//
// A session ID of valid form that Redis does not know (made while Redis
// was down, or expired) is served, as mcp-go's default does: an unknown
// session is no reason to fail a call (callers are authenticated by their
// API key, not by the session ID).
type Sessions struct {
	rdb     redis.UniversalClient
	prefix  string
	idle    time.Duration
	timeout time.Duration
	errs    prometheus.Counter
	pause   pause
}

// idPrefix is the form mcp-go's own managers use.
const idPrefix = "mcp-session-"

// NewSessions keeps sessions under prefix, each for idle after its last
// use; timeout bounds each Redis call (mcp-go's interface has no context).
func NewSessions(rdb redis.UniversalClient, prefix string, idle, timeout time.Duration, m *Metrics) *Sessions {
	return &Sessions{rdb: rdb, prefix: prefix, idle: idle, timeout: timeout,
		errs: m.fallbacks.WithLabelValues("session"), pause: pause{d: pauseAfterFailure}}
}

// record is a session in Redis.
type record struct {
	Ended  bool            `json:"ended,omitempty"`
	Client json.RawMessage `json:"client,omitempty"`
}

func (s *Sessions) key(id string) string { return s.prefix + ":session:" + id }

func (s *Sessions) ctx() (context.Context, context.CancelFunc) {
	return context.WithTimeout(context.Background(), s.timeout)
}

// Generate makes a new session ID and records it.
func (s *Sessions) Generate() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	id := idPrefix + hex.EncodeToString(b[:])
	s.put(id, record{})
	return id
}

func (s *Sessions) put(id string, r record) {
	if !s.pause.ok() {
		s.errs.Inc()
		return
	}
	b, _ := json.Marshal(r)
	ctx, cancel := s.ctx()
	defer cancel()
	if err := s.rdb.Set(ctx, s.key(id), b, s.idle).Err(); err != nil {
		s.errs.Inc()
		s.pause.failed()
	}
}

func (s *Sessions) get(id string) (record, bool) {
	if !s.pause.ok() {
		s.errs.Inc()
		return record{}, false
	}
	ctx, cancel := s.ctx()
	defer cancel()
	raw, err := s.rdb.GetEx(ctx, s.key(id), s.idle).Bytes()
	if err != nil {
		if !errors.Is(err, redis.Nil) {
			s.errs.Inc()
			s.pause.failed()
		}
		return record{}, false
	}
	var r record
	if json.Unmarshal(raw, &r) != nil {
		return record{}, false
	}
	return r, true
}

func validID(id string) bool {
	hexPart, ok := strings.CutPrefix(id, idPrefix)
	if !ok || len(hexPart) < 16 || len(hexPart) > 64 {
		return false
	}
	for _, c := range hexPart {
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c == '-') {
			return false
		}
	}
	return true
}

// Validate says whether id may be served: of valid form and not ended on
// any instance. It also keeps a used session from expiring.
func (s *Sessions) Validate(id string) (isTerminated bool, err error) {
	if !validID(id) {
		return false, fmt.Errorf("invalid session id")
	}
	r, _ := s.get(id)
	return r.Ended, nil
}

// Terminate ends id on every instance.
func (s *Sessions) Terminate(id string) (isNotAllowed bool, err error) {
	if !validID(id) {
		return false, fmt.Errorf("invalid session id")
	}
	s.put(id, record{Ended: true})
	return false, nil
}

// SaveClient records what the client said at initialize.
func (s *Sessions) SaveClient(id string, client json.RawMessage) {
	if validID(id) {
		s.put(id, record{Client: client})
	}
}

// LoadClient returns what the client said at initialize, if known.
func (s *Sessions) LoadClient(id string) (json.RawMessage, bool) {
	if !validID(id) {
		return nil, false
	}
	r, ok := s.get(id)
	return r.Client, ok && len(r.Client) > 0
}
