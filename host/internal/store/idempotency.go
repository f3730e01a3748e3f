package store

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"errors"
	"math"
	"time"
)

// Idempotency keys: a call that creates records may carry a key; the first
// call with it runs, and every later one with the same key and the same
// request gets the first one's answer instead of writing again, on any
// instance. The dispatcher decides what a request is and which answers are
// kept (see dispatch); the store keeps the keys and decides, atomically
// across instances, who runs.
//
// A key is in one of three states:
//
//   - running: an owner (one call on one instance) holds it until its lease
//     ends. An owner that crashes leaves it running; once the lease has
//     passed, the key is treated as unknown from that moment.
//   - done: the call finished with an answer worth replaying.
//   - unknown: the call ended without knowing whether its write happened.
//     After it has settled (Billy cannot still be finishing it), a new call
//     may take the key over and check Billy before writing.

// IdemStatus is what ClaimIdempotencyKey found.
type IdemStatus int

const (
	// IdemClaimed: the caller owns the key and runs the call, then ends
	// with FinishIdempotencyKey, MarkIdempotencyUnknown or
	// ReleaseIdempotencyKey.
	IdemClaimed IdemStatus = iota + 1
	// IdemRunning: another call with the key is running.
	IdemRunning
	// IdemDone: the key's call finished; Result is its answer.
	IdemDone
	// IdemMismatch: the key was used for another request.
	IdemMismatch
	// IdemSettling: the key's call ended with an unknown outcome at
	// SettledAt, too recently to check Billy and write again.
	IdemSettling
)

// IdemTerms are the timings of one claim.
type IdemTerms struct {
	// Lease is how long a claim's owner may run before the key is treated
	// as abandoned: longer than the longest call.
	Lease time.Duration
	// Settle is how long after an unknown outcome Billy may still finish
	// the write; a takeover waits for it.
	Settle time.Duration
	// TTL is how long a key is kept after its call ends (and at least
	// after its claim).
	TTL time.Duration
}

// IdemClaim is the answer to ClaimIdempotencyKey.
type IdemClaim struct {
	Status IdemStatus
	// Owner identifies this claim to the calls that end it (IdemClaimed).
	Owner string
	// Resumed says an earlier call with the key ended with an unknown
	// outcome (or crashed) and this claim takes over from it: the caller
	// must find out what that call did before writing (IdemClaimed).
	Resumed bool
	// SettledAt is when the earlier call ended (Resumed, IdemSettling).
	SettledAt time.Time
	// Result is the answer the finished call left (IdemDone).
	Result []byte
}

// Key states as stored.
const (
	idemRunning = "running"
	idemDone    = "done"
	idemUnknown = "unknown"
)

// claimSQL inserts a new key or takes over an expired one; a live key is
// left alone and changes no row, so of two instances claiming at once only
// one changes a row.
const claimSQL = `INSERT INTO idempotency_keys (scope, idem_key, request_hash, state, owner, lease_unix, settled_unix, result, expires_unix)
VALUES ($1, $2, $3, 'running', $4, $5, 0, NULL, $6)
ON CONFLICT (scope, idem_key) DO UPDATE SET request_hash = excluded.request_hash, state = excluded.state,
owner = excluded.owner, lease_unix = excluded.lease_unix, settled_unix = 0, result = NULL, expires_unix = excluded.expires_unix
WHERE idempotency_keys.expires_unix <= $7`

const readKeySQL = `SELECT request_hash, state, owner, lease_unix, settled_unix, result FROM idempotency_keys
WHERE scope = $1 AND idem_key = $2 AND expires_unix > $3`

// takeOverSQL resumes a key whose call ended unknown or was abandoned, if
// nobody else did since it was read.
const takeOverSQL = `UPDATE idempotency_keys SET state = 'running', owner = $3, lease_unix = $4, settled_unix = $5, expires_unix = $6
WHERE scope = $1 AND idem_key = $2 AND owner = $7 AND state = $8`

const finishSQL = `UPDATE idempotency_keys SET state = $4, result = $5, settled_unix = $6, expires_unix = $7
WHERE scope = $1 AND idem_key = $2 AND owner = $3`

const releaseSQL = `DELETE FROM idempotency_keys WHERE scope = $1 AND idem_key = $2 AND owner = $3`

// ErrIdempotencyKeyLost is returned when a claim's owner ends a key that
// is no longer its own: its lease ran out and another call took it over.
var ErrIdempotencyKeyLost = errors.New("store: the idempotency key was taken over after its lease ran out")

// claimAttempts bounds the races a claim retries (another instance taking
// over the same key between our read and our update).
const claimAttempts = 3

