package audit

import (
	"bytes"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// FuzzCheckpointFile: verify reads checkpoint files an attacker may have
// written. Whatever the bytes, splitting never panics, and the notes it
// finds, written back one after the other, split into the same notes; a
// checkpoint's text that parses prints back as the same text.
func FuzzCheckpointFile(f *testing.F) {
	f.Add([]byte("billy-mcp/test\n20\nq83vEjsCk+Zb1dYIkZ0L7lM3PAH5Il5Kv1CJfLbXsHQ=\n\n— billy-mcp/test AbCdEf==\n\n"))
	f.Add([]byte("o\n1\nAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n\n— o x\n— o y\n\no\n2\nAAAA\n\n— o z\n"))
	f.Add([]byte("\n\n\n"))
	f.Add([]byte("a\n\nb\n"))
	f.Fuzz(func(t *testing.T, b []byte) {
		notes, err := SplitNotes(b)
		if err != nil {
			return
		}
		var again bytes.Buffer
		for _, n := range notes {
			if !bytes.Contains(n, []byte("\n\n— ")) || !bytes.HasSuffix(n, []byte("\n")) {
				t.Fatalf("a note without its signature lines: %q", n)
			}
			again.Write(n)
			again.WriteByte('\n')
		}
		back, err := SplitNotes(again.Bytes())
		if err != nil {
			t.Fatalf("notes written back do not split: %v", err)
		}
		if diff := cmp.Diff(notes, back); diff != "" {
			t.Fatalf("notes written back split differently:\n%s", diff)
		}
		for _, n := range notes {
			text, _, _ := bytes.Cut(n, []byte("\n\n"))
			c, err := parseBody(string(text) + "\n")
			if err != nil {
				continue
			}
			if c.body() != string(text)+"\n" {
				t.Fatalf("checkpoint %q prints back as %q", text, c.body())
			}
		}
	})
}
