package layout

import (
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// allowed is docs/architecture.md's table: each package of host/internal and
// the host packages its non-test code may import. Change both together.
var allowed = map[string][]string{
	"app":         {"audit", "auth", "billy", "cache", "config", "credentials", "dispatch", "hostsvc", "httpserver", "keyring", "logging", "mcpserver", "mfa", "oauthserver", "pluginhost", "registry", "schema", "scopes", "shared", "store", "tasks", "tracing", "uploads"},
	"audit":       {"store"},
	"auth":        {"dispatch", "scopes"},
	"billy":       {"cache", "tracing"},
	"cache":       {},
	"config":      {},
	"credentials": {"keyring", "store"},
	"dispatch":    {"audit", "registry", "scopes", "store", "tracing"},
	"docspage":    {"dispatch", "registry"},
	"hostsvc":     {"dispatch", "reconcile", "scopes", "tracing"},
	"httpjson":    {},
	"keyring":     {},
	"httpserver":  {"auth", "dispatch", "docspage", "httpjson", "mcpserver", "pluginhost", "registry", "rest", "scopes", "tracing"},
	"layout":      {},
	"load":        {},
	"logging":     {},
	"mcpcontent":  {},
	"mcpserver":   {"dispatch", "logging", "mcpcontent", "registry", "tasks"},
	"mfa":         {"credentials", "keyring", "store"},
	"oauthserver": {"auth", "mfa", "scopes"},
	"pluginhost":  {"registry", "schema", "tracing"},
	"reconcile":   {},
	"registry":    {"schema", "scopes"},
	"rest":        {"dispatch", "httpjson", "mcpcontent", "registry"},
	"scaffold":    {"config"},
	"scopes":      {},
	"schema":      {},
	"shared":      {"config"},
	"store":       {},
	"tasks":       {},
	"testkit":     {},
	"tracing":     {},
	"uploads":     {"dispatch", "httpjson", "store"},
}

const prefix = "github.com/billy-mcp/billy-mcp/host/internal/"

func TestPackagesDependAsDrawn(t *testing.T) {
	dirs, err := os.ReadDir("..")
	if err != nil {
		t.Fatal(err)
	}
	got := map[string][]string{}
	for _, d := range dirs {
		if !d.IsDir() {
			continue
		}
		imports := map[string]bool{}
		files, _ := filepath.Glob(filepath.Join("..", d.Name(), "*.go"))
		for _, f := range files {
			if strings.HasSuffix(f, "_test.go") {
				continue
			}
			parsed, err := parser.ParseFile(token.NewFileSet(), f, nil, parser.ImportsOnly)
			if err != nil {
				t.Fatal(err)
			}
			for _, imp := range parsed.Imports {
				if p, ok := strings.CutPrefix(strings.Trim(imp.Path.Value, `"`), prefix); ok {
					imports[p] = true
				}
			}
		}
		list := []string{}
		for p := range imports {
			list = append(list, p)
		}
		slices.Sort(list)
		got[d.Name()] = list
	}
	if diff := cmp.Diff(allowed, got); diff != "" {
		t.Errorf("host/internal depends otherwise than docs/architecture.md draws it (-drawn +actual):\n%s", diff)
	}
	// The transports never meet but in dispatch and mcpcontent.
	for _, pair := range [][2]string{{"mcpserver", "rest"}, {"rest", "mcpserver"}} {
		if slices.Contains(got[pair[0]], pair[1]) {
			t.Errorf("%s imports %s", pair[0], pair[1])
		}
	}
}
