package store

import (
	"context"
	"errors"
	"time"
)

// Single-use keys: a key, once consumed in a scope, stays consumed until
// its expiry. The host uses them to make confirmation tokens single-use on
// every instance (see hostsvc); the scope is the plugin that asked.

// consumeSQL inserts the key or, if it is there but expired, takes it over;
// a key that is there and unexpired is left alone and changes no row. One
// statement, so two instances consuming the same key at once cannot both
// change a row: the database's unique key decides.
const consumeSQL = `INSERT INTO once_keys (scope, once_key, expires_unix) VALUES ($1, $2, $3)
ON CONFLICT (scope, once_key) DO UPDATE SET expires_unix = excluded.expires_unix
WHERE once_keys.expires_unix <= $4`

// pruneSQL deletes every table's expired rows.
var pruneSQL = []string{
	`DELETE FROM once_keys WHERE expires_unix <= $1`,
	`DELETE FROM idempotency_keys WHERE expires_unix <= $1`,
	`DELETE FROM mfa_approvals WHERE expires_ms <= $1 * CAST(1000 AS BIGINT)`,
	`DELETE FROM counters WHERE expires_unix <= $1`,
	`DELETE FROM oauth_state WHERE expires_ms <= $1 * CAST(1000 AS BIGINT)`,
	`DELETE FROM oauth_revocations WHERE expires_ms <= $1 * CAST(1000 AS BIGINT)`,
	`DELETE FROM uploads WHERE expires_ms <= $1 * CAST(1000 AS BIGINT)`,
}

// ConsumeOnce records key in scope until until and reports whether this was
// its first use: false while an earlier use of it has not expired. Expiry
// is to the second. It is atomic across every process using the database.
func (s *Store) ConsumeOnce(ctx context.Context, scope, key string, until time.Time) (first bool, err error) {
	if scope == "" || key == "" {
		return false, errors.New("store: ConsumeOnce needs a scope and a key")
	}
	ctx, cancel := context.WithTimeout(ctx, opTimeout)
	defer cancel()
	res, err := s.db.ExecContext(ctx, s.query(consumeSQL), scope, key, until.Unix(), s.now().Unix())
	if err != nil {
		return false, s.fail("recording a single-use key", err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return false, s.fail("recording a single-use key", err)
	}
	return n == 1, nil
}

// prune deletes expired rows and says how many.
func (s *Store) prune(ctx context.Context) (int64, error) {
	ctx, cancel := context.WithTimeout(ctx, opTimeout)
	defer cancel()
	var total int64
	for _, q := range pruneSQL {
		res, err := s.db.ExecContext(ctx, s.query(q), s.now().Unix())
		if err != nil {
			return total, s.fail("deleting expired keys", err)
		}
		n, err := res.RowsAffected()
		if err != nil {
			return total, s.fail("deleting expired keys", err)
		}
		total += n
	}
	return total, nil
}
