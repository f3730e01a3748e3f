package integrations

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

var update = flag.Bool("update", false, "rewrite the golden files")

// TestBankProfiles reads one synthetic export per bank profile (built from
// the reference's header samples) and camt.053 samples, and compares the
// statement read with its golden file: format detected, encoding, decimal
// mark, every line's date, amount, text, key, and what was held back.
func TestBankProfiles(t *testing.T) {
	files, err := filepath.Glob("testdata/bank/*")
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	for _, f := range files {
		if strings.HasSuffix(f, ".golden.json") {
			continue
		}
		name := filepath.Base(f)
		t.Run(name, func(t *testing.T) {
			b, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			st, err := parseStatement(b, parseOptions{})
			if err != nil {
				t.Fatalf("parse: %v", err)
			}
			seen[st.Format] = true
			if want := strings.TrimSuffix(strings.TrimSuffix(name, filepath.Ext(name)), "_v08"); st.Format != want {
				t.Errorf("format detected %q, want %q (the file is named after its profile)", st.Format, want)
			}
			var buf bytes.Buffer
			enc := json.NewEncoder(&buf)
			enc.SetEscapeHTML(false)
			enc.SetIndent("", "  ")
			if err := enc.Encode(st); err != nil {
				t.Fatal(err)
			}
			got := buf.Bytes()
			golden := f + ".golden.json"
			if *update {
				if err := os.WriteFile(golden, got, 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (run go test -update)", err)
			}
			if diff := cmp.Diff(strings.TrimSpace(string(want)), strings.TrimSpace(string(got))); diff != "" {
				t.Errorf("statement (-golden +got):\n%s", diff)
			}
		})
	}
	for _, p := range profiles {
		if p.id == "sydbank_underkategori" || p.id == "sydbank_saldo" {
			continue
		}
		if !seen[p.id] && !*update {
			t.Errorf("profile %s has no sample in testdata/bank", p.id)
		}
	}
}
