package dispatch

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"time"

	"github.com/billy-mcp/billy-mcp/host/internal/registry"
	"github.com/billy-mcp/billy-mcp/host/internal/store"
	"github.com/billy-mcp/billy-mcp/proto/errmodel"
	pluginv1 "github.com/billy-mcp/billy-mcp/proto/plugin/v1"
	"google.golang.org/protobuf/encoding/protojson"
)

// Idempotent retries. A tool that creates records (registry.TakesIdempotencyKey)
// takes an optional idempotency_key, in its arguments or from the transport
// (REST's Idempotency-Key header, MCP's _meta). The first call with a key
// runs; a later call with the same key and the same arguments gets the
// first one's answer instead of writing again, on any instance (the key is
// in the store); the same key with other arguments is refused.
//
// Only calls that may have written bind their key. A call that wrote
// nothing (a preview, a dry run, a refusal) releases it, so the
// confirmation flow composes: preview with a key, confirm with the same
// key and the token, retry the confirmation as often as needed. The
// confirmation token is not part of what the key binds, so a retry with a
// fresh token is the same request.
//
// A call whose write ended unknown leaves its key unknown. Once Billy can
// no longer be finishing that write (Settle), a retry with the key takes
// it over and runs in check-first mode: host services look each write up
// by its idempotency marker before sending it (see reconcile), and refuse
// a write whose resource carries no marker, so a retry never doubles a
// write that did land.

// IdempotencyStore keeps idempotency keys; *store.Store is one.
type IdempotencyStore interface {
	ClaimIdempotencyKey(ctx context.Context, scope, key, hash string, t store.IdemTerms) (store.IdemClaim, error)
	FinishIdempotencyKey(ctx context.Context, scope, key, owner string, result []byte, ttl time.Duration) error
	MarkIdempotencyUnknown(ctx context.Context, scope, key, owner string, since time.Time, ttl time.Duration) error
	ReleaseIdempotencyKey(ctx context.Context, scope, key, owner string) error
}

// Defaults of the idempotency timings (Options).
const (
	// DefaultIdempotencyTTL is how long a key is kept: a day, as Stripe
	// does, long past any client's retries.
	DefaultIdempotencyTTL = 24 * time.Hour
	// DefaultWriteSettle is how long after an unknown outcome Billy may
	// still finish the write: past any request timeout on Billy's side.
	DefaultWriteSettle = 2 * time.Minute
)

// skipInRequestHash are the arguments a key does not bind: the key itself,
// and the confirmation token, which changes between a preview and its
// confirmation but not what is written.
var skipInRequestHash = []string{registry.IdempotencyKeyArg, "confirmation_token"}

// takeIdempotencyKey moves the idempotency_key out of op's arguments into
// op.IdempotencyKey, checking it, for a tool that takes one.
func takeIdempotencyKey(op *Op) *errmodel.Error {
	if op.tool == nil || !registry.TakesIdempotencyKey(op.tool) {
		return nil
	}
	if !bytes.Contains(op.Arguments, []byte(`"`+registry.IdempotencyKeyArg+`"`)) {
		return checkKey(op.IdempotencyKey)
	}
	var args map[string]json.RawMessage
	dec := json.NewDecoder(bytes.NewReader(op.Arguments))
	if err := dec.Decode(&args); err != nil {
		// Not an object: the schema stage says what is wrong with it; the
		// key from the transport is still checked here.
		return checkKey(op.IdempotencyKey)
	}
	raw, ok := args[registry.IdempotencyKeyArg]
	if !ok {
		return checkKey(op.IdempotencyKey)
	}
	var key string
	if err := json.Unmarshal(raw, &key); err != nil {
		return errmodel.InvalidField(registry.IdempotencyKeyArg, "must be a string")
	}
	if op.IdempotencyKey != "" && op.IdempotencyKey != key {
		return errmodel.InvalidField(registry.IdempotencyKeyArg, "differs from the idempotency key the request carries outside its arguments; send one")
	}
	delete(args, registry.IdempotencyKeyArg)
	stripped, err := json.Marshal(args)
	if err != nil {
		return errmodel.InvalidField(registry.IdempotencyKeyArg, "the arguments could not be read: %v", err)
	}
	op.Arguments, op.IdempotencyKey = stripped, key
	return checkKey(key)
}

