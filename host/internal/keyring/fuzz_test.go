package keyring

import (
	"bytes"
	"testing"
)

// FuzzOpen: no input makes Open or KeyID panic, and nothing opens but what
// the ring sealed.
func FuzzOpen(f *testing.F) {
	k, _ := NewKey(1)
	r, _ := New([]Key{k}, 1)
	r, _ = r.WithV1("passphrase", "salt")
	sealed, _ := r.Seal([]byte("secret"), where)
	f.Add(sealed)
	f.Add(v1Vector)
	f.Add("AQAAAAE")
	f.Add("::")
	f.Fuzz(func(t *testing.T, s string) {
		_, _ = KeyID(s)
		pt, _, err := r.Open(s, where)
		if err == nil && s != sealed && !bytes.Equal(pt, []byte("secret")) {
			t.Fatalf("%q opened to %q", s, pt)
		}
	})
}

// FuzzParseKeys: no input makes ParseKeys panic, and what it accepts
// prints back as it was read.
func FuzzParseKeys(f *testing.F) {
	k, _ := NewKey(9)
	f.Add(k.Encode())
	f.Add("# c\n1:" + k.Encode()[2:] + ",2:x")
	f.Fuzz(func(t *testing.T, s string) {
		keys, err := ParseKeys(s)
		if err != nil {
			return
		}
		for _, k := range keys {
			again, err := ParseKeys(k.Encode())
			if err != nil || len(again) != 1 || again[0] != k {
				t.Fatalf("%v does not read back: %v %v", k.ID, again, err)
			}
		}
	})
}
