package dispatch

import (
	"encoding/json"
	"testing"

	"github.com/billy-mcp/billy-mcp/host/internal/registry"
)

// FuzzTakeIdempotencyKey: whatever the arguments, taking the key out never
// panics, leaves no key in what the plugin gets, accepts only keys within
// the rule, and does not change what the key binds (the request hash skips
// the key, so the arguments hash alike with and without it).
func FuzzTakeIdempotencyKey(f *testing.F) {
	f.Add([]byte(`{"amount":1,"idempotency_key":"k-1"}`), "")
	f.Add([]byte(`{"idempotency_key":7}`), "")
	f.Add([]byte(`{"idempotency_key":"a b"}`), "x")
	f.Add([]byte(`{"note":"\"idempotency_key\""}`), "k")
	f.Add([]byte(`[1,2]`), "")
	tool := &registry.Tool{Name: "create"}
	f.Fuzz(func(t *testing.T, args []byte, transportKey string) {
		op := &Op{Kind: CallTool, Name: "create", Arguments: append([]byte(nil), args...), IdempotencyKey: transportKey, tool: tool}
		if e := takeIdempotencyKey(op); e != nil {
			return
		}
		if key := op.IdempotencyKey; key != "" {
			if checkKey(key) != nil {
				t.Fatalf("accepted key %q breaks the rule", key)
			}
		}
		var obj map[string]json.RawMessage
		if json.Unmarshal(op.Arguments, &obj) == nil {
			if _, ok := obj[registry.IdempotencyKeyArg]; ok && op.IdempotencyKey != "" {
				t.Fatalf("the plugin would get the key: %s", op.Arguments)
			}
			before, err1 := requestHash("create", args)
			after, err2 := requestHash("create", op.Arguments)
			if err1 == nil && err2 == nil && before != after {
				t.Fatalf("taking the key out changed the request: %s → %s", args, op.Arguments)
			}
		}
	})
}