// checkKey holds a key to 1–255 printable ASCII characters: keys are made
// by programs (UUIDs, order numbers), and anything else is a mistake.
func checkKey(key string) *errmodel.Error {
	if key == "" {
		return nil
	}
	if len(key) > registry.MaxIdempotencyKey {
		return errmodel.InvalidField(registry.IdempotencyKeyArg, "is %d bytes long; at most %d are allowed", len(key), registry.MaxIdempotencyKey)
	}
	for _, c := range []byte(key) {
		if c < 0x21 || c > 0x7e {
			return errmodel.InvalidField(registry.IdempotencyKeyArg, "may only hold printable ASCII characters without spaces (a UUID, for example)")
		}
	}
	return nil
}

// requestHash is what a key binds: the tool and its arguments, canonical
// (keys sorted, numbers as written) without those a key does not bind.
func requestHash(tool string, args json.RawMessage) (string, error) {
	dec := json.NewDecoder(bytes.NewReader(args))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return "", err
	}
	if m, ok := v.(map[string]any); ok {
		for _, k := range skipInRequestHash {
			delete(m, k)
		}
	}
	canon, err := json.Marshal(v)
	if err != nil {
		return "", err
	}
	sum := sha256.Sum256(append([]byte(tool+"\x00"), canon...))
	return hex.EncodeToString(sum[:]), nil
}

// keyScope is whose keys a key is among: the caller's, in the
// organization. Hashed: the store keeps no caller names.
func keyScope(c Caller) string {
	sum := sha256.Sum256([]byte(c.OrganizationID + "\x00" + c.Subject))
	return hex.EncodeToString(sum[:16])
}

// kept is an answer as the store keeps it.
type kept struct {
	Tool  json.RawMessage `json:"tool,omitempty"`
	Error *errmodel.Error `json:"error,omitempty"`
}

func keep(out *Outcome, err error) ([]byte, error) {
	var k kept
	if err != nil {
		k.Error = errmodel.From(err)
	} else {
		b, merr := protojson.Marshal(out.Tool)
		if merr != nil {
			return nil, merr
		}
		k.Tool = b
	}
	return json.Marshal(k)
}

func replay(b []byte) (*Outcome, error) {
	var k kept
	if err := json.Unmarshal(b, &k); err != nil {
		return nil, err
	}
	if k.Error != nil {
		return &Outcome{Replayed: true}, k.Error
	}
	var res pluginv1.CallToolResponse
	if err := protojson.Unmarshal(k.Tool, &res); err != nil {
		return nil, err
	}
	return &Outcome{Tool: &res, Replayed: true}, nil
}

