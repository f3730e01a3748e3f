package sandbox

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"strings"

	"github.com/shopspring/decimal"
)

// maxBodyBytes bounds a request body; Billy's records are small.
const maxBodyBytes = 4 << 20

// readRoot decodes a write body {"<root>": {...}} (billy-api.md §2.2) into
// the record's raw fields.
func readRoot(body io.Reader, root string) (map[string]json.RawMessage, error) {
	b, err := io.ReadAll(io.LimitReader(body, maxBodyBytes+1))
	if err != nil {
		return nil, errBody("The request body could not be read.")
	}
	if len(b) > maxBodyBytes {
		return nil, errBody("The request body is too large.")
	}
	var env map[string]json.RawMessage
	if err := json.Unmarshal(b, &env); err != nil || env == nil {
		return nil, errBody("The request body must be a JSON object.")
	}
	raw, ok := env[root]
	if !ok {
		return nil, errBody("The request body must have a %q root.", root)
	}
	var rec map[string]json.RawMessage
	if err := json.Unmarshal(raw, &rec); err != nil || rec == nil {
		return nil, errBody("The %q root must be an object.", root)
	}
	return rec, nil
}

// input reads typed fields from a write body and records type errors as
// validation errors, so that one 422 lists every bad field.
type input struct {
	raw map[string]json.RawMessage
	v   *validation
	key string // validation entry: "" for the root record, or a child's key
}

func newInput(raw map[string]json.RawMessage, v *validation) input {
	in := input{raw: raw, v: v}
	// Billy keys validationErrors by the record's _clientId when the client
	// sent one (billy-api.md §5.3).
	if id, ok := in.str("_clientId"); ok && id != "" {
		v.root = id
	}
	return in
}

func (in input) has(k string) bool { _, ok := in.raw[k]; return ok }

func (in input) isNull(k string) bool {
	r, ok := in.raw[k]
	return ok && bytes.Equal(bytes.TrimSpace(r), []byte("null"))
}

func (in input) fail(field, msg string) { in.v.add(in.key, field, msg) }

// str reads a string; null reads as "".
func (in input) str(k string) (string, bool) {
	r, ok := in.raw[k]
	if !ok {
		return "", false
	}
	if in.isNull(k) {
		return "", true
	}
	var s string
	if err := json.Unmarshal(r, &s); err != nil {
		in.fail(k, "This field must be a string.")
		return "", false
	}
	return s, true
}

// optStr reads a nullable string: nil for null or "".
func (in input) optStr(k string) (*string, bool) {
	s, ok := in.str(k)
	if !ok {
		return nil, false
	}
	if s == "" {
		return nil, true
	}
	return &s, true
}

// strOrNum reads a string that clients sometimes send as a number, such as
// invoiceNo (billy-api.md §2.3: accept both, return a string).
func (in input) strOrNum(k string) (string, bool) {
	r, ok := in.raw[k]
	if !ok {
		return "", false
	}
	var n json.Number
	if err := json.Unmarshal(r, &n); err == nil {
		return n.String(), true
	}
	return in.str(k)
}

// num reads a number exactly, as written (never through float64), also
// from a numeric string.
func (in input) num(k string) (decimal.Decimal, bool) {
	r, ok := in.raw[k]
	if !ok || in.isNull(k) {
		return decimal.Zero, false
	}
	d, err := parseNum(r)
	if err != nil {
		in.fail(k, "This field must be a number.")
		return decimal.Zero, false
	}
	return d, true
}

func (in input) integer(k string) (int, bool) {
	d, ok := in.num(k)
	if !ok {
		return 0, false
	}
	if !d.IsInteger() || d.Abs().GreaterThan(decimal.NewFromInt(1<<31)) {
		in.fail(k, "This field must be a whole number.")
		return 0, false
	}
	return int(d.IntPart()), true
}

func (in input) boolean(k string) (bool, bool) {
	r, ok := in.raw[k]
	if !ok || in.isNull(k) {
		return false, false
	}
	var b bool
	if err := json.Unmarshal(r, &b); err != nil {
		in.fail(k, "This field must be true or false.")
		return false, false
	}
	return b, true
}

// date reads a YYYY-MM-DD date.
func (in input) date(k string) (string, bool) {
	s, ok := in.str(k)
	if !ok || s == "" {
		return "", ok
	}
	if _, valid := parseDate(s); !valid {
		in.fail(k, "This field must be a date (YYYY-MM-DD).")
		return "", false
	}
	return s, true
}

// oneOf reads a string that must be one of the allowed values.
func (in input) oneOf(k string, allowed ...string) (string, bool) {
	s, ok := in.str(k)
	if !ok {
		return "", false
	}
	for _, a := range allowed {
		if s == a {
			return s, true
		}
	}
	in.fail(k, fmt.Sprintf("This field must be one of: %s.", strings.Join(allowed, ", ")))
	return "", false
}

// list reads an array of embedded records such as invoice lines; each child
// reports its errors under "<root>.<field>[i]".
func (in input) list(k string) ([]input, bool) {
	r, ok := in.raw[k]
	if !ok || in.isNull(k) {
		return nil, ok
	}
	var items []map[string]json.RawMessage
	if err := json.Unmarshal(r, &items); err != nil {
		in.fail(k, "This field must be an array of objects.")
		return nil, false
	}
	out := make([]input, len(items))
	for i, raw := range items {
		key := fmt.Sprintf("%s.%s[%d]", in.v.root, k, i)
		if in.key != "" {
			key = fmt.Sprintf("%s.%s[%d]", in.key, k, i)
		}
		if raw == nil {
			raw = map[string]json.RawMessage{}
		}
		child := input{raw: raw, v: in.v, key: key}
		if id, ok := child.str("_clientId"); ok && id != "" {
			child.key = id
		}
		out[i] = child
	}
	return out, true
}

// sameJSON reports whether a raw JSON value equals a value decoded from a
// record's JSON form.
func sameJSON(raw json.RawMessage, cur any) bool {
	var val any
	if err := json.Unmarshal(raw, &val); err != nil {
		return false
	}
	a, _ := json.Marshal(val)
	b, _ := json.Marshal(cur)
	return bytes.Equal(a, b)
}
