package credentials

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/billy-mcp/billy-mcp/host/internal/keyring"
	"github.com/billy-mcp/billy-mcp/host/internal/store"
	"github.com/billy-mcp/billy-mcp/proto/errmodel"
	"github.com/google/go-cmp/cmp"
)

func openStore(t *testing.T) *store.Store {
	t.Helper()
	s, err := store.Open(context.Background(), store.Options{Dir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Close() })
	return s
}

func newKey(t *testing.T, id uint32) keyring.Key {
	t.Helper()
	k, err := keyring.NewKey(id)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func newRing(t *testing.T, primary uint32, keys ...keyring.Key) *keyring.Ring {
	t.Helper()
	r, err := keyring.New(keys, primary)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func fixed(r *keyring.Ring) *Ring {
	ring, _ := NewRing(func() (*keyring.Ring, error) { return r, nil })
	return ring
}

func TestTokens(t *testing.T) {
	ctx := context.Background()
	s := openStore(t)
	ring := newRing(t, 1, newKey(t, 1))
	for org, tok := range map[string]string{"org-A": "token-a-7f3c", "org-B": "token-b-19e2"} {
		if err := PutOrganization(ctx, s, ring, org, org+" ApS", tok); err != nil {
			t.Fatal(err)
		}
	}
	// org-C's row holds org-A's sealed token, copied: it must not open.
	a, _ := s.GetOrganization(ctx, "org-A")
	_ = s.PutOrganization(ctx, store.Organization{ID: "org-C", Name: "C", BillyToken: a.BillyToken})

	tokens := &Tokens{Config: &Config{OrganizationID: "org-cfg", Token: "token-cfg"}, Store: func() Store { return s }, Ring: fixed(ring)}
	tests := []struct {
		org, want, code string
	}{
		{"org-cfg", "token-cfg", ""},
		{"org-A", "token-a-7f3c", ""},
		{"org-B", "token-b-19e2", ""},
		{"org-Z", "", "organization_not_found"},
		{"org-C", "", "internal"},
	}
	for _, tt := range tests {
		got, err := tokens.Token(ctx, tt.org)
		code := ""
		if err != nil {
			code = errmodel.From(err).Code
		}
		if diff := cmp.Diff([]string{tt.want, tt.code}, []string{got, code}); diff != "" {
			t.Errorf("%s (-want +got):\n%s", tt.org, diff)
		}
		if err != nil && (strings.Contains(err.Error(), "token-a-7f3c") || strings.Contains(err.Error(), "token-b-19e2")) {
			t.Errorf("%s: the error shows a token: %v", tt.org, err)
		}
	}

	closed := &Tokens{Store: func() Store { return nil }, Ring: fixed(ring)}
	if _, err := closed.Token(ctx, "org-A"); errmodel.From(err).Code != "store_unavailable" || !errmodel.From(err).Retryable {
		t.Errorf("store not open: %v", err)
	}
	keyless := &Tokens{Store: func() Store { return s }, Ring: fixed(nil)}
	if _, err := keyless.Token(ctx, "org-A"); !errors.Is(err, errNoKeys) {
		t.Errorf("no keys: %v", err)
	}
	if err := PutOrganization(ctx, s, nil, "org-D", "D", "t"); err == nil {
		t.Error("a token was stored without a key")
	}
}

// v1's stored token (see keyring's test vector).
const (
	v1Passphrase = "tekup-v1-passphrase-32-characters"
	v1Salt       = "v1-static-salt16"
	v1Vector     = "000102030405060708090a0b0c0d0e0f:4ecefba6ffbc89a51f9e05495db6e360:451311d50cf622d01118c610ed8d76dfdb4070e4f244"
)

func TestRotate(t *testing.T) {
	ctx := context.Background()
	s := openStore(t)
	k1, k2 := newKey(t, 1), newKey(t, 2)
	old := newRing(t, 1, k1)
	for i := range 5 {
		org := fmt.Sprintf("org-%d", i)
		if err := PutOrganization(ctx, s, old, org, org, "token-"+org); err != nil {
			t.Fatal(err)
		}
	}
	totp, _ := old.Seal([]byte("JBSWY3DPEHPK3PXP"), AAD(store.SealedTOTP, "alice"))
	_ = s.PutMFASecret(ctx, "alice", totp, time.Now())
	_ = s.PutOrganization(ctx, store.Organization{ID: "org-v1", Name: "from v1", BillyToken: v1Vector})

	rotated := newRing(t, 2, k2, k1)
	first, err := Rotate(ctx, s, rotated, nil)
	if err == nil || first.Failed != 1 || first.Resealed != 6 {
		t.Errorf("without v1's key: %+v, %v; want v1's value alone failed", first, err)
	}
	rotated, _ = rotated.WithV1(v1Passphrase, v1Salt)
	var seen []int
	p, err := Rotate(ctx, s, rotated, func(p Progress) { seen = append(seen, p.Done) })
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(Progress{Total: 7, Done: 7, Resealed: 1, Current: 6}, p); diff != "" {
		t.Errorf("progress (-want +got):\n%s", diff) // the first run re-sealed all but v1's
	}
	if diff := cmp.Diff([]int{1, 2, 3, 4, 5, 6, 7}, seen); diff != "" {
		t.Errorf("progress calls (-want +got):\n%s", diff)
	}
	census, _ := Census(ctx, s)
	if diff := cmp.Diff(map[uint32]int{2: 7}, census); diff != "" {
		t.Errorf("census (-want +got):\n%s", diff)
	}
	// Key 1 can be retired: key 2 alone opens everything.
	only2 := &Tokens{Store: func() Store { return s }, Ring: fixed(newRing(t, 2, k2))}
	for _, org := range []string{"org-0", "org-4"} {
		if tok, err := only2.Token(ctx, org); err != nil || tok != "token-"+org {
			t.Errorf("%s after retiring key 1: %q %v", org, tok, err)
		}
	}
	if tok, err := only2.Token(ctx, "org-v1"); err != nil || tok != "billy-token-4f1c9e2a7b" {
		t.Errorf("v1's token after migration: %q %v", tok, err)
	}
	m, _ := s.GetMFASecret(ctx, "alice")
	if pt, id, err := newRing(t, 2, k2).Open(m.Sealed, AAD(store.SealedTOTP, "alice")); err != nil || id != 2 || string(pt) != "JBSWY3DPEHPK3PXP" {
		t.Errorf("the TOTP secret after rotation: %v %d", err, id)
	}
	// Again: nothing to do.
	p, err = Rotate(ctx, s, rotated, nil)
	if err != nil || p.Current != 7 || p.Resealed != 0 {
		t.Errorf("second rotation: %+v %v", p, err)
	}
	if diff := cmp.Diff("key 2: 7", FormatCensus(census)); diff != "" {
		t.Error(diff)
	}
}

// TestRotateUnderLoad: hosts read tokens the whole time a rotation runs
// beside them, with the ring that held only the old key at first (the key
// file is rewritten when the rotation starts, and the host reloads it on
// the first value sealed under a key it lacks): not one read fails.
func TestRotateUnderLoad(t *testing.T) {
	ctx := context.Background()
	s := openStore(t)
	k1, k2 := newKey(t, 1), newKey(t, 2)
	old := newRing(t, 1, k1)
	const orgs = 40
	for i := range orgs {
		org := fmt.Sprintf("org-%02d", i)
		if err := PutOrganization(ctx, s, old, org, org, "token-"+org); err != nil {
			t.Fatal(err)
		}
	}
	var file atomic.Pointer[keyring.Ring] // the key file as hosts read it
	file.Store(old)
	hostRing, _ := NewRing(func() (*keyring.Ring, error) { return file.Load(), nil })
	hostRing.MinReload = 0
	host := &Tokens{Store: func() Store { return s }, Ring: hostRing, TTL: time.Nanosecond} // every read opens
	var (
		wg       sync.WaitGroup
		stop     atomic.Bool
		calls    atomic.Int64
		failures sync.Map
	)
	for w := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := w; !stop.Load(); i++ {
				org := fmt.Sprintf("org-%02d", i%orgs)
				tok, err := host.Token(ctx, org)
				calls.Add(1)
				if err != nil || tok != "token-"+org {
					failures.Store(org, fmt.Sprint(tok, err))
				}
			}
		}()
	}
	for calls.Load() < 200 {
		time.Sleep(time.Millisecond)
	}
	rotated := newRing(t, 2, k2, k1)
	file.Store(rotated)
	if _, err := Rotate(ctx, s, rotated, nil); err != nil {
		t.Fatal(err)
	}
	before := calls.Load()
	for calls.Load() < before+200 {
		time.Sleep(time.Millisecond)
	}
	stop.Store(true)
	wg.Wait()
	failures.Range(func(k, v any) bool {
		t.Errorf("%s: %s", k, v)
		return true
	})
	census, _ := Census(ctx, s)
	if diff := cmp.Diff(map[uint32]int{2: orgs}, census); diff != "" {
		t.Errorf("census (-want +got):\n%s", diff)
	}
	t.Logf("%d token reads during the rotation, none failed", calls.Load())
}