// guardWrites starts the call's write journal and, for a call with an
// idempotency key, runs it under the key (see the comment at the top).
func (d *Dispatcher) guardWrites(next Handler) Handler {
	return func(ctx context.Context, op *Op) (*Outcome, error) {
		if op.Kind != CallTool {
			return next(ctx, op)
		}
		var parent *Journal
		if op.Parent != nil {
			parent = op.Parent.writes
		}
		op.writes = newJournal(parent)
		if op.IdempotencyKey == "" {
			return next(ctx, op)
		}
		ids := d.opts.Idempotency
		if ids == nil {
			return nil, errmodel.New(errmodel.Internal, "idempotency_unavailable",
				"this host keeps no idempotency keys, so %s cannot take one; call it without idempotency_key", op.Name)
		}
		hash, err := requestHash(op.Name, op.Arguments)
		if err != nil {
			return nil, errmodel.InvalidField("arguments", "could not be read: %v", err)
		}
		scope := keyScope(op.Caller)
		// The lease outlasts the call (its deadline, set by correlate) and
		// the writes it may leave in flight.
		lease := d.opts.Timeout
		if dl, ok := ctx.Deadline(); ok {
			lease = time.Until(dl)
		}
		terms := store.IdemTerms{Lease: lease + d.opts.WriteSettle, Settle: d.opts.WriteSettle, TTL: d.opts.IdempotencyTTL}
		claim, err := ids.ClaimIdempotencyKey(ctx, scope, op.IdempotencyKey, hash, terms)
		if err != nil {
			d.opts.Logger.Error("idempotency store failed", "error", err, "correlation_id", op.CorrelationID)
			e := errmodel.New(errmodel.UpstreamUnavailable, "store_unavailable",
				"the host's store cannot be reached to check the idempotency key, so %s was not run; retry in a few seconds", op.Name)
			e.RetryAfterSeconds = 2
			return nil, e
		}
		switch claim.Status {
		case store.IdemMismatch:
			return nil, &errmodel.Error{Code: "idempotency_key_reused", Category: errmodel.Conflict,
				Message: fmt.Sprintf("this idempotency_key was used for another call (another tool or other arguments) that wrote to Billy; %s was not run. Use a new key for a new request", op.Name),
				Fields:  []errmodel.FieldError{{Field: registry.IdempotencyKeyArg, Message: "used for another request"}}}
		case store.IdemRunning:
			return nil, &errmodel.Error{Code: "idempotency_key_in_use", Category: errmodel.Conflict, Retryable: true, RetryAfterSeconds: 1,
				Message: fmt.Sprintf("a call with this idempotency_key is still running; retry %s with the same key in a moment to get its answer", op.Name)}
		case store.IdemSettling:
			wait := max(1, int(math.Ceil(time.Until(claim.SettledAt.Add(d.opts.WriteSettle)).Seconds())))
			return nil, &errmodel.Error{Code: "idempotency_key_settling", Category: errmodel.UpstreamUnavailable, Retryable: true, RetryAfterSeconds: wait,
				Message: fmt.Sprintf("the earlier call with this idempotency_key ended without knowing whether Billy saved its write, and Billy may still be finishing it; retry with the same key in %d s and the host will check Billy before writing anything", wait)}
		case store.IdemDone:
			out, err := replay(claim.Result)
			if out == nil && err != nil {
				d.opts.Logger.Error("an idempotency key's kept answer cannot be read", "error", err, "correlation_id", op.CorrelationID)
				return nil, errmodel.Masked()
			}
			return out, err
		}
		op.writes.keyed(scope, op.IdempotencyKey, claim.Resumed)
		out, err := next(ctx, op)
		// The key is ended whatever the client does meanwhile.
		ectx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
		defer cancel()
		s := op.writes.close()
		var serr error
		switch {
		case !s.wrote() && !claim.Resumed:
			serr = ids.ReleaseIdempotencyKey(ectx, scope, op.IdempotencyKey, claim.Owner)
		case !s.wrote():
			// Resumed, but this call did not get as far as checking: the
			// earlier call's outcome is as unknown as before, since then.
			serr = ids.MarkIdempotencyUnknown(ectx, scope, op.IdempotencyKey, claim.Owner, claim.SettledAt, d.opts.IdempotencyTTL)
		case err != nil && errmodel.From(err).Code == errmodel.CodeWriteOutcomeUnknown, len(s.unknown) > 0:
			serr = ids.MarkIdempotencyUnknown(ectx, scope, op.IdempotencyKey, claim.Owner, time.Time{}, d.opts.IdempotencyTTL)
		default:
			// Done, or resumed and found done (or not needed) in check-first
			// mode: this answer is the one to keep.
			b, kerr := keep(out, err)
			if kerr != nil {
				serr = kerr
			} else {
				serr = ids.FinishIdempotencyKey(ectx, scope, op.IdempotencyKey, claim.Owner, b, d.opts.IdempotencyTTL)
			}
		}
		if serr != nil && !errors.Is(serr, store.ErrIdempotencyKeyLost) {
			d.opts.Logger.Error("ending an idempotency key failed; a retry with it will wait for its lease", "error", serr, "correlation_id", op.CorrelationID)
		}
		return out, err
	}
}
