package invoices

import (
	"encoding/base64"
	"net/url"
	"testing"

	"github.com/billy-mcp/billy-mcp/sdk"
)

func TestCursorRoundTrip(t *testing.T) {
	fp := filterFingerprint("list_invoices", url.Values{"state": {"approved"}})
	for _, off := range []int{0, 1, 25, 999_999} {
		c, err := decodeCursor(encodeCursor(off, fp))
		if err != nil || c.Offset != off || c.Filter != fp {
			t.Errorf("offset %d: %+v %v", off, c, err)
		}
	}
	if filterFingerprint("list_invoices", url.Values{"a": {"1"}, "b": {"2"}}) != filterFingerprint("list_invoices", url.Values{"b": {"2"}, "a": {"1"}}) {
		t.Error("the fingerprint must not depend on map order")
	}
	if filterFingerprint("list_invoices", nil) == filterFingerprint("list_customers", nil) {
		t.Error("the fingerprint must name the tool")
	}
}

func TestCursorRejects(t *testing.T) {
	enc := func(s string) string { return cursorPrefix + base64.RawURLEncoding.EncodeToString([]byte(s)) }
	for _, s := range []string{"", "c1.", "c1.!!!", "c2.e30", enc(`{}`), enc(`{"o":-1,"f":"000000000000000000000000"}`),
		enc(`{"o":1,"f":"xyz"}`), enc(`{"o":1,"f":"000000000000000000000000","x":1}`), enc(`{"o":1e9,"f":"000000000000000000000000"}`),
		enc(`{"o":1,"f":"000000000000000000000000"} {}`), enc(`{"o":"1","f":"000000000000000000000000"}`)} {
		if _, err := decodeCursor(s); err == nil {
			t.Errorf("%q accepted", s)
		} else if se, ok := err.(*sdk.Error); !ok || se.Fields[0].Field != "cursor" {
			t.Errorf("%q: %v does not name cursor", s, err)
		}
	}
}

// FuzzDecodeCursor: the decoder never panics, and whatever it accepts
// re-encodes to a cursor that decodes to the same position.
func FuzzDecodeCursor(f *testing.F) {
	fp := filterFingerprint("list_invoices", nil)
	f.Add(encodeCursor(0, fp))
	f.Add(encodeCursor(25, fp))
	f.Add("c1.eyJvIjoxLCJmIjoiMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwIn0")
	f.Add("garbage")
	f.Add("c1.")
	f.Fuzz(func(t *testing.T, s string) {
		c, err := decodeCursor(s)
		if err != nil {
			return
		}
		if c.Offset < 0 || c.Offset > maxOffset || len(c.Filter) != 24 {
			t.Fatalf("accepted an out-of-range cursor %q: %+v", s, c)
		}
		again, err := decodeCursor(encodeCursor(c.Offset, c.Filter))
		if err != nil || again != c {
			t.Fatalf("round trip of %+v: %+v %v", c, again, err)
		}
	})
}
