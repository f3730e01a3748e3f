package audit

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/billy-mcp/billy-mcp/host/internal/store"
	"github.com/transparency-dev/merkle/compact"
	"github.com/transparency-dev/merkle/rfc6962"
)

// The chain's hashes. Every field is length-prefixed (uvarint), in a fixed
// order after a domain string naming the version, so no two different rows
// encode alike and a hash never means anything but an audit row.
const (
	entryDomain = "billy-mcp audit entry v1"
	piiDomain   = "billy-mcp audit pii v1"
)

// detail is a row's personal detail beside the principal and address: an
// internal error's cause (which may quote anything) and the plugin's note.
type detail struct {
	Cause string `json:"cause,omitempty"`
	Note  string `json:"note,omitempty"`
}

// ArgsHash is the hash of a call's arguments kept in the audit log and
// bound into MFA approvals: HMAC-SHA-256 under the deployment's key, over
// the arguments as canonical JSON (keys sorted), so that someone reading
// the database cannot test guesses of the arguments against it, while the
// operator can tell whether two calls had the same ones.
func ArgsHash(key []byte, args json.RawMessage) string {
	if len(args) == 0 {
		args = json.RawMessage("{}")
	}
	var v any
	canon := []byte(args)
	if json.Unmarshal(args, &v) == nil {
		if b, err := json.Marshal(v); err == nil {
			canon = b
		}
	}
	m := hmac.New(sha256.New, key)
	m.Write(canon)
	return hex.EncodeToString(m.Sum(nil))
}

// row builds the stored row of r as entry seq after prev.
func row(r Record, instance string, seq int64, prev string) store.AuditRow {
	outcome, code := r.Outcome, r.Code
	switch outcome {
	case "ok", "tool_error":
	case "":
		outcome = "ok"
	default:
		if code == "" {
			code = outcome
		}
		outcome = "error"
	}
	writes := "[]"
	if len(r.Writes) > 0 {
		if b, err := json.Marshal(r.Writes); err == nil {
			writes = string(b)
		}
	}
	d, _ := json.Marshal(detail{Cause: r.Cause, Note: r.Note})
	salt := make([]byte, 16)
	_, _ = rand.Read(salt)
	out := store.AuditRow{Seq: seq, At: r.Time.Truncate(time.Microsecond), Instance: instance, Op: r.Op, Name: r.Name, Plugin: r.Plugin,
		Organization: r.Organization, Transport: r.Transport, Auth: r.Auth, CorrelationID: r.CorrelationID,
		Outcome: outcome, Category: r.Category, Code: code, Duration: r.Duration.Truncate(time.Microsecond), ArgsHash: r.ArgsHash,
		Writes: writes, Replayed: r.Replayed, Approval: r.Approval, Principal: r.Subject, ClientAddr: r.ClientAddr,
		Detail: string(d), PIISalt: hex.EncodeToString(salt), PrevHash: prev}
	out.PIIHash = piiHash(out)
	out.Hash = entryHash(out)
	return out
}

// piiHash covers a row's personal fields, salted so that a blanked row's
// hash cannot be tested against guesses (an IP address is easily guessed).
func piiHash(r store.AuditRow) string {
	b := appendField(nil, piiDomain)
	for _, f := range []string{r.PIISalt, r.Principal, r.ClientAddr, r.Detail} {
		b = appendField(b, f)
	}
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

// entryHash is a row's hash: every field but the personal ones, which it
// covers through their hash, and the previous row's hash.
func entryHash(r store.AuditRow) string {
	b := appendField(nil, entryDomain)
	for _, f := range []string{
		strconv.FormatInt(r.Seq, 10), strconv.FormatInt(r.At.UnixMicro(), 10), r.Instance,
		r.Op, r.Name, r.Plugin, r.Organization, r.Transport, r.Auth, r.CorrelationID,
		r.Outcome, r.Category, r.Code, strconv.FormatInt(r.Duration.Microseconds(), 10), r.ArgsHash, r.Writes,
		strconv.FormatBool(r.Replayed), r.Approval, r.PIIHash, r.PrevHash,
	} {
		b = appendField(b, f)
	}
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

func appendField(b []byte, f string) []byte {
	b = binary.AppendUvarint(b, uint64(len(f)))
	return append(b, f...)
}

// The Merkle tree over the chain (RFC 6962 hashing): its leaves are the
// rows' hashes, in order. A signed checkpoint of its root commits to every
// row up to its size, and the head keeps the compact range (at most 64
// hashes) so that any instance can extend it.

var rangeFactory = &compact.RangeFactory{Hash: rfc6962.DefaultHasher.HashChildren}

func leafHash(entryHash string) ([]byte, error) {
	b, err := hex.DecodeString(entryHash)
	if err != nil || len(b) != sha256.Size {
		return nil, errors.New("not a SHA-256 hash in hex")
	}
	return rfc6962.DefaultHasher.HashLeaf(b), nil
}

// headRange is the compact range the head keeps.
func headRange(h store.AuditHead) (*compact.Range, error) {
	hashes := make([][]byte, len(h.Range))
	for i, s := range h.Range {
		b, err := hex.DecodeString(s)
		if err != nil {
			return nil, fmt.Errorf("the audit log's head holds a bad range hash: %w", err)
		}
		hashes[i] = b
	}
	r, err := rangeFactory.NewRange(0, uint64(h.Size), hashes)
	if err != nil {
		return nil, fmt.Errorf("the audit log's head holds a bad range: %w", err)
	}
	return r, nil
}

func rangeHashes(r *compact.Range) []string {
	out := make([]string, 0, len(r.Hashes()))
	for _, h := range r.Hashes() {
		out = append(out, hex.EncodeToString(h))
	}
	return out
}

// rootOf is the tree's root over r (the empty tree's for size 0).
func rootOf(r *compact.Range) ([]byte, error) {
	if r.End() == 0 {
		return rfc6962.DefaultHasher.EmptyRoot(), nil
	}
	return r.GetRootHash(nil)
}

// Chain appends records to the store's audit log: the BatchWriter of the
// durable audit trail.
type Chain struct {
	// Store is the durable store; nil or failing makes WriteBatch fail, and
	// the Writer retries (records wait; none is dropped).
	Store func() (*store.Store, error)
	// Instance names this host instance in every row.
	Instance string
	// Appended, if set, is told the chain's size after each batch (the
	// checkpointer's cue).
	Appended func(size int64)
}

// WriteBatch appends rs to the chain in one transaction.
func (c *Chain) WriteBatch(rs []Record) error {
	s, err := c.Store()
	if err != nil {
		return err
	}
	var size int64
	err = s.AppendAudit(context.Background(), func(h store.AuditHead) ([]store.AuditRow, store.AuditHead, error) {
		rng, err := headRange(h)
		if err != nil {
			return nil, h, err
		}
		rows := make([]store.AuditRow, len(rs))
		prev := h.Hash
		for i, r := range rs {
			rows[i] = row(r, c.Instance, h.Size+int64(i)+1, prev)
			prev = rows[i].Hash
			leaf, err := leafHash(prev)
			if err != nil {
				return nil, h, err
			}
			if err := rng.Append(leaf, nil); err != nil {
				return nil, h, err
			}
		}
		size = h.Size + int64(len(rs))
		return rows, store.AuditHead{Size: size, Hash: prev, Range: rangeHashes(rng)}, nil
	})
	if err == nil && c.Appended != nil {
		c.Appended(size)
	}
	return err
}
