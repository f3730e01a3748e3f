package audit

import (
	"bytes"
	"context"
	"encoding/base64"
	"fmt"
	"time"

	"github.com/billy-mcp/billy-mcp/host/internal/store"
)

// Report is what Verify found.
type Report struct {
	// Entries is how many rows were read; Anonymized how many of them
	// retention had blanked.
	Entries, Anonymized int64
	// Checkpoints is how many signed checkpoints were checked, and
	// LastCheckpoint the size of the largest.
	Checkpoints    int
	LastCheckpoint int64
	// Head is the chain's head as the database holds it.
	Head store.AuditHead
	// BadEntry is the first entry (seq) that is not as it was written: 0
	// when the chain verified. Problem says what is wrong with it.
	BadEntry int64
	Problem  string
}

// OK reports whether nothing was found wrong.
func (r Report) OK() bool { return r.Problem == "" }

// Verify reads the whole chain in order and checks every entry: that no
// number is missing, that each entry's personal fields match their hash
// (unless retention blanked them), that its hash is what its fields give,
// and that it follows the one before it. Then the Merkle root at each
// checkpoint's size must be the signed one, and the head must be the last
// entry. The first entry found wrong is named: an edited entry by its own
// number, a removed one by the number missing, entries moved by the first
// that no longer follows its predecessor, and a rewrite that recomputed
// every hash by the checkpoint it breaks.
func Verify(ctx context.Context, s *store.Store, checkpoints []Checkpoint) (Report, error) {
	var (
		rep  Report
		head store.AuditHead
		err  error
	)
	rng := rangeFactory.NewEmptyRange(0)
	next := 0 // the next checkpoint to check
	prev := ""
	// goodBefore is the size of the last checkpoint that held: a rewrite
	// that kept the chain consistent is after it.
	var goodBefore int64
	fail := func(seq int64, format string, args ...any) {
		rep.BadEntry, rep.Problem = seq, fmt.Sprintf(format, args...)
	}
	checkAt := func(size int64) error {
		for next < len(checkpoints) && checkpoints[next].Size == size {
			cp := checkpoints[next]
			root, err := rootOf(rng)
			if err != nil {
				return err
			}
			rep.Checkpoints++
			rep.LastCheckpoint = cp.Size
			if !bytes.Equal(root, cp.Root) {
				fail(goodBefore+1, "entries %d to %d are not what the checkpoint of size %d signed (root %s, the entries give %s): at least one of them was rewritten with its hashes recomputed, or entries were inserted",
					goodBefore+1, cp.Size, cp.Size, b64(cp.Root), b64(root))
				return nil
			}
			goodBefore = size
			next++
		}
		return nil
	}
	if err := checkAt(0); err != nil || !rep.OK() {
		return rep, err
	}
	var expected int64 = 1
	visit := func(r store.AuditRow) (bool, error) {
		switch {
		case r.Seq < expected:
			fail(r.Seq, "entry %d is out of place (the chain was at %d)", r.Seq, expected)
		case r.Seq > expected:
			fail(expected, "entry %d is missing (removed): the entry after %d is %d", expected, expected-1, r.Seq)
		case r.PrevHash != prev:
			fail(r.Seq, "entry %d does not follow entry %d (its previous hash is %s, entry %d's hash is %s): entries were removed or reordered here, or entry %d was edited",
				r.Seq, r.Seq-1, short(r.PrevHash), r.Seq-1, short(prev), r.Seq)
		}
		if !rep.OK() {
			return false, nil
		}
		anonymized := !r.Anonymized.IsZero()
		switch {
		case anonymized && (r.PIISalt != "" || r.Principal != "" || r.ClientAddr != ""):
			fail(r.Seq, "entry %d is marked anonymized but holds personal fields: it was edited", r.Seq)
		case !anonymized && piiHash(r) != r.PIIHash:
			fail(r.Seq, "entry %d was edited: its principal, client address or detail is not what was written", r.Seq)
		case entryHash(r) != r.Hash:
			fail(r.Seq, "entry %d was edited: its fields do not give its hash", r.Seq)
		}
		if !rep.OK() {
			return false, nil
		}
		if anonymized {
			rep.Anonymized++
		}
		leaf, err := leafHash(r.Hash)
		if err != nil {
			fail(r.Seq, "entry %d was edited: its hash is %v", r.Seq, err)
			return false, nil
		}
		if err := rng.Append(leaf, nil); err != nil {
			return false, err
		}
		rep.Entries++
		prev = r.Hash
		expected++
		if err := checkAt(r.Seq); err != nil {
			return false, err
		}
		return rep.OK(), nil
	}
	// Instances may append while this reads: read on until the head read
	// after a pass is where the pass ended (a few passes at most).
	for pass := 0; ; pass++ {
		if err := s.ScanAudit(ctx, expected-1, visit); err != nil || !rep.OK() {
			return rep, err
		}
		if head, err = s.AuditHeadNow(ctx); err != nil {
			return rep, err
		}
		rep.Head = head
		if head.Size <= expected-1 || pass == 3 {
			break
		}
	}
	last := expected - 1
	switch {
	case next < len(checkpoints):
		cp := checkpoints[next]
		fail(last+1, "entries %d to %d are missing: a checkpoint signed the chain at size %d, and it ends at %d (entries were removed from the end)",
			last+1, cp.Size, cp.Size, last)
	case head.Size != last || head.Hash != prev:
		fail(min(head.Size, last)+1, "the chain's head says %d entries ending in %s, the entries end at %d with %s: entries were removed from the end, or the head was edited",
			head.Size, short(head.Hash), last, short(prev))
	}
	return rep, nil
}

func short(h string) string {
	if len(h) > 12 {
		return h[:12] + "…"
	}
	if h == "" {
		return "(none)"
	}
	return h
}

func b64(b []byte) string { return base64.StdEncoding.EncodeToString(b) }

// Anonymize blanks the personal fields of entries older than retention, in
// batches, and says how many it changed.
func Anonymize(ctx context.Context, s *store.Store, before time.Time) (int64, error) {
	var total int64
	for {
		n, err := s.AnonymizeAudit(ctx, before, 1000)
		total += n
		if err != nil || n < 1000 {
			return total, err
		}
	}
}
