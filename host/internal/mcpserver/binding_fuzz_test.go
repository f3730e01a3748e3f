package mcpserver

import (
	"testing"
)

// FuzzSessionID: any Mcp-Session-Id a client sends is parsed without a
// panic, and no ID validates for two principals (an ID validates only if
// it was made for its principal under the key: a forgery would need the
// MAC).
func FuzzSessionID(f *testing.F) {
	b := newBoundSessions([]byte("fuzz key"), 0, 0, nil)
	alice := &sessionManager{b: b, subject: "alice", request: true}
	good := alice.Generate()
	for _, s := range []string{good, good[:len(good)-1], "mcp-session-", "mcp-session-x-y", "", "mcp-session-" + good, good + "-"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, id string) {
		_, errA := alice.Validate(id)
		mallory := &sessionManager{b: b, subject: "mallory", request: true}
		if _, errM := mallory.Validate(id); errA == nil && errM == nil {
			t.Fatalf("%q validated for alice and for mallory", id)
		}
	})
}
