package store

import (
	"context"
	"sync"
	"testing"
	"time"
)

// OAuth state is read back until it expires, replaced by a second put,
// and taken by exactly one of two instances that race for it.
func TestOAuthState(t *testing.T) {
	eachBackend(t, func(t *testing.T, db *database) {
		a, b := db.open(), db.open()
		ctx := context.Background()
		if err := a.PutOAuth(ctx, "client", "c1", []byte(`{"v":1}`), db.clock.in(time.Minute)); err != nil {
			t.Fatal(err)
		}
		if err := a.PutOAuth(ctx, "client", "c1", []byte(`{"v":2}`), db.clock.in(time.Minute)); err != nil {
			t.Fatal(err)
		}
		if got, err := b.GetOAuth(ctx, "client", "c1"); err != nil || string(got) != `{"v":2}` {
			t.Fatalf("get: %q %v", got, err)
		}
		if got, _ := b.GetOAuth(ctx, "code", "c1"); got != nil {
			t.Errorf("another kind's document: %q", got)
		}
		db.clock.advance(2 * time.Minute)
		if got, _ := b.GetOAuth(ctx, "client", "c1"); got != nil {
			t.Errorf("expired, still read: %q", got)
		}
		if got, _ := b.TakeOAuth(ctx, "client", "c1"); got != nil {
			t.Errorf("expired, still taken: %q", got)
		}

		_ = a.PutOAuth(ctx, "code", "k", []byte(`"r1"`), db.clock.in(time.Minute))
		var (
			wg   sync.WaitGroup
			mu   sync.Mutex
			took int
		)
		for _, s := range []*Store{a, b, a, b} {
			wg.Add(1)
			go func() {
				defer wg.Done()
				got, err := s.TakeOAuth(ctx, "code", "k")
				if err != nil {
					t.Error(err)
				}
				if got != nil {
					mu.Lock()
					took++
					mu.Unlock()
				}
			}()
		}
		wg.Wait()
		if took != 1 {
			t.Errorf("a code taken %d times", took)
		}
		_ = a.PutOAuth(ctx, "refresh", "r", []byte(`{}`), db.clock.in(time.Minute))
		if err := b.DeleteOAuth(ctx, "refresh", "r"); err != nil {
			t.Fatal(err)
		}
		if got, _ := a.GetOAuth(ctx, "refresh", "r"); got != nil {
			t.Errorf("deleted, still read: %q", got)
		}
	})
}
