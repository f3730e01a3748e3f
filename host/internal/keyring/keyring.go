package keyring

import (
	"bytes"
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
)

// KeySize is the size of a key: AES-256.
const KeySize = 32

// version is the first byte of every sealed value.
const version = 1

const (
	headerSize = 1 + 4
	nonceSize  = 12
	tagSize    = 16
)

// Key is one key of a ring.
type Key struct {
	// ID names the key in every value it seals: 1 to 4294967295, chosen
	// by the operator (a counter: 1, 2, 3, …).
	ID uint32
	// Secret is the key itself.
	Secret [KeySize]byte
}

// AAD is where a sealed value belongs. It is bound to the value (GCM's
// associated data): opening it with another AAD fails.
type AAD struct {
	// Organization is the Billy organization the value belongs to, or ""
	// for a value of the deployment (a principal's TOTP secret).
	Organization string
	// Record names the row: an organization's ID, a principal.
	Record string
	// Field names the value within the record: billy_token, totp.
	Field string
}

// bytes encodes the AAD without ambiguity: each part is length-prefixed,
// so ("ab","c") and ("a","bc") differ.
func (a AAD) bytes() []byte {
	var b bytes.Buffer
	b.WriteString("billy-mcp sealed v1\x00")
	for _, s := range []string{a.Organization, a.Record, a.Field} {
		var n [4]byte
		binary.BigEndian.PutUint32(n[:], uint32(len(s)))
		b.Write(n[:])
		b.WriteString(s)
	}
	return b.Bytes()
}

// Errors Open returns; they never include key material or plaintext.
var (
	// ErrUnknownKey: the value was sealed under a key the ring lacks
	// (retired too early, or another deployment's ring).
	ErrUnknownKey = errors.New("keyring: sealed under a key this ring does not hold")
	// ErrOpen: the value does not open with its key and AAD: it was
	// altered, copied from another record or field, or the key's secret is
	// not the one that sealed it.
	ErrOpen = errors.New("keyring: the value does not open (altered, moved to another record or field, or another key's secret)")
	// ErrFormat: the value is not a sealed value.
	ErrFormat = errors.New("keyring: not a sealed value")
)

// Ring is a set of keys, one of them primary. It is safe for concurrent
// use and immutable: rotation builds a new ring.
type Ring struct {
	primary uint32
	keys    map[uint32]cipher.AEAD
	ids     []uint32
	v1      cipher.AEAD // nil unless WithV1 was given
}

// New returns a ring of keys whose primary (the key that seals) is
// primary. It refuses an empty ring, duplicate IDs, ID 0 and a primary
// that is not among the keys.
func New(keys []Key, primary uint32) (*Ring, error) {
	if len(keys) == 0 {
		return nil, errors.New("keyring: no keys (there is no built-in key: give at least one)")
	}
	r := &Ring{primary: primary, keys: map[uint32]cipher.AEAD{}}
	for _, k := range keys {
		if k.ID == 0 {
			return nil, errors.New("keyring: key ID 0 is not allowed; number keys from 1")
		}
		if _, dup := r.keys[k.ID]; dup {
			return nil, fmt.Errorf("keyring: key ID %d is given twice", k.ID)
		}
		if k.Secret == ([KeySize]byte{}) {
			return nil, fmt.Errorf("keyring: key %d is all zeros", k.ID)
		}
		block, err := aes.NewCipher(k.Secret[:])
		if err != nil {
			return nil, err
		}
		aead, err := cipher.NewGCM(block)
		if err != nil {
			return nil, err
		}
		r.keys[k.ID] = aead
		r.ids = append(r.ids, k.ID)
	}
	if _, ok := r.keys[primary]; !ok {
		return nil, fmt.Errorf("keyring: the primary key %d is not among the keys", primary)
	}
	slices.Sort(r.ids)
	return r, nil
}

// Primary is the ID of the key that seals.
func (r *Ring) Primary() uint32 { return r.primary }

// IDs are the IDs of the ring's keys, ascending.
func (r *Ring) IDs() []uint32 { return slices.Clone(r.ids) }

// Has reports whether the ring holds key id.
func (r *Ring) Has(id uint32) bool { _, ok := r.keys[id]; return ok }

