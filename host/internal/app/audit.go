package app

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/billy-mcp/billy-mcp/host/internal/audit"
	"github.com/billy-mcp/billy-mcp/host/internal/config"
	"github.com/billy-mcp/billy-mcp/host/internal/store"
	"github.com/hashicorp/go-hclog"
	"golang.org/x/mod/sumdb/note"
)

// The audit trail has two writers: the durable, tamper-evident log in the
// store (audit.Chain), which is the record that counts and does not depend
// on the log level, and JSON lines to stderr or audit.path for log
// collectors. Both are asynchronous and never drop a record: a store that
// is down makes records wait (and, once the buffer is full, requests), so
// nothing the host did goes unrecorded. Checkpoints of the chain are
// signed into files outside the database, and retention anonymizes old
// entries; both run from Start until Stop.

// checkpointsSubdir is where checkpoints go in data_dir by default.
const checkpointsSubdir = "audit-checkpoints"

// retentionEvery is how often retention looks for entries to anonymize.
const retentionEvery = time.Hour

// auditTrail is the host's audit log.
type auditTrail struct {
	cfg    config.AuditConfig
	logger hclog.Logger
	store  func() (*store.Store, error)
	// cp signs checkpoints; nil when none are kept.
	cp *audit.Checkpointer
	// stop ends retention's loop; done is closed when it has.
	stop, done chan struct{}
}

// openAudit starts the audit writers. They are closed when the host stops,
// after the requests they record and before the store.
func (a *App) openAudit() (audit.Sink, error) {
	var out io.Writer = os.Stderr
	if path := a.Config.Audit.Path; path != "" {
		f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o600)
		if err != nil {
			return nil, fmt.Errorf("audit.path: %w", err)
		}
		out = f
		a.closers = append(a.closers, func() { f.Close() })
	}
	t := &auditTrail{cfg: a.Config.Audit, logger: a.Logger.Named("audit"), store: a.durableStore}
	cp, err := newCheckpointer(a.Config, t.store, t.logger)
	if err != nil {
		return nil, err
	}
	t.cp = cp
	a.audit = t
	// The checkpointer's and retention's stop runs after the chain's
	// writer has written everything (closers run last first), so the last
	// checkpoint covers every record.
	a.closers = append(a.closers, t.close)
	lines := audit.NewWriter(out, audit.Options{Buffer: a.Config.Audit.Buffer, Logger: t.logger, Registerer: a.Metrics})
	chain := &audit.Chain{Store: t.store, Instance: instanceName()}
	if cp != nil {
		chain.Appended = cp.Appended
	}
	durable := audit.NewBatchWriter(chain, audit.Options{Buffer: a.Config.Audit.Buffer, Logger: t.logger, Registerer: a.Metrics, Name: "store"})
	// Appended after the file's closer, so they run before it.
	a.closers = append(a.closers, lines.Close, durable.Close)
	return audit.Sinks{durable, lines}, nil
}

// durableStore is the store if it is open.
func (a *App) durableStore() (*store.Store, error) {
	if a.store == nil {
		return nil, errStoreNotOpen
	}
	if s := a.store.get(); s != nil {
		return s, nil
	}
	return nil, errStoreNotOpen
}

// start runs the checkpointer and retention; the store has had its first
// attempt to open.
func (t *auditTrail) start() {
	if t.cp != nil {
		if err := t.cp.Start(); err != nil {
			t.logger.Error("audit: checkpoints cannot be written; the chain is kept without them", "error", err.Error())
			t.cp = nil
		}
	}
	t.stop, t.done = make(chan struct{}), make(chan struct{})
	go t.retain()
}

// retain anonymizes entries older than audit.retention, now and then.
func (t *auditTrail) retain() {
	defer close(t.done)
	tick := time.NewTicker(retentionEvery)
	defer tick.Stop()
	for {
		if s, err := t.store(); err == nil {
			before := time.Now().Add(-t.cfg.Retention)
			n, err := audit.Anonymize(context.Background(), s, before)
			switch {
			case err != nil:
				t.logger.Warn("audit: anonymizing old entries failed; will try again", "error", err.Error())
			case n > 0:
				t.logger.Info("audit: anonymized old entries (retention)", "entries", n, "before", before.UTC().Format(time.RFC3339))
			}
		}
		select {
		case <-t.stop:
			return
		case <-tick.C:
		}
	}
}

func (t *auditTrail) close() {
	if t.stop != nil {
		close(t.stop)
		<-t.done
	}
	if t.cp != nil {
		t.cp.Close()
	}
}

// checkpointSettings are where checkpoints go and how they are signed and
// checked, from the configuration.
type checkpointSettings struct {
	Dir, Origin string
	// Signer is the signing key in note's form; Verifier its public key.
	Signer, Verifier string
}

