package keyring

import (
	"crypto/aes"
	"crypto/cipher"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"

	"golang.org/x/crypto/scrypt"
)

// v1 (TekupDK's Tekup-Billy, v1.4.3) encrypted Billy tokens with
// AES-256-GCM under scryptSync(ENCRYPTION_KEY, ENCRYPTION_SALT, 32) with
// Node's default cost, a 16-byte random IV per value and no associated
// data, stored as hex(iv):hex(tag):hex(ciphertext).
const (
	v1ScryptN  = 16384
	v1ScryptR  = 8
	v1ScryptP  = 1
	v1IVSize   = 16
	v1KeyBytes = 32
)

// WithV1 returns a copy of r that also opens v1's stored format, with the
// key derived from v1's ENCRYPTION_KEY and ENCRYPTION_SALT. Both must be
// given: v1's built-in defaults are never assumed.
func (r *Ring) WithV1(passphrase, salt string) (*Ring, error) {
	if passphrase == "" || salt == "" {
		return nil, errors.New("keyring: v1's passphrase and salt are both needed (v1's ENCRYPTION_KEY and ENCRYPTION_SALT)")
	}
	key, err := scrypt.Key([]byte(passphrase), []byte(salt), v1ScryptN, v1ScryptR, v1ScryptP, v1KeyBytes)
	if err != nil {
		return nil, err
	}
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, err
	}
	aead, err := cipher.NewGCMWithNonceSize(block, v1IVSize)
	if err != nil {
		return nil, err
	}
	c := *r
	c.v1 = aead
	return &c, nil
}

// HasV1 reports whether the ring opens v1's format.
func (r *Ring) HasV1() bool { return r.v1 != nil }

func parseV1(sealed string) (iv, tag, ct []byte, err error) {
	parts := strings.Split(sealed, ":")
	if len(parts) != 3 {
		return nil, nil, nil, ErrFormat
	}
	var out [3][]byte
	for i, p := range parts {
		if out[i], err = hex.DecodeString(p); err != nil {
			return nil, nil, nil, ErrFormat
		}
	}
	if len(out[0]) != v1IVSize || len(out[1]) != tagSize {
		return nil, nil, nil, ErrFormat
	}
	return out[0], out[1], out[2], nil
}

func (r *Ring) openV1(sealed string) ([]byte, error) {
	iv, tag, ct, err := parseV1(sealed)
	if err != nil {
		return nil, err
	}
	if r.v1 == nil {
		return nil, fmt.Errorf("%w: it is v1's format; give v1's passphrase and salt (credentials.v1_key, credentials.v1_salt) to read it", ErrUnknownKey)
	}
	pt, err := r.v1.Open(nil, iv, append(ct, tag...), nil)
	if err != nil {
		return nil, ErrOpen
	}
	return pt, nil
}
