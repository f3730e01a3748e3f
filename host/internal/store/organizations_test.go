package store

import (
	"context"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

func TestOrganizations(t *testing.T) {
	eachBackend(t, func(t *testing.T, db *database) {
		s := db.open()
		ctx := context.Background()
		if o, err := s.GetOrganization(ctx, "org-A"); o != nil || err != nil {
			t.Fatalf("none yet: %v %v", o, err)
		}
		for _, o := range []Organization{{ID: "org-B", Name: "B ApS", BillyToken: "sealed-b"}, {ID: "org-A", Name: "A ApS", BillyToken: "sealed-a"}} {
			if err := s.PutOrganization(ctx, o); err != nil {
				t.Fatal(err)
			}
		}
		if err := s.PutOrganization(ctx, Organization{ID: "org-A", Name: "A ApS", BillyToken: "sealed-a2"}); err != nil {
			t.Fatal(err)
		}
		// Another instance sees them.
		other := db.open()
		got, err := other.GetOrganization(ctx, "org-A")
		if err != nil || got == nil || got.BillyToken != "sealed-a2" || got.Name != "A ApS" {
			t.Fatalf("GetOrganization = %+v, %v", got, err)
		}
		list, err := other.ListOrganizations(ctx)
		if err != nil {
			t.Fatal(err)
		}
		want := []Organization{{ID: "org-A", Name: "A ApS"}, {ID: "org-B", Name: "B ApS"}}
		if diff := cmp.Diff(want, list, cmpopts.IgnoreFields(Organization{}, "Created", "Updated")); diff != "" {
			t.Errorf("ListOrganizations (-want +got):\n%s", diff)
		}
		if ok, _ := s.DeleteOrganization(ctx, "org-B"); !ok {
			t.Error("not deleted")
		}
		if o, _ := s.GetOrganization(ctx, "org-B"); o != nil {
			t.Errorf("deleted, still there: %+v", o)
		}
	})
}

// TestReplaceSealed: rotation lists every sealed value, tokens and TOTP
// secrets, and replaces each only if it is still the value it read.
func TestReplaceSealed(t *testing.T) {
	eachBackend(t, func(t *testing.T, db *database) {
		s := db.open()
		ctx := context.Background()
		_ = s.PutOrganization(ctx, Organization{ID: "org-A", Name: "A", BillyToken: "tok-1"})
		_ = s.PutMFASecret(ctx, "alice", "totp-1", db.clock.Now())
		got, err := s.ListSealed(ctx)
		if err != nil {
			t.Fatal(err)
		}
		want := []Sealed{{SealedBillyToken, "org-A", "tok-1"}, {SealedTOTP, "alice", "totp-1"}}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Fatalf("ListSealed (-want +got):\n%s", diff)
		}
		steps := []struct {
			kind, key, old, replacement string
			want                        bool
		}{
			{SealedBillyToken, "org-A", "tok-1", "tok-2", true},
			{SealedBillyToken, "org-A", "tok-1", "tok-3", false}, // changed meanwhile
			{SealedTOTP, "alice", "totp-1", "totp-2", true},
			{SealedTOTP, "bob", "totp-1", "totp-2", false},
		}
		for _, st := range steps {
			ok, err := s.ReplaceSealed(ctx, st.kind, st.key, st.old, st.replacement)
			if err != nil || ok != st.want {
				t.Errorf("ReplaceSealed(%s %s %s→%s) = %v, %v; want %v", st.kind, st.key, st.old, st.replacement, ok, err, st.want)
			}
		}
		if _, err := s.ReplaceSealed(ctx, "nonsense", "k", "a", "b"); err == nil {
			t.Error("an unknown kind was accepted")
		}
		got, _ = s.ListSealed(ctx)
		want = []Sealed{{SealedBillyToken, "org-A", "tok-2"}, {SealedTOTP, "alice", "totp-2"}}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("after (-want +got):\n%s", diff)
		}
	})
}
