package registry

import (
	"bytes"
	"encoding/json"
	"fmt"
)

// IdempotencyKeyArg is the argument the host adds to every tool that
// creates records, and keeps for itself: the plugin never sees it, and a
// plugin may not declare it. A retry with the same key and the same
// arguments gets the first call's answer instead of a second write (see
// dispatch).
const IdempotencyKeyArg = "idempotency_key"

// MaxIdempotencyKey bounds an idempotency key, in bytes, as Stripe and
// the IETF Idempotency-Key draft do: long enough for any UUID or
// composite key.
const MaxIdempotencyKey = 255

// idempotencyKeySchema is the argument as clients see it: short, because
// every tools/list pays for it once per tool that takes it.
var idempotencyKeySchema = json.RawMessage(fmt.Sprintf(`{"type":"string","maxLength":%d,"description":"Retry safely: the same key and arguments give the first result"}`, MaxIdempotencyKey))

// TakesIdempotencyKey says whether t creates records, the tools that take
// an idempotency_key: every tool that may write (not read-only) and that is
// not idempotent already. An update sets fields to values (twice is once);
// a create, a payment or an e-mail sent twice is two.
func TakesIdempotencyKey(t *Tool) bool {
	a := t.Annotations
	readOnly := a.ReadOnly != nil && *a.ReadOnly
	idempotent := a.Idempotent != nil && *a.Idempotent
	return !readOnly && !idempotent
}

// WithIdempotencyKey returns schema, an object schema, with the
// idempotency_key property added. A schema that declares the property
// itself is refused: the name is the host's.
func WithIdempotencyKey(schema json.RawMessage) (json.RawMessage, error) {
	var top map[string]json.RawMessage
	if err := json.Unmarshal(schema, &top); err != nil {
		return nil, err
	}
	props := map[string]json.RawMessage{}
	if raw, ok := top["properties"]; ok {
		if err := json.Unmarshal(raw, &props); err != nil {
			return nil, fmt.Errorf("properties: %w", err)
		}
	}
	if _, ok := props[IdempotencyKeyArg]; ok {
		return nil, fmt.Errorf("declares %q, which the host adds to every tool that creates records and keeps for itself; remove it", IdempotencyKeyArg)
	}
	props[IdempotencyKeyArg] = idempotencyKeySchema
	raw, err := marshalPlain(props)
	if err != nil {
		return nil, err
	}
	top["properties"] = raw
	return marshalPlain(top)
}

// marshalPlain is json.Marshal without escaping <, > and &, which would
// turn a description's "<" into six bytes for every client.
func marshalPlain(v any) (json.RawMessage, error) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(b.Bytes(), []byte("\n")), nil
}