// ClaimIdempotencyKey claims key in scope for a request whose hash is
// hash, or says why not. It is atomic across every process using the
// database.
func (s *Store) ClaimIdempotencyKey(ctx context.Context, scope, key, hash string, t IdemTerms) (IdemClaim, error) {
	if scope == "" || key == "" || hash == "" {
		return IdemClaim{}, errors.New("store: ClaimIdempotencyKey needs a scope, a key and a request hash")
	}
	ctx, cancel := context.WithTimeout(ctx, opTimeout)
	defer cancel()
	owner := newOwner()
	for range claimAttempts {
		now := s.now()
		lease, expires := unixAfter(now, t.Lease), unixAfter(now, max(t.TTL, t.Lease))
		res, err := s.db.ExecContext(ctx, s.query(claimSQL), scope, key, hash, owner, lease, expires, now.Unix())
		if err != nil {
			return IdemClaim{}, s.fail("claiming an idempotency key", err)
		}
		if n, err := res.RowsAffected(); err != nil {
			return IdemClaim{}, s.fail("claiming an idempotency key", err)
		} else if n == 1 {
			return IdemClaim{Status: IdemClaimed, Owner: owner}, nil
		}
		var (
			row                 struct{ hash, state, owner string }
			leaseUnix, settledU int64
			result              sql.NullString
		)
		err = s.db.QueryRowContext(ctx, s.query(readKeySQL), scope, key, now.Unix()).
			Scan(&row.hash, &row.state, &row.owner, &leaseUnix, &settledU, &result)
		if errors.Is(err, sql.ErrNoRows) {
			continue // expired between the insert and the read: insert again
		}
		if err != nil {
			return IdemClaim{}, s.fail("reading an idempotency key", err)
		}
		if row.hash != hash {
			return IdemClaim{Status: IdemMismatch}, nil
		}
		var settled time.Time
		switch {
		case row.state == idemDone:
			return IdemClaim{Status: IdemDone, Result: []byte(result.String)}, nil
		case row.state == idemRunning && leaseUnix > now.Unix():
			return IdemClaim{Status: IdemRunning}, nil
		case row.state == idemRunning:
			// The owner crashed: from the end of its lease on, what it did
			// is unknown.
			settled = time.Unix(leaseUnix, 0)
		default:
			settled = time.Unix(settledU, 0)
		}
		if now.Before(settled.Add(t.Settle)) {
			return IdemClaim{Status: IdemSettling, SettledAt: settled}, nil
		}
		res, err = s.db.ExecContext(ctx, s.query(takeOverSQL), scope, key, owner, lease, settled.Unix(), expires, row.owner, row.state)
		if err != nil {
			return IdemClaim{}, s.fail("taking over an idempotency key", err)
		}
		if n, err := res.RowsAffected(); err != nil {
			return IdemClaim{}, s.fail("taking over an idempotency key", err)
		} else if n == 1 {
			return IdemClaim{Status: IdemClaimed, Owner: owner, Resumed: true, SettledAt: settled}, nil
		}
		// Another call took it over first: look again.
	}
	return IdemClaim{Status: IdemRunning}, nil
}

// FinishIdempotencyKey records result as the answer every later call with
// the key gets, for ttl.
func (s *Store) FinishIdempotencyKey(ctx context.Context, scope, key, owner string, result []byte, ttl time.Duration) error {
	return s.endKey(ctx, "recording an idempotency key's answer", scope, key, owner, idemDone, sql.NullString{String: string(result), Valid: true}, s.now(), ttl)
}

// MarkIdempotencyUnknown records that the key's call ended without knowing
// whether its write happened, since since (zero for now, the call's end; or
// an earlier call's end that this one did not resolve): a later call takes
// over once it has settled.
func (s *Store) MarkIdempotencyUnknown(ctx context.Context, scope, key, owner string, since time.Time, ttl time.Duration) error {
	if since.IsZero() {
		since = s.now()
	}
	return s.endKey(ctx, "recording an idempotency key's unknown outcome", scope, key, owner, idemUnknown, sql.NullString{}, since, ttl)
}

func (s *Store) endKey(ctx context.Context, op, scope, key, owner, state string, result sql.NullString, settled time.Time, ttl time.Duration) error {
	ctx, cancel := context.WithTimeout(ctx, opTimeout)
	defer cancel()
	now := s.now()
	res, err := s.db.ExecContext(ctx, s.query(finishSQL), scope, key, owner, state, result, settled.Unix(), unixAfter(now, ttl))
	if err != nil {
		return s.fail(op, err)
	}
	if n, err := res.RowsAffected(); err != nil {
		return s.fail(op, err)
	} else if n == 0 {
		return ErrIdempotencyKeyLost
	}
	return nil
}

// ReleaseIdempotencyKey forgets the key: its call wrote nothing, so the
// next call with it runs afresh (with any arguments).
func (s *Store) ReleaseIdempotencyKey(ctx context.Context, scope, key, owner string) error {
	ctx, cancel := context.WithTimeout(ctx, opTimeout)
	defer cancel()
	if _, err := s.db.ExecContext(ctx, s.query(releaseSQL), scope, key, owner); err != nil {
		return s.fail("releasing an idempotency key", err)
	}
	return nil
}

func newOwner() string {
	var b [12]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// unixAfter is now+d in whole seconds, rounded up so that a lease or a
// lifetime is never shorter than asked.
func unixAfter(now time.Time, d time.Duration) int64 {
	return now.Unix() + int64(math.Ceil(d.Seconds()))
}
