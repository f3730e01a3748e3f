package store

import (
	"context"
	"testing"
	"time"
)

func TestMFASecrets(t *testing.T) {
	eachBackend(t, func(t *testing.T, db *database) {
		s := db.open()
		ctx := context.Background()
		if m, err := s.GetMFASecret(ctx, "alice"); m != nil || err != nil {
			t.Fatalf("not enrolled: %v %v", m, err)
		}
		if ok, _ := s.ConfirmMFASecret(ctx, "alice", db.clock.Now()); ok {
			t.Error("confirmed an enrolment that does not exist")
		}
		if err := s.PutMFASecret(ctx, "alice", "sealed-1", db.clock.Now()); err != nil {
			t.Fatal(err)
		}
		if ok, _ := s.ConfirmMFASecret(ctx, "alice", db.clock.Now()); !ok {
			t.Error("not confirmed")
		}
		m, _ := s.GetMFASecret(ctx, "alice")
		if m == nil || m.Sealed != "sealed-1" || m.Confirmed.IsZero() {
			t.Fatalf("%+v", m)
		}
		// Enrolling again replaces the secret and needs a new confirmation.
		_ = s.PutMFASecret(ctx, "alice", "sealed-2", db.clock.Now())
		if m, _ := s.GetMFASecret(ctx, "alice"); m.Sealed != "sealed-2" || !m.Confirmed.IsZero() {
			t.Errorf("re-enrolled: %+v", m)
		}
		if ok, _ := s.DeleteMFASecret(ctx, "alice"); !ok {
			t.Error("not deleted")
		}
	})
}

// An approval is approved once and used once, on any instance, and not
// after it expired.
func TestApprovalsSingleUse(t *testing.T) {
	eachBackend(t, func(t *testing.T, db *database) {
		a, b := db.open(), db.open()
		ctx := context.Background()
		now := db.clock.Now()
		ap := &Approval{ID: "ap1", Principal: "alice", Organization: "org-1", Tool: "cancel_invoice", ArgsHash: "h",
			Created: now, Expires: now.Add(5 * time.Minute)}
		if err := a.CreateApproval(ctx, ap); err != nil {
			t.Fatal(err)
		}
		if ok, _ := a.UseApproval(ctx, "ap1", now); ok {
			t.Error("used before it was approved")
		}
		if ok, _ := b.ApproveApproval(ctx, "ap1", now); !ok {
			t.Fatal("not approved")
		}
		if ok, _ := a.ApproveApproval(ctx, "ap1", now); ok {
			t.Error("approved twice")
		}
		found, err := b.FindApproval(ctx, "alice", "org-1", "cancel_invoice", "h", now)
		if err != nil || len(found) != 1 || found[0].Approved.IsZero() {
			t.Fatalf("find: %+v %v", found, err)
		}
		if other, _ := b.FindApproval(ctx, "bob", "org-1", "cancel_invoice", "h", now); len(other) != 0 {
			t.Error("another principal found alice's approval")
		}
		if ok, _ := a.UseApproval(ctx, "ap1", now); !ok {
			t.Fatal("not used")
		}
		if ok, _ := b.UseApproval(ctx, "ap1", now); ok {
			t.Error("used twice")
		}
		// Expired.
		_ = a.CreateApproval(ctx, &Approval{ID: "ap2", Principal: "alice", Organization: "org-1", Tool: "t", ArgsHash: "h",
			Created: now, Expires: now.Add(time.Minute)})
		later := now.Add(2 * time.Minute)
		if ok, _ := a.ApproveApproval(ctx, "ap2", later); ok {
			t.Error("approved after it expired")
		}
		if got, _ := a.GetApproval(ctx, "ap2"); got == nil || got.Tool != "t" {
			t.Errorf("get: %+v", got)
		}
	})
}

func TestCounters(t *testing.T) {
	eachBackend(t, func(t *testing.T, db *database) {
		a, b := db.open(), db.open()
		ctx := context.Background()
		for i := int64(1); i <= 3; i++ {
			s := a
			if i%2 == 0 {
				s = b
			}
			if n, err := s.CountHit(ctx, "totp", "alice", 15*time.Minute); err != nil || n != i {
				t.Fatalf("hit %d: %d %v", i, n, err)
			}
		}
		if n, _ := a.Count(ctx, "totp", "alice", 15*time.Minute); n != 3 {
			t.Errorf("count %d", n)
		}
		if n, _ := a.Count(ctx, "totp", "bob", 15*time.Minute); n != 0 {
			t.Errorf("bob's count %d", n)
		}
		db.clock.advance(16 * time.Minute)
		if n, _ := a.Count(ctx, "totp", "alice", 15*time.Minute); n != 0 {
			t.Errorf("count in the next window %d", n)
		}
		if n, _ := a.CountHit(ctx, "totp", "alice", 15*time.Minute); n != 1 {
			t.Errorf("first hit of the next window: %d", n)
		}
	})
}
