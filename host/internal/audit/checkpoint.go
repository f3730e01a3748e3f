package audit

import (
	"bytes"
	"cmp"
	"context"
	"crypto/ed25519"
	"encoding/base64"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/billy-mcp/billy-mcp/host/internal/store"
	"github.com/hashicorp/go-hclog"
	"golang.org/x/mod/sumdb/note"
)

// Checkpoints: now and then the host signs the Merkle root of the chain as
// it stands (a checkpoint in the C2SP tlog-checkpoint form: origin, size,
// base64 root, then an Ed25519 signature in the signed-note form) and
// appends it to a file outside the database. Whoever can rewrite the whole
// audit table cannot sign a checkpoint of what they wrote; verify checks the
// chain against every checkpoint it is given.

// Checkpoint is one signed statement of the chain's size and root.
type Checkpoint struct {
	Origin string
	Size   int64
	Root   []byte
	// Text is the signed text.
	Text string
}

// body is the checkpoint's signed text.
func (c Checkpoint) body() string {
	return fmt.Sprintf("%s\n%d\n%s\n", c.Origin, c.Size, base64.StdEncoding.EncodeToString(c.Root))
}

// parseBody reads a checkpoint's text.
func parseBody(text string) (Checkpoint, error) {
	lines := strings.SplitN(text, "\n", 4)
	if len(lines) < 4 || lines[0] == "" {
		return Checkpoint{}, errors.New("not a checkpoint: want origin, size and root on three lines")
	}
	size, err := strconv.ParseInt(lines[1], 10, 64)
	if err != nil || size < 0 || strconv.FormatInt(size, 10) != lines[1] {
		return Checkpoint{}, fmt.Errorf("not a checkpoint: size %q", lines[1])
	}
	root, err := base64.StdEncoding.DecodeString(lines[2])
	if err != nil || len(root) != 32 {
		return Checkpoint{}, fmt.Errorf("not a checkpoint: root %q", lines[2])
	}
	return Checkpoint{Origin: lines[0], Size: size, Root: root, Text: text}, nil
}

// KeyFromSeed makes the checkpoint signing key named name from a 32-byte
// seed (the host derives one from its signing key): the signer's key in
// note's form (PRIVATE+KEY+name+hash+key) and its public verifier key
// (name+hash+key), which is what an auditor keeps.
func KeyFromSeed(name string, seed []byte) (skey, vkey string, err error) {
	if len(seed) != ed25519.SeedSize {
		return "", "", fmt.Errorf("a checkpoint key needs a %d-byte seed", ed25519.SeedSize)
	}
	pub := ed25519.NewKeyFromSeed(seed).Public().(ed25519.PublicKey)
	vkey, err = note.NewEd25519VerifierKey(name, pub)
	if err != nil {
		return "", "", err
	}
	_, rest, _ := strings.Cut(vkey, "+")
	hash, _, _ := strings.Cut(rest, "+")
	skey = "PRIVATE+KEY+" + name + "+" + hash + "+" + base64.StdEncoding.EncodeToString(append([]byte{1}, seed...))
	return skey, vkey, nil
}

// VerifierOf is the public verifier key of a signer key.
func VerifierOf(skey string) (string, error) {
	parts := strings.SplitN(skey, "+", 5)
	if len(parts) != 5 || parts[0] != "PRIVATE" || parts[1] != "KEY" {
		return "", errors.New("not a checkpoint signing key (PRIVATE+KEY+name+hash+key)")
	}
	raw, err := base64.StdEncoding.DecodeString(parts[4])
	if err != nil || len(raw) != 1+ed25519.SeedSize || raw[0] != 1 {
		return "", errors.New("not an Ed25519 checkpoint signing key")
	}
	_, vkey, err := KeyFromSeed(parts[2], raw[1:])
	if err != nil {
		return "", err
	}
	if _, err := note.NewSigner(skey); err != nil {
		return "", errors.New("the checkpoint signing key does not match its name and hash")
	}
	return vkey, nil
}

// checkpointFile is where checkpoints signed on day go: one file a day, each
// checkpoint a signed note followed by an empty line.
func checkpointFile(dir string, day time.Time) string {
	return filepath.Join(dir, "checkpoints-"+day.UTC().Format("2006-01-02")+".log")
}

// SplitNotes splits a checkpoint file into its notes. A note is text lines,
// an empty line and signature lines ("— name sig"); notes are separated by
// an empty line.
func SplitNotes(b []byte) ([][]byte, error) {
	var (
		notes [][]byte
		cur   bytes.Buffer
		sigs  bool // in the note's signature lines
		n     int  // signature lines of the note
	)
	flush := func() error {
		if cur.Len() == 0 {
			return nil
		}
		if n == 0 {
			return fmt.Errorf("note %d has no signature", len(notes)+1)
		}
		notes = append(notes, slices.Clone(cur.Bytes()))
		cur.Reset()
		sigs, n = false, 0
		return nil
	}
	for len(b) > 0 {
		line, rest, found := bytes.Cut(b, []byte("\n"))
		if !found {
			return nil, fmt.Errorf("note %d: the file ends without a newline", len(notes)+1)
		}
		b = rest
		switch {
		case len(line) == 0 && cur.Len() == 0:
			// Between notes.
		case len(line) == 0 && !sigs:
			cur.WriteByte('\n')
			sigs = true
		case len(line) == 0:
			if err := flush(); err != nil {
				return nil, err
			}
		case sigs && !bytes.HasPrefix(line, []byte("— ")):
			return nil, fmt.Errorf("note %d: %q is not a signature line", len(notes)+1, line)
		default:
			if sigs {
				n++
			}
			cur.Write(line)
			cur.WriteByte('\n')
		}
	}
	if err := flush(); err != nil {
		return nil, err
	}
	return notes, nil
}

