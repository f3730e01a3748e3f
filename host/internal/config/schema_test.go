package config

import (
	"flag"
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/knadh/koanf/parsers/yaml"
)

var update = flag.Bool("update", false, "rewrite configs/billy-mcp.schema.json and the golden files under testdata/")

// configsDir holds the example configs and the published schema.
var configsDir = filepath.Join("..", "..", "..", "configs")

// fieldDocs reads the doc comments of the fields in config.go: they are the
// descriptions of the published schema. The running host has no source, so
// only the test that writes the file reads them.
func fieldDocs(t *testing.T) docs {
	t.Helper()
	f, err := parser.ParseFile(token.NewFileSet(), "config.go", nil, parser.ParseComments)
	if err != nil {
		t.Fatal(err)
	}
	d := docs{}
	ast.Inspect(f, func(n ast.Node) bool {
		ts, ok := n.(*ast.TypeSpec)
		if !ok {
			return true
		}
		if st, ok := ts.Type.(*ast.StructType); ok {
			for _, field := range st.Fields.List {
				if field.Doc == nil {
					continue
				}
				text := strings.Join(strings.Fields(field.Doc.Text()), " ")
				for _, name := range field.Names {
					d[ts.Name.Name+"."+name.Name] = text
				}
			}
		}
		return false
	})
	return d
}

func publishedSchema(t *testing.T) []byte {
	t.Helper()
	s, err := generate(fieldDocs(t))
	if err != nil {
		t.Fatal(err)
	}
	b, err := marshalSchema(s)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestSchemaFile keeps configs/billy-mcp.schema.json in step with the Go
// types: -update rewrites it.
func TestSchemaFile(t *testing.T) {
	got := publishedSchema(t)
	path := filepath.Join(configsDir, "billy-mcp.schema.json")
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test ./internal/config -update to write it)", err)
	}
	if diff := cmp.Diff(string(want), string(got)); diff != "" {
		t.Errorf("configs/billy-mcp.schema.json differs from the schema generated from the Go types (-file +generated); run go test ./internal/config -update:\n%s", diff)
	}
}

// TestSchemaNeedsDescriptions: a field without a doc comment stops the
// published schema from being written, naming the field and its key.
func TestSchemaNeedsDescriptions(t *testing.T) {
	d := fieldDocs(t)
	delete(d, "HTTPConfig.Addr")
	_, err := generate(d)
	if err == nil || !strings.Contains(err.Error(), "HTTPConfig.Addr (http.addr) has no doc comment") {
		t.Errorf("generate without the doc of HTTPConfig.Addr = %v, want an error naming it", err)
	}
}

// TestSchemaRulesNameKeys: a rule for a key that does not exist (say, after
// a rename) stops schema generation.
func TestSchemaRulesNameKeys(t *testing.T) {
	rules["http.adress"] = rule{min: i64(1)}
	defer delete(rules, "http.adress")
	if _, err := generate(nil); err == nil || !strings.Contains(err.Error(), "rule for http.adress, but no such key") {
		t.Errorf("generate with a rule for a missing key = %v", err)
	}
}

// TestPublishedSchemaValidates compiles the file editors use and checks
// the shipped examples and a broken config with it, as an editor would.
func TestPublishedSchemaValidates(t *testing.T) {
	s, err := generate(fieldDocs(t))
	if err != nil {
		t.Fatal(err)
	}
	published, err := compileSchema(s)
	if err != nil {
		t.Fatal(err)
	}
	check := func(text string) error {
		m, err := yaml.Parser().Unmarshal([]byte(text))
		if err != nil {
			t.Fatal(err)
		}
		var problems []problem
		v, _ := fromYAML(root(), m, &problems)
		if len(problems) > 0 {
			t.Fatalf("fromYAML: %v", problems)
		}
		return published.validator.Validate(v)
	}
	files, err := filepath.Glob(filepath.Join(configsDir, "*.yaml"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no example configs: %v", err)
	}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(string(b), "# yaml-language-server: $schema=./billy-mcp.schema.json\n") {
			t.Errorf("%s does not point editors at the schema", f)
		}
		if err := check(string(b)); err != nil {
			t.Errorf("%s: %v", f, err)
		}
	}
	if err := check("http: {addr: 1, nope: x}\ncalls: {timeout: soon}\n"); err == nil {
		t.Error("the published schema accepts a broken config")
	}
}

// TestDurationPattern keeps the pattern editors use in step with what the
// host accepts: a positive time.ParseDuration input.
func TestDurationPattern(t *testing.T) {
	re := regexp.MustCompile(durationPattern)
	for _, tt := range []struct {
		in   string
		want bool
	}{
		{"500ms", true}, {"10s", true}, {"2m", true}, {"1h30m", true}, {"1.5h", true}, {".5s", true},
		{"1.s", true}, {"1µs", true}, {"1us", true}, {"100ns", true}, {"1h2m3s4ms", true},
		{"+1s", true}, {"-1s", false}, {"+-1s", false}, {"30", false}, {"s", false}, {"1 s", false}, {"1d", false},
		{"", false}, {"soon", false}, {".s", false}, {"1S", false}, {" 1s", false},
	} {
		if got := re.MatchString(tt.in); got != tt.want {
			t.Errorf("pattern matches %q = %v, want %v", tt.in, got, tt.want)
		}
		d, err := time.ParseDuration(tt.in)
		if host := err == nil && d > 0; host != tt.want {
			t.Errorf("the host accepts %q = %v, want %v", tt.in, host, tt.want)
		}
		if err := checkDuration(tt.in); (err == nil) != tt.want {
			t.Errorf("checkDuration(%q) = %v, want ok %v", tt.in, err, tt.want)
		}
	}
	// Zero matches the pattern (a regular expression cannot rule out
	// every spelling of zero); the format check refuses it.
	if err := checkDuration("0s"); err == nil {
		t.Error("checkDuration(0s) = nil")
	}
}