// Seal encrypts plaintext under the primary key, bound to aad, and returns
// the sealed value as text (base64).
func (r *Ring) Seal(plaintext []byte, aad AAD) (string, error) {
	aead := r.keys[r.primary]
	out := make([]byte, headerSize+nonceSize, headerSize+nonceSize+len(plaintext)+tagSize)
	out[0] = version
	binary.BigEndian.PutUint32(out[1:headerSize], r.primary)
	nonce := out[headerSize:]
	if _, err := rand.Read(nonce); err != nil {
		return "", fmt.Errorf("keyring: drawing a nonce: %w", err)
	}
	out = aead.Seal(out, nonce, plaintext, aad.bytes())
	return base64.RawStdEncoding.EncodeToString(out), nil
}

// Open decrypts a sealed value bound to aad and says which key sealed it
// (0 for v1's format).
func (r *Ring) Open(sealed string, aad AAD) ([]byte, uint32, error) {
	if strings.Contains(sealed, ":") {
		pt, err := r.openV1(sealed)
		return pt, 0, err
	}
	raw, err := base64.RawStdEncoding.DecodeString(sealed)
	if err != nil || len(raw) < headerSize+nonceSize+tagSize || raw[0] != version {
		return nil, 0, ErrFormat
	}
	id := binary.BigEndian.Uint32(raw[1:headerSize])
	aead, ok := r.keys[id]
	if !ok {
		return nil, id, fmt.Errorf("%w (key %d)", ErrUnknownKey, id)
	}
	pt, err := aead.Open(nil, raw[headerSize:headerSize+nonceSize], raw[headerSize+nonceSize:], aad.bytes())
	if err != nil {
		return nil, id, ErrOpen
	}
	return pt, id, nil
}

// KeyID returns the ID of the key a value was sealed under without opening
// it: 0 for v1's format.
func KeyID(sealed string) (uint32, error) {
	if strings.Contains(sealed, ":") {
		if _, _, _, err := parseV1(sealed); err != nil {
			return 0, err
		}
		return 0, nil
	}
	// The header is the first 5 bytes: 8 base64 characters hold 6 (the
	// decoder skips new lines, so the length is checked after decoding).
	if len(sealed) < 8 {
		return 0, ErrFormat
	}
	head, err := base64.RawStdEncoding.DecodeString(sealed[:8])
	if err != nil || len(head) < headerSize || head[0] != version {
		return 0, ErrFormat
	}
	return binary.BigEndian.Uint32(head[1:headerSize]), nil
}

// String names the key without its secret, so that a Key printed by
// mistake (%v in a log line or an error) shows nothing to steal.
func (k Key) String() string { return "key " + strconv.FormatUint(uint64(k.ID), 10) }

// GoString is String, for %#v.
func (k Key) GoString() string { return k.String() }

// NewKey draws a random key with the given ID.
func NewKey(id uint32) (Key, error) {
	k := Key{ID: id}
	if _, err := rand.Read(k.Secret[:]); err != nil {
		return Key{}, err
	}
	return k, nil
}

// Encode is the key as ParseKeys reads it: "id:base64". It is the key's
// secret: print it only for the operator who asked for it.
func (k Key) Encode() string {
	return strconv.FormatUint(uint64(k.ID), 10) + ":" + base64.StdEncoding.EncodeToString(k.Secret[:])
}

// ParseKeys reads keys written as "id:base64" (standard base64 of 32
// bytes, as `billy-mcp keys new` prints or `openssl rand
// -base64 32` gives), separated by commas, spaces or new lines; lines
// starting with # are comments. Order is kept: the first key is the
// primary unless the configuration names another. Errors name the entry
// by position, never its secret.
func ParseKeys(text string) ([]Key, error) {
	var fields []string
	for line := range strings.Lines(text) {
		line = strings.TrimSpace(line)
		if strings.HasPrefix(line, "#") {
			continue
		}
		fields = append(fields, strings.FieldsFunc(line, func(r rune) bool { return r == ',' || r == ' ' || r == '\t' })...)
	}
	var keys []Key
	for i, f := range fields {
		idText, secret, ok := strings.Cut(f, ":")
		id, err := strconv.ParseUint(idText, 10, 32)
		if !ok || err != nil || id == 0 {
			return nil, fmt.Errorf("keyring: key %d is not id:base64 with an id from 1 to 4294967295", i+1)
		}
		b, err := base64.StdEncoding.DecodeString(secret)
		if err != nil {
			b, err = base64.RawStdEncoding.DecodeString(secret)
		}
		if err != nil || len(b) != KeySize {
			return nil, fmt.Errorf("keyring: key %d (id %d) is not %d bytes in base64 (e.g. from `openssl rand -base64 32`)", i+1, id, KeySize)
		}
		k := Key{ID: uint32(id)}
		copy(k.Secret[:], b)
		keys = append(keys, k)
	}
	return keys, nil
}
