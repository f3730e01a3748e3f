package mfa

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/pquerna/otp"
	"github.com/pquerna/otp/totp"

	"github.com/billy-mcp/billy-mcp/host/internal/credentials"
	"github.com/billy-mcp/billy-mcp/host/internal/keyring"
	"github.com/billy-mcp/billy-mcp/host/internal/store"
)

// Store is the part of the store TOTP needs; *store.Store is one.
type Store interface {
	PutMFASecret(ctx context.Context, principal, sealed string, at time.Time) error
	GetMFASecret(ctx context.Context, principal string) (*store.MFASecret, error)
	ConfirmMFASecret(ctx context.Context, principal string, at time.Time) (bool, error)
	DeleteMFASecret(ctx context.Context, principal string) (bool, error)
	ConsumeOnce(ctx context.Context, scope, key string, until time.Time) (bool, error)
	CountHit(ctx context.Context, scope, key string, window time.Duration) (int64, error)
	Count(ctx context.Context, scope, key string, window time.Duration) (int64, error)
}

// Why a code was refused.
var (
	ErrNotEnrolled = errors.New("no TOTP secret is enrolled for this principal")
	ErrInvalidCode = errors.New("the code is wrong or too old")
	ErrReplayed    = errors.New("this code was used already; wait for the next one")
	ErrLocked      = errors.New("too many wrong codes; wait before trying again")
	ErrNoKeys      = errors.New("no credentials key is configured (credentials.keys): TOTP secrets are kept only encrypted")
	ErrNoStore     = errors.New("the store is not open: TOTP secrets cannot be read")
)

const (
	period = 30 // seconds, RFC 6238's default and every app's
	// skew accepts the code of the step before and after: a phone's clock
	// a little off, a code typed as it changed.
	skew = 1
	// DefaultMaxFailures wrong codes per principal (or address) in
	// FailureWindow lock it until the window ends.
	DefaultMaxFailures = 5
	FailureWindow      = 15 * time.Minute
)

// TOTP checks codes against enrolled secrets.
type TOTP struct {
	// Store is the store now, nil while it is not open.
	Store func() Store
	// Ring seals and opens the secrets.
	Ring *credentials.Ring
	// Issuer names the deployment in authenticator apps.
	Issuer string
	// MaxFailures is DefaultMaxFailures when 0.
	MaxFailures int
	// Now is the clock (tests); nil is time.Now.
	Now func() time.Time
}

func (t *TOTP) now() time.Time {
	if t.Now != nil {
		return t.Now()
	}
	return time.Now()
}

func (t *TOTP) store() (Store, error) {
	if t.Store == nil {
		return nil, ErrNoStore
	}
	s := t.Store()
	if s == nil {
		return nil, ErrNoStore
	}
	return s, nil
}

// Enroll makes a new secret for principal, replacing any other (which
// stops working at once), and returns the otpauth:// URL to show once:
// as text, or as a QR code of it. Enrolment is confirmed by the first
// good code given to Verify.
func (t *TOTP) Enroll(ctx context.Context, principal string) (url string, err error) {
	s, err := t.store()
	if err != nil {
		return "", err
	}
	ring := t.Ring.Current()
	if ring == nil {
		return "", ErrNoKeys
	}
	issuer := t.Issuer
	if issuer == "" {
		issuer = "billy-mcp"
	}
	key, err := totp.Generate(totp.GenerateOpts{Issuer: issuer, AccountName: principal, Period: period, Digits: otp.DigitsSix,
		Algorithm: otp.AlgorithmSHA1, SecretSize: 20})
	if err != nil {
		return "", fmt.Errorf("making a TOTP secret: %w", err)
	}
	sealed, err := ring.Seal([]byte(key.Secret()), credentials.AAD(store.SealedTOTP, principal))
	if err != nil {
		return "", err
	}
	if err := s.PutMFASecret(ctx, principal, sealed, t.now()); err != nil {
		return "", err
	}
	return key.URL(), nil
}

