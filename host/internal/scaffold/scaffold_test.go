package scaffold

import (
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestCheckName(t *testing.T) {
	tests := []struct {
		name string
		ok   bool
	}{
		{"acme", true},
		{"a", true},
		{"my-plugin_2", true},
		{"a" + strings.Repeat("b", 39), true},
		{"a" + strings.Repeat("b", 40), false}, // a config key is at most 40
		{"", false},
		{"Acme", false}, // config keys are lower case
		{"2fa", false},  // and start with a letter
		{"has space", false},
		{"../escape", false},
		{"dotted.name", false},
	}
	for _, tt := range tests {
		if diff := cmp.Diff(tt.ok, CheckName(tt.name) == nil); diff != "" {
			t.Errorf("CheckName(%q) ok (-want +got):\n%s", tt.name, diff)
		}
	}
}

func TestWriteRefuses(t *testing.T) {
	c := testCheckout(t)
	tests := []struct {
		name    string
		plugin  string
		dir     func(t *testing.T) string
		wantErr string
	}{
		{name: "bad name", plugin: "Acme", dir: func(t *testing.T) string { return filepath.Join(t.TempDir(), "p") }, wantErr: "cannot name a plugin"},
		{name: "non-empty directory", plugin: "acme", dir: func(t *testing.T) string {
			d := t.TempDir()
			if err := os.WriteFile(filepath.Join(d, "notes.txt"), []byte("mine"), 0o644); err != nil {
				t.Fatal(err)
			}
			return d
		}, wantErr: "is not empty"},
		{name: "a file, not a directory", plugin: "acme", dir: func(t *testing.T) string {
			f := filepath.Join(t.TempDir(), "file")
			if err := os.WriteFile(f, nil, 0o644); err != nil {
				t.Fatal(err)
			}
			return f
		}, wantErr: "not a directory"},
		{name: "inside the checkout", plugin: "acme", dir: func(*testing.T) string { return filepath.Join(c.Root, "never-created") }, wantErr: "inside the billy-mcp checkout"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := tt.dir(t)
			before := listDir(t, dir)
			_, err := Write(Options{Name: tt.plugin, Dir: dir, Checkout: c})
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("Write: error %v, want one saying %q", err, tt.wantErr)
			}
			if diff := cmp.Diff(before, listDir(t, dir)); diff != "" {
				t.Errorf("a refused Write changed %s (-before +after):\n%s", dir, diff)
			}
		})
	}
}

// listDir names what dir holds (nil when it is missing or not a directory).
func listDir(t *testing.T, dir string) []string {
	t.Helper()
	entries, _ := os.ReadDir(dir)
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	return names
}

func TestWriteFiles(t *testing.T) {
	c := testCheckout(t)
	dir := filepath.Join(t.TempDir(), "new", "acme")
	got, err := Write(Options{Name: "acme", Dir: dir, Checkout: c})
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"go.mod", "main.go", "main_test.go", "README.md", ".gitignore"}, got); diff != "" {
		t.Errorf("files (-want +got):\n%s", diff)
	}
	wants := map[string][]string{
		"go.mod": {"module billy-mcp-plugin-acme\n", "go " + c.GoVersion + "\n",
			"github.com/billy-mcp/billy-mcp/sdk => " + c.SDK + "\n", "github.com/billy-mcp/billy-mcp/proto => " + c.Proto + "\n",
			"go get github.com/billy-mcp/billy-mcp/sdk@"},
		"main.go":      {`Name:        "acme",`, `Name:        "acme_greet",`, "sdk.ReadOnly"},
		"main_test.go": {"sdktest.Start(t, New())", `"acme_greet"`},
		"README.md":    {"go test ./...", "sha256sum billy-mcp-plugin-acme", "plugins:\n  acme:\n    path: billy-mcp-plugin-acme\n"},
		".gitignore":   {"/billy-mcp-plugin-acme\n"},
	}
	for file, subs := range wants {
		b, err := os.ReadFile(filepath.Join(dir, file))
		if err != nil {
			t.Fatal(err)
		}
		for _, s := range subs {
			if !strings.Contains(string(b), s) {
				t.Errorf("%s lacks %q:\n%s", file, s, b)
			}
		}
	}
}

func TestModPathQuotesWhatGoModWouldSplit(t *testing.T) {
	tests := []struct{ in, want string }{
		{"/work/main/sdk", "/work/main/sdk"},
		{"/home/Jens Hansen/billy-mcp/sdk", `"/home/Jens Hansen/billy-mcp/sdk"`},
		{"/odd//path", `"/odd//path"`},
	}
	for _, tt := range tests {
		if diff := cmp.Diff(tt.want, modPath(tt.in)); diff != "" {
			t.Errorf("modPath(%q) (-want +got):\n%s", tt.in, diff)
		}
	}
}

func TestFindCheckout(t *testing.T) {
	root := repoRoot(t)
	wrong := t.TempDir()
	if err := os.WriteFile(filepath.Join(wrong, "go.mod"), []byte("module example.com/other\n\ngo 1.26\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name     string
		sdk      string
		wantRoot string // empty: an error is wanted
	}{
		{name: "--sdk given", sdk: filepath.Join(root, "sdk"), wantRoot: root},
		{name: "--sdk relative", sdk: relTo(t, filepath.Join(root, "sdk")), wantRoot: root},
		{name: "--sdk names another module", sdk: wrong},
		{name: "--sdk names nothing", sdk: filepath.Join(wrong, "missing")},
		{name: "--sdk names the proto module", sdk: filepath.Join(root, "proto")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := FindCheckout(tt.sdk)
			if tt.wantRoot == "" {
				if err == nil {
					t.Fatalf("FindCheckout(%q) = %+v, want an error", tt.sdk, c)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			want := Checkout{Root: root, SDK: filepath.Join(root, "sdk"), Proto: filepath.Join(root, "proto"), GoVersion: c.GoVersion}
			if diff := cmp.Diff(want, c); diff != "" || c.GoVersion == "" {
				t.Errorf("checkout (-want +got):\n%s", diff)
			}
		})
	}
}

// Without --sdk, the checkout is the source tree the binary was built from.
func TestFindCheckoutFromBuildSource(t *testing.T) {
	if _, file, _, _ := runtime.Caller(0); !filepath.IsAbs(file) {
		t.Skip("built with -trimpath: the binary knows no source directory")
	}
	c, err := FindCheckout("")
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(repoRoot(t), c.Root); diff != "" {
		t.Errorf("root (-want +got):\n%s", diff)
	}
}

func relTo(t *testing.T, path string) string {
	t.Helper()
	wd, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	rel, err := filepath.Rel(wd, path)
	if err != nil {
		t.Fatal(err)
	}
	return rel
}
