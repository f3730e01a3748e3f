package logging

import (
	"bytes"
	"encoding/json"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/hashicorp/go-hclog"
)

func TestSlogWritesThroughHclog(t *testing.T) {
	var buf bytes.Buffer
	l := Slog(hclog.New(&hclog.LoggerOptions{Name: "mcp", Output: &buf, JSONFormat: true, Level: hclog.Info}))
	l.Debug("hidden")
	l.With("session", "s1").WithGroup("req").Warn("slow", "ms", 12)
	var got map[string]any
	if err := json.Unmarshal(buf.Bytes(), &got); err != nil {
		t.Fatalf("one JSON line expected (debug filtered out), got %q", buf.String())
	}
	delete(got, "@timestamp")
	want := map[string]any{"@level": "warn", "@message": "slow", "@module": "mcp", "session": "s1", "req.ms": 12.0}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("log line (-want +got):\n%s", diff)
	}
}
