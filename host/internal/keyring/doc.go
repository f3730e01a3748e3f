// Package keyring encrypts the secrets the host keeps at rest (Billy access
// tokens, TOTP secrets) with AES-256-GCM under a versioned ring of keys.
//
// Every sealed value names the key that sealed it, so a ring holds several
// keys: the primary seals, every key opens. Rotation adds a new primary and
// keeps the old keys until nothing sealed under them is left (package
// credentials re-seals in the background). Each value is bound to where it
// belongs, its organization, record and field, as GCM's associated data:
// a value copied to another organization's row, or to another field, does
// not open.
//
// There is no built-in key. A host without keys keeps no secret in the
// store; it never falls back to a default, as v1 did (its code used a
// hard-coded passphrase when the environment had none).
//
// The sealed form (before base64, without padding) is
//
//	version (1 byte, 1) | key ID (4 bytes, big-endian) | nonce (12) | ciphertext | tag (16)
//
// v1's format, hex(iv):hex(tag):hex(ciphertext) under a key derived with
// scrypt from a passphrase and a salt (Node's scryptSync defaults), is read
// when the ring is given v1's passphrase, so v1's stored tokens can be
// migrated; nothing is ever sealed in it.
package keyring
