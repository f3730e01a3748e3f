package mcpserver

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/billy-mcp/billy-mcp/host/internal/dispatch"
	"github.com/mark3labs/mcp-go/server"
)

// boundSessions binds each session of the stateful revision (2025-11-25's
// Mcp-Session-Id) to the principal that opened it, and ends it after
// idle without a request or maxAge in any case. The binding is in the ID
// itself, a MAC over its issue time, its randomness and the principal
// under the deployment's key: any instance can check it, without Redis and
// across restarts, and another principal presenting the ID is told the
// session does not exist (404), as is a client after expiry (which then
// starts a new session, as the spec asks). What was ended is remembered by
// this instance until the ID's maxAge, and by Redis (Sessions) on all.
type boundSessions struct {
	key          []byte
	idle, maxAge time.Duration
	shared       Sessions // nil without Redis
	now          func() time.Time

	mu    sync.Mutex
	last  map[string]time.Time // last request per session seen here
	ended map[string]time.Time // ended here: until when to remember it
	swept time.Time
}

func newBoundSessions(key []byte, idle, maxAge time.Duration, shared Sessions) *boundSessions {
	if len(key) == 0 {
		key = make([]byte, 32)
		_, _ = rand.Read(key)
	}
	if maxAge <= 0 {
		maxAge = 24 * time.Hour
	}
	return &boundSessions{key: key, idle: idle, maxAge: maxAge, shared: shared, now: time.Now,
		last: map[string]time.Time{}, ended: map[string]time.Time{}}
}

const sessionPrefix = "mcp-session-"

var errForeignSession = errors.New("not a session of this caller")

// ResolveSessionIdManager implements server.SessionIdManagerResolver: the
// manager of the request's principal; r is nil for mcp-go's idle sweeper.
func (b *boundSessions) ResolveSessionIdManager(r *http.Request) server.SessionIdManager {
	m := &sessionManager{b: b}
	if r != nil {
		m.subject, m.request = dispatch.CallerFrom(r.Context()).Subject, true
	}
	return m
}

func (b *boundSessions) mac(issued, random, subject string) string {
	h := hmac.New(sha256.New, b.key)
	h.Write([]byte("mcp-session\x00" + issued + "\x00" + random + "\x00" + subject))
	return hex.EncodeToString(h.Sum(nil)[:12])
}

// parse checks id's form and binding to subject; it returns when the ID
// was issued.
func (b *boundSessions) parse(id, subject string) (time.Time, error) {
	rest, ok := strings.CutPrefix(id, sessionPrefix)
	body, mac, ok2 := strings.Cut(rest, "-")
	if !ok || !ok2 || len(body) != 32 || len(mac) != 24 {
		return time.Time{}, errors.New("invalid session id")
	}
	issued, random := body[:8], body[8:]
	secs, err := strconv.ParseUint(issued, 16, 32)
	if err != nil {
		return time.Time{}, errors.New("invalid session id")
	}
	if !hmac.Equal([]byte(mac), []byte(b.mac(issued, random, subject))) {
		return time.Time{}, errForeignSession
	}
	return time.Unix(int64(secs), 0), nil
}

// sweep forgets what no longer needs remembering; b.mu is held.
func (b *boundSessions) sweep(now time.Time) {
	if now.Sub(b.swept) < time.Minute {
		return
	}
	b.swept = now
	for id, t := range b.last {
		if b.idle > 0 && now.Sub(t) > b.idle {
			delete(b.last, id)
			b.ended[id] = t.Add(b.maxAge)
		}
	}
	for id, until := range b.ended {
		if now.After(until) {
			delete(b.ended, id)
		}
	}
}

// sessionManager is mcp-go's SessionIdManager for one request's principal.
type sessionManager struct {
	b       *boundSessions
	subject string
	request bool
}

// Generate makes an ID bound to the principal.
func (m *sessionManager) Generate() string {
	b := m.b
	now := b.now()
	var r [12]byte
	_, _ = rand.Read(r[:])
	issued := strconv.FormatUint(uint64(now.Unix())&0xffffffff, 16)
	issued = strings.Repeat("0", 8-len(issued)) + issued
	random := hex.EncodeToString(r[:])
	id := sessionPrefix + issued + random + "-" + b.mac(issued, random, m.subject)
	b.mu.Lock()
	b.sweep(now)
	b.last[id] = now
	b.mu.Unlock()
	return id
}

// Validate serves id only to its principal, within its lifetime.
func (m *sessionManager) Validate(id string) (isTerminated bool, err error) {
	b := m.b
	issued, err := b.parse(id, m.subject)
	if err != nil {
		return false, err
	}
	now := b.now()
	if now.Sub(issued) > b.maxAge {
		return true, nil
	}
	b.mu.Lock()
	b.sweep(now)
	if _, gone := b.ended[id]; gone {
		b.mu.Unlock()
		return true, nil
	}
	if t, ok := b.last[id]; ok && b.idle > 0 && now.Sub(t) > b.idle {
		delete(b.last, id)
		b.ended[id] = issued.Add(b.maxAge)
		b.mu.Unlock()
		return true, nil
	}
	b.last[id] = now
	b.mu.Unlock()
	if b.shared != nil {
		return b.shared.Validate(id)
	}
	return false, nil
}

// Terminate ends id: on a client's DELETE everywhere (only its own
// principal may), on mcp-go's idle sweep here only (another instance may
// still be serving it).
func (m *sessionManager) Terminate(id string) (isNotAllowed bool, err error) {
	b := m.b
	if m.request {
		issued, err := b.parse(id, m.subject)
		if err != nil {
			return true, nil
		}
		b.mu.Lock()
		delete(b.last, id)
		b.ended[id] = issued.Add(b.maxAge)
		b.mu.Unlock()
		if b.shared != nil {
			return b.shared.Terminate(id)
		}
		return false, nil
	}
	b.mu.Lock()
	if t, ok := b.last[id]; ok {
		delete(b.last, id)
		b.ended[id] = t.Add(b.maxAge)
	}
	b.mu.Unlock()
	return false, nil
}
