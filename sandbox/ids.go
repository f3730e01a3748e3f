package sandbox

import (
	"math/rand/v2"
	"strings"
)

// idAlphabet is URL-safe base64: Billy's IDs look like "GJj2Kr8vQ3mmuWn30VT5lw".
const idAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"

// idLen matches the 22 characters of Billy's usual IDs.
const idLen = 22

// idGen draws opaque record IDs from a seeded source, so that the same seed
// and the same sequence of writes give the same IDs.
type idGen struct{ rng *rand.Rand }

func newIDGen(seed1, seed2 uint64) *idGen {
	return &idGen{rng: rand.New(rand.NewPCG(seed1, seed2))}
}

func (g *idGen) next() string {
	var b [idLen]byte
	for i := range b {
		b[i] = idAlphabet[g.rng.IntN(len(idAlphabet))]
	}
	return string(b[:])
}

// ref builds a cross-type reference such as "invoice:GJj2…".
func ref(singular, id string) string { return singular + ":" + id }

// parseRef splits "invoice:ID" into its type and ID.
func parseRef(s string) (typ, id string, ok bool) {
	typ, id, ok = strings.Cut(s, ":")
	if !ok || typ == "" || id == "" {
		return "", "", false
	}
	return typ, id, true
}

// hashString folds a string into a seed component (FNV-1a), so that each
// organization's generator is independent of which others exist.
func hashString(s string) uint64 {
	h := uint64(14695981039346656037)
	for i := 0; i < len(s); i++ {
		h ^= uint64(s[i])
		h *= 1099511628211
	}
	return h
}
