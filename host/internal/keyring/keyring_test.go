package keyring

import (
	"bytes"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func key(t testing.TB, id uint32) Key {
	t.Helper()
	k, err := NewKey(id)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func ring(t testing.TB, primary uint32, keys ...Key) *Ring {
	t.Helper()
	r, err := New(keys, primary)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

var where = AAD{Organization: "org-1", Record: "org-1", Field: "billy_token"}

func TestRoundTrip(t *testing.T) {
	k1 := key(t, 1)
	r := ring(t, 1, k1)
	for _, pt := range [][]byte{[]byte("billy-token-4f1c9e2a7b"), {}, bytes.Repeat([]byte{0xff}, 4096)} {
		sealed, err := r.Seal(pt, where)
		if err != nil {
			t.Fatal(err)
		}
		if len(pt) > 0 && strings.Contains(sealed, base64.RawStdEncoding.EncodeToString(pt)[:8]) {
			t.Errorf("the sealed value shows the plaintext")
		}
		got, id, err := r.Open(sealed, where)
		if err != nil || id != 1 || !bytes.Equal(got, pt) {
			t.Errorf("Open = %q, %d, %v", got, id, err)
		}
		if kid, err := KeyID(sealed); err != nil || kid != 1 {
			t.Errorf("KeyID = %d, %v", kid, err)
		}
	}
	a, _ := r.Seal([]byte("same"), where)
	b, _ := r.Seal([]byte("same"), where)
	if a == b {
		t.Error("two seals of one value are equal: the nonce is not random")
	}
}

// TestRefusals: a sealed value opens only with its key and where it
// belongs.
func TestRefusals(t *testing.T) {
	k1, k2 := key(t, 1), key(t, 2)
	r := ring(t, 1, k1)
	sealed, err := r.Seal([]byte("billy-token-4f1c9e2a7b"), where)
	if err != nil {
		t.Fatal(err)
	}
	raw, _ := base64.RawStdEncoding.DecodeString(sealed)
	flip := func(i int) string {
		b := bytes.Clone(raw)
		b[i] ^= 1
		return base64.RawStdEncoding.EncodeToString(b)
	}
	impostor := k2
	impostor.ID = 1 // another secret under the same ID
	tests := []struct {
		name   string
		ring   *Ring
		sealed string
		aad    AAD
		want   error
	}{
		{"another organization", r, sealed, AAD{Organization: "org-2", Record: "org-1", Field: "billy_token"}, ErrOpen},
		{"another record", r, sealed, AAD{Organization: "org-1", Record: "org-2", Field: "billy_token"}, ErrOpen},
		{"another field", r, sealed, AAD{Organization: "org-1", Record: "org-1", Field: "totp"}, ErrOpen},
		{"parts shifted between fields", r, sealed, AAD{Organization: "org-1org-1", Field: "billy_token"}, ErrOpen},
		{"the wrong secret under its ID", ring(t, 1, impostor), sealed, where, ErrOpen},
		{"a key the ring lacks", ring(t, 2, k2), sealed, where, ErrUnknownKey},
		{"a flipped ciphertext bit", r, flip(len(raw) - 20), where, ErrOpen},
		{"a flipped tag bit", r, flip(len(raw) - 1), where, ErrOpen},
		{"a flipped nonce bit", r, flip(headerSize), where, ErrOpen},
		{"truncated", r, sealed[:20], where, ErrFormat},
		{"not base64", r, "!!!!" + sealed, where, ErrFormat},
		{"another version", r, flip(0), where, ErrFormat},
		{"v1's format without v1's key", r, v1Vector, AAD{}, ErrUnknownKey},
	}
	for _, tt := range tests {
		pt, _, err := tt.ring.Open(tt.sealed, tt.aad)
		if !errors.Is(err, tt.want) {
			t.Errorf("%s: err = %v, want %v", tt.name, err, tt.want)
		}
		if pt != nil {
			t.Errorf("%s: returned plaintext", tt.name)
		}
		if err != nil && strings.Contains(err.Error(), "billy-token") {
			t.Errorf("%s: the error shows the secret", tt.name)
		}
	}
}

// TestRotation: a ring with a new primary opens what the old keys sealed
// and seals under the new one.
func TestRotation(t *testing.T) {
	k1, k2 := key(t, 1), key(t, 2)
	old := ring(t, 1, k1)
	sealed, _ := old.Seal([]byte("token"), where)
	rotated := ring(t, 2, k2, k1)
	if pt, id, err := rotated.Open(sealed, where); err != nil || id != 1 || string(pt) != "token" {
		t.Fatalf("the rotated ring does not open the old key's value: %q %d %v", pt, id, err)
	}
	again, _ := rotated.Seal([]byte("token"), where)
	if id, _ := KeyID(again); id != 2 {
		t.Errorf("sealed under key %d, want the new primary 2", id)
	}
	if _, _, err := old.Open(again, where); !errors.Is(err, ErrUnknownKey) {
		t.Errorf("the old ring opened the new key's value: %v", err)
	}
	if diff := cmp.Diff([]uint32{1, 2}, rotated.IDs()); diff != "" {
		t.Error(diff)
	}
}

func TestNewRefuses(t *testing.T) {
	k1 := key(t, 1)
	zero := Key{ID: 3}
	for name, c := range map[string]struct {
		keys    []Key
		primary uint32
	}{
		"no keys":           {nil, 1},
		"ID 0":              {[]Key{{ID: 0, Secret: k1.Secret}}, 0},
		"duplicate ID":      {[]Key{k1, k1}, 1},
		"primary not there": {[]Key{k1}, 2},
		"all-zero secret":   {[]Key{zero}, 3},
	} {
		if _, err := New(c.keys, c.primary); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}

func TestParseKeys(t *testing.T) {
	k1, k2 := key(t, 1), key(t, 7)
	got, err := ParseKeys("# the ring\n" + k2.Encode() + "\n" + k1.Encode() + ", \n")
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]Key{k2, k1}, got); diff != "" {
		t.Error(diff)
	}
	got, err = ParseKeys(k1.Encode() + "," + k2.Encode())
	if err != nil || len(got) != 2 {
		t.Errorf("comma-separated: %v %v", got, err)
	}
	secret := base64.StdEncoding.EncodeToString(k1.Secret[:])
	for _, bad := range []string{"1", "0:" + secret, "x:" + secret, "1:short", "1:" + secret + "AA", "4294967296:" + secret} {
		_, err := ParseKeys(bad)
		if err == nil {
			t.Errorf("%q accepted", bad)
		} else if strings.Contains(err.Error(), secret[:10]) {
			t.Errorf("the error shows the secret: %v", err)
		}
	}
}

// v1Vector is a Billy token as v1 stored it, made with Node's crypto, as
// v1 did (node 20):
//
//	key = scryptSync("tekup-v1-passphrase-32-characters", "v1-static-salt16", 32)
//	iv  = 000102030405060708090a0b0c0d0e0f
//	aes-256-gcm of "billy-token-4f1c9e2a7b" → iv:tag:ciphertext in hex
const v1Vector = "000102030405060708090a0b0c0d0e0f:4ecefba6ffbc89a51f9e05495db6e360:451311d50cf622d01118c610ed8d76dfdb4070e4f244"

func TestV1Vector(t *testing.T) {
	r, err := ring(t, 1, key(t, 1)).WithV1("tekup-v1-passphrase-32-characters", "v1-static-salt16")
	if err != nil {
		t.Fatal(err)
	}
	pt, id, err := r.Open(v1Vector, AAD{})
	if err != nil || id != 0 || string(pt) != "billy-token-4f1c9e2a7b" {
		t.Fatalf("Open(v1) = %q, %d, %v", pt, id, err)
	}
	if id, err := KeyID(v1Vector); err != nil || id != 0 {
		t.Errorf("KeyID(v1) = %d, %v", id, err)
	}
	wrong, _ := ring(t, 1, key(t, 1)).WithV1("tekup-v1-passphrase-32-characters", "another-salt")
	if _, _, err := wrong.Open(v1Vector, AAD{}); !errors.Is(err, ErrOpen) {
		t.Errorf("the wrong salt opened v1's value: %v", err)
	}
	tampered := strings.Replace(v1Vector, ":4ece", ":5ece", 1)
	if _, _, err := r.Open(tampered, AAD{}); !errors.Is(err, ErrOpen) {
		t.Errorf("a tampered tag opened: %v", err)
	}
	if _, err := ring(t, 1, key(t, 1)).WithV1("", "salt"); err == nil {
		t.Error("v1 without a passphrase was accepted (v1's defaults must never be assumed)")
	}
	for _, bad := range []string{"00:11", "zz:" + strings.Repeat("0", 32) + ":00", "0001:" + strings.Repeat("0", 32) + ":00"} {
		if _, _, err := r.Open(bad, AAD{}); !errors.Is(err, ErrFormat) {
			t.Errorf("%q: %v, want ErrFormat", bad, err)
		}
	}
}

// TestKeyPrintsNoSecret: a Key printed by mistake shows its ID only.
func TestKeyPrintsNoSecret(t *testing.T) {
	k := key(t, 4)
	secret := base64.StdEncoding.EncodeToString(k.Secret[:])
	for _, s := range []string{fmt.Sprint(k), fmt.Sprintf("%v %+v %#v %s", k, k, k, k), fmt.Sprint([]Key{k})} {
		if strings.Contains(s, secret[:12]) {
			t.Errorf("printed the secret: %s", s)
		}
	}
	if got := fmt.Sprint(k); got != "key 4" {
		t.Errorf("Sprint = %q", got)
	}
}
