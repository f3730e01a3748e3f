package credentials

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/billy-mcp/billy-mcp/host/internal/keyring"
	"github.com/billy-mcp/billy-mcp/host/internal/store"
)

// Census counts the store's sealed values by the key that sealed them (0:
// v1's format).
func Census(ctx context.Context, s Store) (map[uint32]int, error) {
	values, err := s.ListSealed(ctx)
	if err != nil {
		return nil, err
	}
	out := map[uint32]int{}
	for _, v := range values {
		id, err := keyring.KeyID(v.Value)
		if err != nil {
			return nil, fmt.Errorf("credentials: %s of %s is not a sealed value", v.Kind, v.Key)
		}
		out[id]++
	}
	return out, nil
}

// FormatCensus writes a census as "key 2: 40, key 1: 0" (highest key
// first; v1's format last, as "v1").
func FormatCensus(c map[uint32]int) string {
	if len(c) == 0 {
		return "no sealed values"
	}
	var parts []string
	for _, id := range slices.Backward(slices.Sorted(maps.Keys(c))) {
		name := fmt.Sprintf("key %d", id)
		if id == 0 {
			name = "v1"
		}
		parts = append(parts, fmt.Sprintf("%s: %d", name, c[id]))
	}
	return strings.Join(parts, ", ")
}

// Progress is how far a rotation has come.
type Progress struct {
	// Total values; Done of them looked at so far, of which Resealed
	// were sealed again under the primary key, Current already were, and
	// Failed did not open (Errors says why, by value, never its content).
	Total, Done, Resealed, Current, Failed int
	Errors                                 []string
}

// Rotate seals every value in the store that is not under ring's primary
// key again under it (v1's format included, when ring reads it), calling
// progress after each value. A value that changed meanwhile (re-enrolled,
// replaced) is read again, so nothing newer is overwritten. It goes on
// past values that fail and returns an error naming them at the end; a
// rotation can be run again at any time.
func Rotate(ctx context.Context, s Store, ring *keyring.Ring, progress func(Progress)) (Progress, error) {
	if ring == nil {
		return Progress{}, errNoKeys
	}
	values, err := s.ListSealed(ctx)
	if err != nil {
		return Progress{}, err
	}
	p := Progress{Total: len(values)}
	primary := ring.Primary()
	for _, v := range values {
		if err := ctx.Err(); err != nil {
			return p, err
		}
		err := reseal(ctx, s, ring, primary, v, &p)
		if err != nil {
			p.Failed++
			p.Errors = append(p.Errors, fmt.Sprintf("%s of %s: %v", v.Kind, v.Key, err))
		}
		p.Done++
		if progress != nil {
			progress(p)
		}
	}
	if p.Failed > 0 {
		return p, fmt.Errorf("credentials: %d of %d values were not re-sealed: %s", p.Failed, p.Total, strings.Join(p.Errors, "; "))
	}
	return p, nil
}

// reseal re-seals one value, trying again (a few times) when it changed
// between reading and replacing it.
func reseal(ctx context.Context, s Store, ring *keyring.Ring, primary uint32, v store.Sealed, p *Progress) error {
	for range 3 {
		if id, err := keyring.KeyID(v.Value); err == nil && id == primary {
			p.Current++
			return nil
		}
		aad := AAD(v.Kind, v.Key)
		if id, _ := keyring.KeyID(v.Value); id == 0 {
			aad = keyring.AAD{} // v1 bound nothing
		}
		pt, _, err := ring.Open(v.Value, aad)
		if err != nil {
			return err
		}
		sealed, err := ring.Seal(pt, AAD(v.Kind, v.Key))
		clear(pt)
		if err != nil {
			return err
		}
		ok, err := s.ReplaceSealed(ctx, v.Kind, v.Key, v.Value, sealed)
		if err != nil {
			return err
		}
		if ok {
			p.Resealed++
			return nil
		}
		// Changed meanwhile: read what is there now.
		now, err := s.ListSealed(ctx)
		if err != nil {
			return err
		}
		i := slices.IndexFunc(now, func(x store.Sealed) bool { return x.Kind == v.Kind && x.Key == v.Key })
		if i < 0 {
			p.Current++ // removed meanwhile: nothing to re-seal
			return nil
		}
		v = now[i]
	}
	return errors.New("it kept changing while being re-sealed; run the rotation again")
}