// ReadCheckpoints reads every checkpoint in dir's files whose signature
// verifies with vkey and whose origin is origin, ordered by size. A note
// that does not verify is an error naming its file: a forged or damaged
// checkpoint is what verification looks for.
func ReadCheckpoints(dir, origin, vkey string) ([]Checkpoint, error) {
	v, err := note.NewVerifier(vkey)
	if err != nil {
		return nil, fmt.Errorf("checkpoint verifier key: %w", err)
	}
	files, err := filepath.Glob(filepath.Join(dir, "checkpoints-*.log"))
	if err != nil {
		return nil, err
	}
	var out []Checkpoint
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			return nil, err
		}
		notes, err := SplitNotes(b)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", f, err)
		}
		for i, n := range notes {
			opened, err := note.Open(n, note.VerifierList(v))
			if err != nil {
				return nil, fmt.Errorf("%s: checkpoint %d is not signed by the audit key %s: %v", f, i+1, v.Name(), err)
			}
			c, err := parseBody(opened.Text)
			if err != nil {
				return nil, fmt.Errorf("%s: checkpoint %d: %w", f, i+1, err)
			}
			if c.Origin != origin {
				return nil, fmt.Errorf("%s: checkpoint %d is of %q, not %q", f, i+1, c.Origin, origin)
			}
			out = append(out, c)
		}
	}
	slices.SortStableFunc(out, func(a, b Checkpoint) int { return cmp.Compare(a.Size, b.Size) })
	return out, nil
}

// Checkpointer signs checkpoints of the chain and appends them to files in
// Dir: when Every entries were added since the last, every Interval if any
// were, and at Close.
type Checkpointer struct {
	Store    func() (*store.Store, error)
	Dir      string
	Origin   string
	Signer   note.Signer
	Every    int64
	Interval time.Duration
	Logger   hclog.Logger
	Now      func() time.Time

	mu     sync.Mutex
	signed int64 // the size last signed (-1: none yet)
	poke   chan struct{}
	stop   chan struct{}
	done   chan struct{}
}

// Start runs the checkpointer until Close.
func (c *Checkpointer) Start() error {
	if c.Logger == nil {
		c.Logger = hclog.NewNullLogger()
	}
	if c.Now == nil {
		c.Now = time.Now
	}
	if err := os.MkdirAll(c.Dir, 0o700); err != nil {
		return fmt.Errorf("audit checkpoints: %w", err)
	}
	c.signed = -1
	c.poke, c.stop, c.done = make(chan struct{}, 1), make(chan struct{}), make(chan struct{})
	go c.run()
	return nil
}

// Appended tells the checkpointer the chain's size (the Chain's Appended).
func (c *Checkpointer) Appended(size int64) {
	c.mu.Lock()
	due := c.Every > 0 && size-max(c.signed, 0) >= c.Every
	c.mu.Unlock()
	if due {
		select {
		case c.poke <- struct{}{}:
		default:
		}
	}
}

func (c *Checkpointer) run() {
	defer close(c.done)
	interval := c.Interval
	if interval <= 0 {
		interval = 5 * time.Minute
	}
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-c.stop:
			return
		case <-t.C:
		case <-c.poke:
		}
		if _, err := c.Sign(context.Background()); err != nil {
			c.Logger.Warn("audit: signing a checkpoint failed; will try again", "error", err.Error())
		}
	}
}

// Sign signs a checkpoint of the chain as it stands, if it grew since the
// last one, and returns it (nil when there was nothing new).
func (c *Checkpointer) Sign(ctx context.Context) (*Checkpoint, error) {
	s, err := c.Store()
	if err != nil {
		return nil, err
	}
	head, err := s.AuditHeadNow(ctx)
	if err != nil {
		return nil, err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if head.Size == c.signed || head.Size == 0 {
		return nil, nil
	}
	rng, err := headRange(head)
	if err != nil {
		return nil, err
	}
	root, err := rootOf(rng)
	if err != nil {
		return nil, err
	}
	cp := Checkpoint{Origin: c.Origin, Size: head.Size, Root: root}
	signed, err := note.Sign(&note.Note{Text: cp.body()}, c.Signer)
	if err != nil {
		return nil, err
	}
	f, err := os.OpenFile(checkpointFile(c.Dir, c.Now()), os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o600)
	if err != nil {
		return nil, fmt.Errorf("audit checkpoints: %w", err)
	}
	// One write, so that instances sharing the directory never interleave.
	_, err = f.Write(append(signed, '\n'))
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return nil, fmt.Errorf("audit checkpoints: %w", err)
	}
	c.signed = head.Size
	cp.Text = cp.body()
	return &cp, nil
}

// Close signs a last checkpoint and stops.
func (c *Checkpointer) Close() {
	if c.stop == nil {
		return
	}
	close(c.stop)
	<-c.done
	if _, err := c.Sign(context.Background()); err != nil {
		c.Logger.Warn("audit: signing the last checkpoint failed", "error", err.Error())
	}
}
