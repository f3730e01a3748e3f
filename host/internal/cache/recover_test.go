package cache

import (
	"context"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/redis/go-redis/v9"

	"github.com/billy-mcp/billy-mcp/host/internal/testkit"
)

// TestRedisRecovery: a write made while Redis did not answer is told to
// Redis when it answers again, so an answer stored in Redis before the
// write is not served by another instance after it.
func TestRedisRecovery(t *testing.T) {
	srv := testkit.PrivateRedis(t)
	opts := &redis.Options{Addr: srv.Addrs[0], MaxRetries: -1, DialTimeout: 100 * time.Millisecond,
		ReadTimeout: 100 * time.Millisecond, WriteTimeout: 100 * time.Millisecond}
	rdbA, rdbB, admin := redis.NewClient(opts), redis.NewClient(opts), redis.NewClient(&redis.Options{Addr: srv.Addrs[0]})
	t.Cleanup(func() { rdbA.Close(); rdbB.Close(); admin.Close() })
	prefix, clk := testkit.KeyPrefix(t), newClock()
	a, b := newCache(t, rdbA, prefix, clk), newCache(t, rdbB, prefix, clk)
	p := a.Plan(rd("/contacts/C1", nil))
	var got []string
	got = append(got, read(a, p, "before"))

	// Redis stops answering (its data kept) while A renames C1.
	if err := admin.Do(context.Background(), "CLIENT", "PAUSE", "700", "ALL").Err(); err != nil {
		t.Fatal(err)
	}
	a.Invalidate(context.Background(), "org1", "/contacts/C1", []byte(`{"contacts":[{"id":"C1"}]}`))
	got = append(got, outcome(a.Lookup(context.Background(), p, LookupMode{}))) // A knows
	time.Sleep(900 * time.Millisecond)                                          // Redis answers again

	// A's next use of Redis finds it back and replays the rename.
	eventually(t, "A to replay the write to Redis", func() bool {
		a.Lookup(context.Background(), a.Plan(rd("/products", nil)), LookupMode{})
		a.pmu.Lock()
		defer a.pmu.Unlock()
		return len(a.pending) == 0
	})
	eventually(t, "the replay to land", func() bool {
		return b.Lookup(context.Background(), b.Plan(rd("/contacts/C1", nil)), LookupMode{}).Fresh == nil
	})
	got = append(got, outcome(b.Lookup(context.Background(), b.Plan(rd("/contacts/C1", nil)), LookupMode{})))
	if diff := cmp.Diff([]string{"miss", "miss", "miss"}, got); diff != "" {
		t.Errorf("lookups (-want +got):\n%s", diff)
	}
}
