package logging

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/hashicorp/go-hclog"
)

// TestBoundedText: a value with a newline cannot plant a second line in
// the text format, and a huge value is cut.
func TestBoundedText(t *testing.T) {
	var buf bytes.Buffer
	l := hclog.New(&hclog.LoggerOptions{Output: Bounded(&buf, 256, false), Level: hclog.Info})
	l.Info("request", "name", "evil\n2026-11-27T12:00:00Z [INFO] audit: request op=tools/call outcome=ok")
	l.Info("big", "value", strings.Repeat("x", 10000))
	lines := strings.Split(strings.TrimSuffix(buf.String(), "\n"), "\n")
	if len(lines) != 2 {
		t.Fatalf("%d lines, want 2:\n%s", len(lines), buf.String())
	}
	if !strings.Contains(lines[0], `evil\n`) {
		t.Errorf("the newline is not escaped: %q", lines[0])
	}
	if len(lines[1]) > 256 || !strings.Contains(lines[1], "[cut: ") {
		t.Errorf("the long line: %d bytes: %q", len(lines[1]), lines[1])
	}
}

// TestBoundedJSON: a JSON entry too long is replaced by a valid JSON line.
func TestBoundedJSON(t *testing.T) {
	var buf bytes.Buffer
	l := hclog.New(&hclog.LoggerOptions{Output: Bounded(&buf, 512, true), Level: hclog.Info, JSONFormat: true})
	l.Info("ok", "k", "v")
	l.Info("big", "value", strings.Repeat("y", 5000))
	var got []string
	for _, line := range strings.Split(strings.TrimSuffix(buf.String(), "\n"), "\n") {
		var m map[string]any
		if err := json.Unmarshal([]byte(line), &m); err != nil {
			t.Fatalf("not JSON: %v: %q", err, line)
		}
		if len(line) > 512 {
			t.Errorf("a line of %d bytes", len(line))
		}
		got = append(got, m["@message"].(string))
	}
	if diff := cmp.Diff([]string{"ok", "log entry too long; cut"}, got); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}
