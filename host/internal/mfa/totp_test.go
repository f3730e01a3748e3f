package mfa

import (
	"context"
	"errors"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/pquerna/otp/totp"

	"github.com/billy-mcp/billy-mcp/host/internal/credentials"
	"github.com/billy-mcp/billy-mcp/host/internal/keyring"
	"github.com/billy-mcp/billy-mcp/host/internal/store"
	"github.com/billy-mcp/billy-mcp/host/internal/testkit"
)

type clock struct{ unix atomic.Int64 }

func (c *clock) Now() time.Time          { return time.Unix(c.unix.Load(), 0) }
func (c *clock) set(t time.Time)         { c.unix.Store(t.Unix()) }
func (c *clock) advance(d time.Duration) { c.unix.Add(int64(d / time.Second)) }

func ring(t *testing.T) *credentials.Ring {
	t.Helper()
	r, err := credentials.NewRing(func() (*keyring.Ring, error) {
		return keyring.New([]keyring.Key{{ID: 1, Secret: [32]byte{1, 2, 3}}}, 1)
	})
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func eachBackend(t *testing.T, test func(t *testing.T, opts store.Options)) {
	t.Run("sqlite", func(t *testing.T) { test(t, store.Options{Dir: t.TempDir()}) })
	t.Run("postgres", func(t *testing.T) { test(t, store.Options{URL: testkit.PostgresURL(t)}) })
}

func setUp(t *testing.T, opts store.Options) (*TOTP, *clock, *store.Store) {
	t.Helper()
	c := &clock{}
	c.set(time.Date(2026, 11, 27, 12, 0, 0, 0, time.UTC))
	opts.Now = c.Now
	st, err := store.Open(context.Background(), opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = st.Close() })
	return &TOTP{Store: func() Store { return st }, Ring: ring(t), Issuer: "billy-mcp test", Now: c.Now}, c, st
}

func secretOf(t *testing.T, otpURL string) string {
	t.Helper()
	u, err := url.Parse(otpURL)
	if err != nil {
		t.Fatal(err)
	}
	return u.Query().Get("secret")
}

func code(t *testing.T, secret string, at time.Time) string {
	t.Helper()
	c, err := totp.GenerateCode(secret, at)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// Enrolment keeps the secret only sealed; a code confirms it; a code is
// good at t and t±30 s, not at t±90 s, and once only.
func TestVerify(t *testing.T) {
	eachBackend(t, func(t *testing.T, opts store.Options) {
		tp, clk, st := setUp(t, opts)
		ctx := context.Background()
		if err := tp.Verify(ctx, "anna", "123456", ""); !errors.Is(err, ErrNotEnrolled) {
			t.Fatalf("not enrolled: %v", err)
		}
		u, err := tp.Enroll(ctx, "anna")
		if err != nil {
			t.Fatal(err)
		}
		secret := secretOf(t, u)
		m, _ := st.GetMFASecret(ctx, "anna")
		if m == nil || strings.Contains(m.Sealed, secret) {
			t.Fatalf("the store holds the secret in the clear: %+v", m)
		}
		if _, confirmed, _ := tp.Enrolled(ctx, "anna"); confirmed {
			t.Error("confirmed before a code")
		}
		now := clk.Now()
		steps := []struct {
			name string
			at   time.Time
			want error
		}{
			{"now", now, nil},
			{"now again (replay)", now, ErrReplayed},
			{"30 s ago", now.Add(-30 * time.Second), nil},
			{"30 s ahead", now.Add(30 * time.Second), nil},
			{"90 s ago", now.Add(-90 * time.Second), ErrInvalidCode},
			{"90 s ahead", now.Add(90 * time.Second), ErrInvalidCode},
		}
		for _, s := range steps {
			if err := tp.Verify(ctx, "anna", code(t, secret, s.at), "192.0.2.1"); !errors.Is(err, s.want) {
				t.Errorf("%s: %v, want %v", s.name, err, s.want)
			}
		}
		if _, confirmed, _ := tp.Enrolled(ctx, "anna"); !confirmed {
			t.Error("not confirmed by a good code")
		}
		// Another principal's secret does not open under anna's binding.
		m.Principal = "bo"
		_ = st.PutMFASecret(ctx, "bo", m.Sealed, now)
		if err := tp.Verify(ctx, "bo", code(t, secret, now.Add(time.Minute)), ""); err == nil || errors.Is(err, ErrInvalidCode) {
			t.Errorf("anna's sealed secret copied to bo: %v", err)
		}
	})
}

// The sixth wrong code in the window is refused unread (locked), even a
// right one, until the window ends.
func TestLockout(t *testing.T) {
	tp, clk, _ := setUp(t, store.Options{Dir: t.TempDir()})
	ctx := context.Background()
	u, _ := tp.Enroll(ctx, "anna")
	secret := secretOf(t, u)
	for i := range DefaultMaxFailures {
		if err := tp.Verify(ctx, "anna", "000000", "192.0.2.1"); !errors.Is(err, ErrInvalidCode) {
			t.Fatalf("wrong code %d: %v", i, err)
		}
	}
	if err := tp.Verify(ctx, "anna", code(t, secret, clk.Now()), "192.0.2.9"); !errors.Is(err, ErrLocked) {
		t.Errorf("after %d wrong codes: %v", DefaultMaxFailures, err)
	}
	clk.advance(FailureWindow)
	if err := tp.Verify(ctx, "anna", code(t, secret, clk.Now()), "192.0.2.9"); err != nil {
		t.Errorf("after the window: %v", err)
	}
}

// Without keys nothing is enrolled: secrets are never kept in the clear.
func TestNoKeys(t *testing.T) {
	tp, _, _ := setUp(t, store.Options{Dir: t.TempDir()})
	tp.Ring, _ = credentials.NewRing(func() (*keyring.Ring, error) { return nil, nil })
	if _, err := tp.Enroll(context.Background(), "anna"); !errors.Is(err, ErrNoKeys) {
		t.Errorf("enrolled without keys: %v", err)
	}
}