// checkpointsFrom resolves audit.checkpoints: nil, nil when no checkpoints
// are kept (no directory, or no lasting key to sign with).
func checkpointsFrom(cfg *config.Config, logger hclog.Logger) (*checkpointSettings, error) {
	c := cfg.Audit.Checkpoints
	dir := c.Dir
	if dir == "" && cfg.DataDir != "" {
		dir = filepath.Join(cfg.DataDir, checkpointsSubdir)
	}
	if dir == "" {
		logger.Warn("audit: no checkpoints are signed (neither audit.checkpoints.dir nor data_dir is set); the chain alone still shows edits, removals and reordering")
		return nil, nil
	}
	skey := c.Key
	if c.KeyFile != "" {
		b, err := os.ReadFile(c.KeyFile)
		if err != nil {
			return nil, fmt.Errorf("audit.checkpoints.key_file: %w", err)
		}
		skey = strings.TrimSpace(string(b))
	}
	if skey == "" {
		master, persistent, err := loadSigningKey(cfg)
		if err != nil || !persistent {
			logger.Warn("audit: no checkpoints are signed: no audit.checkpoints.key and no lasting signing key to derive one from",
				"fix", "set audit.checkpoints.key (billy-mcp audit keygen), signing_key or data_dir")
			return nil, nil
		}
		if skey, _, err = audit.KeyFromSeed(c.Origin, deriveKey(master, "audit checkpoints")); err != nil {
			return nil, err
		}
	}
	vkey, err := audit.VerifierOf(skey)
	if err != nil {
		return nil, fmt.Errorf("audit.checkpoints.key: %w", err)
	}
	return &checkpointSettings{Dir: dir, Origin: c.Origin, Signer: skey, Verifier: vkey}, nil
}

func newCheckpointer(cfg *config.Config, s func() (*store.Store, error), logger hclog.Logger) (*audit.Checkpointer, error) {
	set, err := checkpointsFrom(cfg, logger)
	if err != nil || set == nil {
		return nil, err
	}
	signer, err := note.NewSigner(set.Signer)
	if err != nil {
		return nil, fmt.Errorf("audit.checkpoints.key: %w", err)
	}
	logger.Info("audit: checkpoints are signed", "dir", set.Dir, "origin", set.Origin, "verifier_key", set.Verifier)
	return &audit.Checkpointer{Store: s, Dir: set.Dir, Origin: set.Origin, Signer: signer,
		Every: int64(cfg.Audit.Checkpoints.Every), Interval: cfg.Audit.Checkpoints.Interval, Logger: logger}, nil
}

// VerifyOptions override where `billy-mcp audit verify` looks.
type VerifyOptions struct {
	// CheckpointsDir replaces the configuration's directory; Verifier the
	// public key checkpoints must verify under (what an auditor keeps).
	CheckpointsDir, Verifier string
}

// VerifyResult is what VerifyAudit found.
type VerifyResult struct {
	audit.Report
	// CheckpointsDir and Verifier are what the checkpoints were read from
	// and checked with; empty when none were.
	CheckpointsDir, Verifier string
}

// VerifyAudit reads the configured store's audit log and checks it, and
// every checkpoint found, as `billy-mcp audit verify` does.
func VerifyAudit(ctx context.Context, cfg *config.Config, o VerifyOptions) (VerifyResult, error) {
	var res VerifyResult
	dir, vkey := o.CheckpointsDir, o.Verifier
	if dir == "" || vkey == "" {
		set, err := checkpointsFrom(cfg, hclog.NewNullLogger())
		if err != nil {
			return res, err
		}
		if set != nil {
			dir = cmp.Or(dir, set.Dir)
			vkey = cmp.Or(vkey, set.Verifier)
		}
	}
	var cps []audit.Checkpoint
	if dir != "" {
		if _, err := os.Stat(dir); err == nil {
			if vkey == "" {
				return res, errors.New("checkpoints are in " + dir + " but there is no key to check them with: give --verifier-key or set audit.checkpoints.key")
			}
			origin := cfg.Audit.Checkpoints.Origin
			if cps, err = audit.ReadCheckpoints(dir, origin, vkey); err != nil {
				return res, err
			}
			res.CheckpointsDir, res.Verifier = dir, vkey
		} else if !errors.Is(err, fs.ErrNotExist) {
			return res, err
		}
	}
	s, err := store.Open(ctx, store.Options{URL: cfg.Database.URL, Dir: cfg.DataDir, Logger: hclog.NewNullLogger()})
	if err != nil {
		return res, err
	}
	defer s.Close()
	res.Report, err = audit.Verify(ctx, s, cps)
	return res, err
}
