package app

import (
	"context"
	"errors"
	"sync"
	"time"

	"github.com/billy-mcp/billy-mcp/host/internal/config"
	"github.com/billy-mcp/billy-mcp/host/internal/store"
	"github.com/hashicorp/go-hclog"
)

// The durable store is opened at start but never stops the host from
// starting: reads need no store, and a database that is down at start is
// often back a minute later. Until it opens, what needs it fails with
// store_unavailable (hostsvc), which makes the invoices plugin refuse a
// confirmed write rather than risk a token's second use, and a call with
// an idempotency key is refused the same way (dispatch); the host keeps
// trying in the background and logs when it succeeds.

// firstOpenTimeout bounds the attempt Start waits for: a database that
// does not answer must not hold up a stdio host for long.
const firstOpenTimeout = 3 * time.Second

// Retries after a failed open: every reopenMin at first, doubling to
// reopenMax.
const (
	reopenMin = 2 * time.Second
	reopenMax = time.Minute
)

var errStoreNotOpen = errors.New("store: not open (it could not be opened at start; the host keeps trying, see the earlier log lines)")

// durable is the store as the host's services see it: open, or not yet.
type durable struct {
	opts   store.Options
	logger hclog.Logger

	mu     sync.RWMutex
	s      *store.Store
	cancel context.CancelFunc // stops the retries
	done   chan struct{}      // closed when the retries end
}

func newDurable(cfg *config.Config, logger hclog.Logger) *durable {
	return &durable{opts: store.Options{URL: cfg.Database.URL, Dir: cfg.DataDir, Logger: logger}, logger: logger}
}

// open makes the first attempt and, if it fails, keeps trying in the
// background until it succeeds or close is called.
func (d *durable) open(ctx context.Context) {
	first, cancel := context.WithTimeout(ctx, firstOpenTimeout)
	s, err := store.Open(first, d.opts)
	cancel()
	if err == nil {
		d.set(s)
		return
	}
	d.logger.Error("store: cannot open it; the host starts without it and keeps trying. Until it opens, confirmed writes are refused (store_unavailable); reads work",
		"error", err.Error())
	retry, stop := context.WithCancel(context.Background())
	d.mu.Lock()
	d.cancel, d.done = stop, make(chan struct{})
	d.mu.Unlock()
	go d.retry(retry)
}

func (d *durable) retry(ctx context.Context) {
	defer close(d.done)
	wait := reopenMin
	for {
		select {
		case <-ctx.Done():
			return
		case <-time.After(wait):
		}
		s, err := store.Open(ctx, d.opts)
		if err == nil {
			d.set(s)
			return
		}
		if ctx.Err() != nil {
			return
		}
		wait = min(2*wait, reopenMax)
		d.logger.Warn("store: still cannot open it", "error", err.Error(), "next_try_in", wait.String())
	}
}

func (d *durable) set(s *store.Store) {
	d.mu.Lock()
	d.s = s
	d.mu.Unlock()
	d.logger.Info("store: open", "backend", s.Backend(), "where", s.Where(), "schema_version", s.SchemaVersion())
	if s.Backend() == "sqlite" && d.opts.Dir == "" {
		d.logger.Warn("store: no data_dir, so the store is in memory: a confirmation token is single-use only within this process",
			"fix", "set data_dir (BILLY_MCP_DATA_DIR), or database.url (BILLY_MCP_DATABASE_URL) for several instances")
	}
}

func (d *durable) get() *store.Store {
	d.mu.RLock()
	defer d.mu.RUnlock()
	return d.s
}

// ConsumeOnce serves hostsvc.Once from the store, if it is open.
func (d *durable) ConsumeOnce(ctx context.Context, scope, key string, until time.Time) (bool, error) {
	s := d.get()
	if s == nil {
		return false, errStoreNotOpen
	}
	return s.ConsumeOnce(ctx, scope, key, until)
}

// The idempotency keys of dispatch, from the store if it is open.

func (d *durable) ClaimIdempotencyKey(ctx context.Context, scope, key, hash string, t store.IdemTerms) (store.IdemClaim, error) {
	s := d.get()
	if s == nil {
		return store.IdemClaim{}, errStoreNotOpen
	}
	return s.ClaimIdempotencyKey(ctx, scope, key, hash, t)
}

func (d *durable) FinishIdempotencyKey(ctx context.Context, scope, key, owner string, result []byte, ttl time.Duration) error {
	s := d.get()
	if s == nil {
		return errStoreNotOpen
	}
	return s.FinishIdempotencyKey(ctx, scope, key, owner, result, ttl)
}

func (d *durable) MarkIdempotencyUnknown(ctx context.Context, scope, key, owner string, since time.Time, ttl time.Duration) error {
	s := d.get()
	if s == nil {
		return errStoreNotOpen
	}
	return s.MarkIdempotencyUnknown(ctx, scope, key, owner, since, ttl)
}

func (d *durable) ReleaseIdempotencyKey(ctx context.Context, scope, key, owner string) error {
	s := d.get()
	if s == nil {
		return errStoreNotOpen
	}
	return s.ReleaseIdempotencyKey(ctx, scope, key, owner)
}

// close stops the retries and closes the store; the host's last step.
func (d *durable) close() {
	d.mu.Lock()
	cancel, done := d.cancel, d.done
	d.mu.Unlock()
	if cancel != nil {
		cancel()
		<-done
	}
	d.mu.Lock()
	s := d.s
	d.s = nil
	d.mu.Unlock()
	if s != nil {
		if err := s.Close(); err != nil {
			d.logger.Warn("store: closing", "error", err.Error())
		}
	}
}
