package store

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

// A user added on one instance is read, listed, changed and removed on
// another; a name is added once.
func TestOAuthUsers(t *testing.T) {
	eachBackend(t, func(t *testing.T, db *database) {
		a, b := db.open(), db.open()
		ctx := context.Background()
		u := OAuthUser{Name: "eva", PasswordHash: "$2a$04$x", Organizations: []string{"org-a"}, Roles: []string{"bookkeeper"},
			RequireTOTP: true}
		if err := a.AddOAuthUser(ctx, u); err != nil {
			t.Fatal(err)
		}
		if err := b.AddOAuthUser(ctx, OAuthUser{Name: "eva", PasswordHash: "other"}); !errors.Is(err, ErrUserExists) {
			t.Errorf("second add of eva: %v, want ErrUserExists", err)
		}
		if err := a.AddOAuthUser(ctx, OAuthUser{Name: "al", PasswordHash: "h", Scopes: []string{"billy:read"}}); err != nil {
			t.Fatal(err)
		}
		got, err := b.OAuthUser(ctx, "eva")
		if err != nil || got == nil {
			t.Fatalf("read eva: %v %v", got, err)
		}
		ignoreTimes := cmpopts.IgnoreFields(OAuthUser{}, "Created", "Updated")
		if diff := cmp.Diff(u, *got, ignoreTimes); diff != "" {
			t.Errorf("eva read back (-want +got):\n%s", diff)
		}
		if !got.Created.Equal(db.clock.Now()) || !got.Updated.Equal(got.Created) {
			t.Errorf("times %v %v, want %v", got.Created, got.Updated, db.clock.Now())
		}
		db.clock.advance(time.Minute)
		u.Disabled, u.Roles, u.Scopes, u.PasswordHash = true, nil, []string{"admin"}, "$2a$04$y"
		if ok, err := b.UpdateOAuthUser(ctx, u); !ok || err != nil {
			t.Fatalf("update: %v %v", ok, err)
		}
		if ok, err := b.UpdateOAuthUser(ctx, OAuthUser{Name: "nobody"}); ok || err != nil {
			t.Errorf("update of nobody: %v %v", ok, err)
		}
		all, err := a.OAuthUsers(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff([]OAuthUser{{Name: "al", PasswordHash: "h", Scopes: []string{"billy:read"}}, u}, all, ignoreTimes); diff != "" {
			t.Errorf("list (-want +got):\n%s", diff)
		}
		if !all[1].Updated.After(all[1].Created) {
			t.Errorf("update kept updated at %v", all[1].Updated)
		}
		if ok, err := a.DeleteOAuthUser(ctx, "eva"); !ok || err != nil {
			t.Errorf("remove: %v %v", ok, err)
		}
		if ok, _ := a.DeleteOAuthUser(ctx, "eva"); ok {
			t.Error("removed twice")
		}
		if got, err := b.OAuthUser(ctx, "eva"); got != nil || err != nil {
			t.Errorf("removed, still read: %v %v", got, err)
		}
	})
}

// Revocations are listed until they expire, then pruned; a principal
// revoked twice keeps the later time.
func TestOAuthRevocations(t *testing.T) {
	eachBackend(t, func(t *testing.T, db *database) {
		a, b := db.open(), db.open()
		ctx := context.Background()
		now := db.clock.Now()
		for _, r := range []OAuthRevocation{
			{Kind: RevokedToken, ID: "jti-1", At: now, Expires: now.Add(time.Minute)},
			{Kind: RevokedPrincipal, ID: "eva", At: now, Expires: now.Add(time.Hour)},
			{Kind: RevokedPrincipal, ID: "eva", At: now.Add(-time.Second), Expires: now.Add(30 * time.Minute)},
		} {
			if err := a.RevokeOAuth(ctx, r); err != nil {
				t.Fatal(err)
			}
		}
		got, err := b.OAuthRevocations(ctx)
		if err != nil {
			t.Fatal(err)
		}
		want := []OAuthRevocation{
			{Kind: RevokedPrincipal, ID: "eva", At: now, Expires: now.Add(time.Hour)},
			{Kind: RevokedToken, ID: "jti-1", At: now, Expires: now.Add(time.Minute)},
		}
		sortRevs := cmpopts.SortSlices(func(x, y OAuthRevocation) bool { return x.Kind+x.ID < y.Kind+y.ID })
		if diff := cmp.Diff(want, got, sortRevs); diff != "" {
			t.Errorf("revocations (-want +got):\n%s", diff)
		}
		db.clock.advance(2 * time.Minute)
		if _, err := b.prune(ctx); err != nil {
			t.Fatal(err)
		}
		got, _ = a.OAuthRevocations(ctx)
		if diff := cmp.Diff(want[:1], got, sortRevs); diff != "" {
			t.Errorf("after the token's expiry (-want +got):\n%s", diff)
		}
	})
}
