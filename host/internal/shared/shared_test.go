package shared

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/prometheus/client_golang/prometheus/testutil"
	"github.com/redis/go-redis/v9"

	"github.com/billy-mcp/billy-mcp/host/internal/config"
	"github.com/billy-mcp/billy-mcp/host/internal/testkit"
)

func client(t *testing.T) redis.UniversalClient {
	t.Helper()
	rdb, mode, err := Connect(context.Background(), config.RedisConfig{URL: testkit.RedisURL(t), Timeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	if mode != "server" {
		t.Errorf("mode %q, want server", mode)
	}
	t.Cleanup(func() { rdb.Close() })
	return rdb
}

// TestLimiterShared: two instances' limiters draw from one bucket: the
// burst is shared, then each request waits its turn.
func TestLimiterShared(t *testing.T) {
	rdb := client(t)
	m, _ := NewMetrics(nil)
	prefix := testkit.KeyPrefix(t)
	a, b := NewLimiter(rdb, prefix, m), NewLimiter(rdb, prefix, m)
	ctx := context.Background()
	var waits []bool
	for i := 0; i < 6; i++ {
		l := a
		if i%2 == 1 {
			l = b
		}
		d, err := l.Reserve(ctx, "org1", 10, 4, time.Minute)
		if err != nil {
			t.Fatal(err)
		}
		waits = append(waits, d > 0)
		if limit := time.Duration(max(0, i-3)) * 100 * time.Millisecond; d > limit+20*time.Millisecond {
			t.Errorf("request %d waits %s, more than its place in the queue (%s)", i, d, limit)
		}
	}
	if diff := cmp.Diff([]bool{false, false, false, false, true, true}, waits); diff != "" {
		t.Errorf("waited (-want +got):\n%s", diff)
	}
	// A wait longer than the caller can afford is not reserved.
	d, err := a.Reserve(ctx, "org1", 10, 4, time.Millisecond)
	if err != nil || d <= time.Millisecond {
		t.Errorf("Reserve with a short deadline = %s, %v; want the wait, unreserved", d, err)
	}
	// Another organization has its own bucket.
	if d, _ := b.Reserve(ctx, "org2", 10, 4, time.Minute); d != 0 {
		t.Errorf("org2's first request waits %s", d)
	}
}

// TestSessionsShared: a session ended on one instance is ended on the
// other; what the client said at initialize is known to both; an unknown
// but well-formed ID is served; a Redis failure is counted, not fatal.
func TestSessionsShared(t *testing.T) {
	rdb := client(t)
	m, _ := NewMetrics(nil)
	prefix := testkit.KeyPrefix(t)
	a, b := NewSessions(rdb, prefix, time.Hour, time.Second, m), NewSessions(rdb, prefix, time.Hour, time.Second, m)
	id := a.Generate()
	a.SaveClient(id, json.RawMessage(`{"capabilities":{"elicitation":{}}}`))
	client, ok := b.LoadClient(id)
	type state struct {
		Client                  string
		Known                   bool
		EndedA, EndedB, Unknown bool
		BadErr                  bool
	}
	got := state{Client: string(client), Known: ok}
	_, _ = b.Terminate(id)
	got.EndedA, _ = a.Validate(id)
	got.EndedB, _ = b.Validate(id)
	got.Unknown, _ = a.Validate("mcp-session-00112233445566778899aabbccddeeff")
	_, err := a.Validate("not-a-session")
	got.BadErr = err != nil
	want := state{Client: `{"capabilities":{"elicitation":{}}}`, Known: true, EndedA: true, EndedB: true, BadErr: true}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("sessions (-want +got):\n%s", diff)
	}

	srv := testkit.PrivateRedis(t)
	dead := redis.NewClient(&redis.Options{Addr: srv.Addrs[0], MaxRetries: -1, DialTimeout: 100 * time.Millisecond})
	t.Cleanup(func() { dead.Close() })
	srv.Kill(srv.Addrs[0])
	s := NewSessions(dead, prefix, time.Hour, 100*time.Millisecond, m)
	if ended, err := s.Validate(s.Generate()); ended || err != nil {
		t.Errorf("with Redis down a new session is (ended %v, %v); want it served", ended, err)
	}
	if n := testutil.ToFloat64(m.fallbacks.WithLabelValues("session")); n < 2 {
		t.Errorf("fallbacks counted %v, want 2 (store and lookup)", n)
	}
}

func TestNewClientModes(t *testing.T) {
	tests := []struct {
		name string
		cfg  config.RedisConfig
		want string
	}{
		{"url", config.RedisConfig{URL: "redis://:pw@127.0.0.1:6379/2"}, "server"},
		{"url with further nodes", config.RedisConfig{URL: "redis://127.0.0.1:7000?addr=127.0.0.1:7001"}, "cluster"},
		{"addrs", config.RedisConfig{Addrs: []string{"a:1", "b:2", "c:3"}}, "cluster"},
		{"one cluster endpoint", config.RedisConfig{Addrs: []string{"a:1"}, Cluster: true}, "cluster"},
		{"sentinel", config.RedisConfig{Addrs: []string{"s1:26379", "s2:26379"}, MasterName: "mymaster"}, "sentinel"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rdb, mode, err := NewClient(tt.cfg)
			if err != nil {
				t.Fatal(err)
			}
			rdb.Close()
			if mode != tt.want {
				t.Errorf("mode %q, want %q", mode, tt.want)
			}
		})
	}
	if _, _, err := NewClient(config.RedisConfig{URL: "redis://:s3cret@h:notaport/x"}); err == nil {
		t.Error("a bad URL was accepted")
	} else if s := err.Error(); strings.Contains(s, "s3cret") {
		t.Errorf("the error shows the password: %s", s)
	}
}

// TestPauseAfterFailure: once Redis failed, the limiter does not ask it
// again for a moment: callers fall back at once instead of each waiting
// out a timeout.
func TestPauseAfterFailure(t *testing.T) {
	srv := testkit.PrivateRedis(t)
	rdb := redis.NewClient(&redis.Options{Addr: srv.Addrs[0], MaxRetries: -1, DialTimeout: 200 * time.Millisecond})
	t.Cleanup(func() { rdb.Close() })
	m, _ := NewMetrics(nil)
	l := NewLimiter(rdb, testkit.KeyPrefix(t), m)
	if _, err := l.Reserve(context.Background(), "org1", 10, 4, time.Second); err != nil {
		t.Fatalf("with Redis up: %v", err)
	}
	srv.Kill(srv.Addrs[0])
	if _, err := l.Reserve(context.Background(), "org1", 10, 4, time.Second); err == nil {
		t.Fatal("no error with Redis killed")
	}
	start := time.Now()
	_, err := l.Reserve(context.Background(), "org1", 10, 4, time.Second)
	if !errors.Is(err, errPaused) || time.Since(start) > 10*time.Millisecond {
		t.Errorf("second Reserve: %v after %s; want errPaused at once", err, time.Since(start))
	}
	if n := testutil.ToFloat64(m.fallbacks.WithLabelValues("rate_limit")); n != 2 {
		t.Errorf("rate_limit fallbacks = %v, want 2", n)
	}
}