// Enrolled reports whether principal has a secret, and whether a first
// code confirmed it.
func (t *TOTP) Enrolled(ctx context.Context, principal string) (enrolled, confirmed bool, err error) {
	s, err := t.store()
	if err != nil {
		return false, false, err
	}
	m, err := s.GetMFASecret(ctx, principal)
	if err != nil || m == nil {
		return false, false, err
	}
	return true, !m.Confirmed.IsZero(), nil
}

// Remove deletes principal's secret; false when there was none.
func (t *TOTP) Remove(ctx context.Context, principal string) (bool, error) {
	s, err := t.store()
	if err != nil {
		return false, err
	}
	return s.DeleteMFASecret(ctx, principal)
}

// Verify checks principal's code, given from addr (the client address;
// "" when there is none, as on the command line). A good code confirms an
// unconfirmed enrolment; its time step is then spent for the principal on
// every instance. Wrong codes count against the principal and the address.
func (t *TOTP) Verify(ctx context.Context, principal, code, addr string) error {
	s, err := t.store()
	if err != nil {
		return err
	}
	maxFail := int64(t.MaxFailures)
	if maxFail <= 0 {
		maxFail = DefaultMaxFailures
	}
	keys := []string{"principal/" + principal}
	if addr != "" {
		keys = append(keys, "addr/"+addr)
	}
	for _, k := range keys {
		n, err := s.Count(ctx, "totp-failures", k, FailureWindow)
		if err != nil {
			return err
		}
		if n >= maxFail {
			return ErrLocked
		}
	}
	m, err := s.GetMFASecret(ctx, principal)
	if err != nil {
		return err
	}
	if m == nil {
		return ErrNotEnrolled
	}
	secret, err := t.open(m.Sealed, principal)
	if err != nil {
		return err
	}
	now := t.now()
	step, ok := matchStep(code, string(secret), now)
	if !ok {
		for _, k := range keys {
			if _, err := s.CountHit(ctx, "totp-failures", k, FailureWindow); err != nil {
				return err
			}
		}
		return ErrInvalidCode
	}
	// The step is spent until it can no longer be accepted (skew steps
	// after it), so the same code cannot be given twice.
	until := time.Unix((step+skew+1)*period, 0).Add(time.Second)
	first, err := s.ConsumeOnce(ctx, "totp-step", fmt.Sprintf("%s/%d", principal, step), until)
	if err != nil {
		return err
	}
	if !first {
		return ErrReplayed
	}
	if m.Confirmed.IsZero() {
		if _, err := s.ConfirmMFASecret(ctx, principal, now); err != nil {
			return err
		}
	}
	return nil
}

// matchStep finds the time step (of those skew allows around now) whose
// code is code.
func matchStep(code, secret string, now time.Time) (int64, bool) {
	if len(code) != 6 {
		return 0, false
	}
	for _, c := range code {
		if c < '0' || c > '9' {
			return 0, false
		}
	}
	cur := now.Unix() / period
	for d := int64(-skew); d <= skew; d++ {
		at := time.Unix((cur+d)*period, 0)
		ok, err := totp.ValidateCustom(code, secret, at, totp.ValidateOpts{Period: period, Skew: 0, Digits: otp.DigitsSix, Algorithm: otp.AlgorithmSHA1})
		if err == nil && ok {
			return cur + d, true
		}
	}
	return 0, false
}

func (t *TOTP) open(sealed, principal string) ([]byte, error) {
	ring := t.Ring.Current()
	if ring == nil {
		return nil, ErrNoKeys
	}
	aad := credentials.AAD(store.SealedTOTP, principal)
	pt, _, err := ring.Open(sealed, aad)
	if errors.Is(err, keyring.ErrUnknownKey) {
		if again, rerr := t.Ring.Reload(); rerr == nil && again != nil && again != ring {
			pt, _, err = again.Open(sealed, aad)
		}
	}
	if err != nil {
		return nil, fmt.Errorf("opening %s's TOTP secret: %w", principal, err)
	}
	return pt, nil
}
