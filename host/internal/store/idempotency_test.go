package store

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

var terms = IdemTerms{Lease: 90 * time.Second, Settle: time.Minute, TTL: 24 * time.Hour}

func claim(t *testing.T, s *Store, key, hash string) IdemClaim {
	t.Helper()
	c, err := s.ClaimIdempotencyKey(context.Background(), "org/subject", key, hash, terms)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// ignoreOwner leaves out the random owner token when comparing claims.
var ignoreOwner = cmpopts.IgnoreFields(IdemClaim{}, "Owner")

// TestIdempotencyLifecycle walks one key through every state, one step at a
// time, with what each later claim finds.
func TestIdempotencyLifecycle(t *testing.T) {
	eachBackend(t, func(t *testing.T, db *database) {
		s := db.open()
		ctx := context.Background()
		scope := "org/subject"

		first := claim(t, s, "k1", "h1")
		if first.Status != IdemClaimed || first.Owner == "" || first.Resumed {
			t.Fatalf("first claim = %+v, want claimed afresh", first)
		}
		if diff := cmp.Diff(IdemClaim{Status: IdemRunning}, claim(t, s, "k1", "h1"), ignoreOwner); diff != "" {
			t.Errorf("while running (-want +got):\n%s", diff)
		}
		if diff := cmp.Diff(IdemClaim{Status: IdemMismatch}, claim(t, s, "k1", "other"), ignoreOwner); diff != "" {
			t.Errorf("other request (-want +got):\n%s", diff)
		}
		if err := s.FinishIdempotencyKey(ctx, scope, "k1", first.Owner, []byte(`{"answer":1}`), terms.TTL); err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(IdemClaim{Status: IdemDone, Result: []byte(`{"answer":1}`)}, claim(t, s, "k1", "h1"), ignoreOwner); diff != "" {
			t.Errorf("after finishing (-want +got):\n%s", diff)
		}
		if diff := cmp.Diff(IdemClaim{Status: IdemMismatch}, claim(t, s, "k1", "other"), ignoreOwner); diff != "" {
			t.Errorf("other request after finishing (-want +got):\n%s", diff)
		}

		// Another scope has its own keys.
		other, err := s.ClaimIdempotencyKey(ctx, "org/someone else", "k1", "h9", terms)
		if err != nil || other.Status != IdemClaimed {
			t.Errorf("same key in another scope = %+v, %v; want claimed", other, err)
		}

		// Released: the next call runs afresh, with any request.
		c := claim(t, s, "k2", "h1")
		if err := s.ReleaseIdempotencyKey(ctx, scope, "k2", c.Owner); err != nil {
			t.Fatal(err)
		}
		if got := claim(t, s, "k2", "h2"); got.Status != IdemClaimed || got.Resumed {
			t.Errorf("after release = %+v, want claimed afresh", got)
		}

		// Unknown: settling for a minute, then resumed.
		c = claim(t, s, "k3", "h1")
		if err := s.MarkIdempotencyUnknown(ctx, scope, "k3", c.Owner, db.clock.Now(), terms.TTL); err != nil {
			t.Fatal(err)
		}
		endedAt := db.clock.Now()
		db.clock.advance(59 * time.Second)
		if diff := cmp.Diff(IdemClaim{Status: IdemSettling, SettledAt: endedAt}, claim(t, s, "k3", "h1"), ignoreOwner); diff != "" {
			t.Errorf("settling (-want +got):\n%s", diff)
		}
		db.clock.advance(time.Second)
		resumed := claim(t, s, "k3", "h1")
		if diff := cmp.Diff(IdemClaim{Status: IdemClaimed, Resumed: true, SettledAt: endedAt}, resumed, ignoreOwner); diff != "" {
			t.Errorf("settled (-want +got):\n%s", diff)
		}
		// The old owner can no longer end it.
		if err := s.FinishIdempotencyKey(ctx, scope, "k3", c.Owner, []byte(`{}`), terms.TTL); !errors.Is(err, ErrIdempotencyKeyLost) {
			t.Errorf("old owner finishing = %v, want ErrIdempotencyKeyLost", err)
		}
		if err := s.FinishIdempotencyKey(ctx, scope, "k3", resumed.Owner, []byte(`{"answer":3}`), terms.TTL); err != nil {
			t.Fatal(err)
		}
		if got := claim(t, s, "k3", "h1"); got.Status != IdemDone || string(got.Result) != `{"answer":3}` {
			t.Errorf("after the resumed call = %+v", got)
		}
	})
}

// TestIdempotencyAbandoned: an owner that crashed leaves its key running;
// when its lease ends the key is unknown from then, and settles like one.
func TestIdempotencyAbandoned(t *testing.T) {
	eachBackend(t, func(t *testing.T, db *database) {
		s := db.open()
		claim(t, s, "k", "h")
		leaseEnd := db.clock.in(terms.Lease)
		db.clock.advance(terms.Lease - time.Second)
		if got := claim(t, s, "k", "h"); got.Status != IdemRunning {
			t.Errorf("before the lease ends = %+v, want running", got)
		}
		db.clock.advance(time.Second)
		if diff := cmp.Diff(IdemClaim{Status: IdemSettling, SettledAt: leaseEnd}, claim(t, s, "k", "h"), ignoreOwner); diff != "" {
			t.Errorf("lease just ended (-want +got):\n%s", diff)
		}
		db.clock.advance(terms.Settle)
		if diff := cmp.Diff(IdemClaim{Status: IdemClaimed, Resumed: true, SettledAt: leaseEnd}, claim(t, s, "k", "h"), ignoreOwner); diff != "" {
			t.Errorf("settled (-want +got):\n%s", diff)
		}
	})
}

// TestIdempotencyExpiry: after its TTL a key is forgotten, answer and
// request alike, and pruning deletes it.
func TestIdempotencyExpiry(t *testing.T) {
	eachBackend(t, func(t *testing.T, db *database) {
		s := db.open()
		c := claim(t, s, "k", "h")
		if err := s.FinishIdempotencyKey(context.Background(), "org/subject", "k", c.Owner, []byte(`1`), time.Hour); err != nil {
			t.Fatal(err)
		}
		db.clock.advance(time.Hour - time.Second)
		if got := claim(t, s, "k", "other"); got.Status != IdemMismatch {
			t.Errorf("before expiry = %+v, want mismatch", got)
		}
		db.clock.advance(time.Second)
		if n, err := s.prune(context.Background()); err != nil || n != 1 {
			t.Errorf("prune = %d, %v; want 1 row", n, err)
		}
		if got := claim(t, s, "k", "other"); got.Status != IdemClaimed || got.Resumed {
			t.Errorf("after expiry = %+v, want claimed afresh", got)
		}
	})
}

// TestIdempotencyRace: instances claiming one key at once, fresh and when
// resuming an unknown one: exactly one owns it each time.
func TestIdempotencyRace(t *testing.T) {
	eachBackend(t, func(t *testing.T, db *database) {
		a, b := db.open(), db.open()
		race := func(key string) (claimed int, resumed int) {
			var mu sync.Mutex
			var wg sync.WaitGroup
			for i := range 16 {
				wg.Add(1)
				go func() {
					defer wg.Done()
					s := a
					if i%2 == 1 {
						s = b
					}
					c, err := s.ClaimIdempotencyKey(context.Background(), "scope", key, "h", terms)
					if err != nil {
						t.Error(err)
						return
					}
					mu.Lock()
					defer mu.Unlock()
					if c.Status == IdemClaimed {
						claimed++
						if c.Resumed {
							resumed++
						}
						if key == "unknown" {
							return
						}
						if err := s.MarkIdempotencyUnknown(context.Background(), "scope", key, c.Owner, db.clock.Now(), terms.TTL); err != nil {
							t.Error(err)
						}
					}
				}()
			}
			wg.Wait()
			return
		}
		if n, _ := race("fresh"); n != 1 {
			t.Errorf("fresh key: %d claims, want 1", n)
		}
		c, err := a.ClaimIdempotencyKey(context.Background(), "scope", "unknown", "h", terms)
		if err != nil {
			t.Fatal(err)
		}
		if err := a.MarkIdempotencyUnknown(context.Background(), "scope", "unknown", c.Owner, db.clock.Now(), terms.TTL); err != nil {
			t.Fatal(err)
		}
		db.clock.advance(terms.Settle)
		if n, r := race("unknown"); n != 1 || r != 1 {
			t.Errorf("resuming: %d claims (%d resumed), want 1 resumed", n, r)
		}
	})
}
