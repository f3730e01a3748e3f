package scaffold

import (
	"bytes"
	"embed"
	"errors"
	"fmt"
	"go/format"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"text/template"
)

//go:embed templates/*.tmpl
var templateFS embed.FS

var templates = template.Must(template.New("").Funcs(template.FuncMap{"modpath": modPath}).ParseFS(templateFS, "templates/*.tmpl"))

// files maps each written file to its template.
var files = []struct{ name, template string }{
	{"go.mod", "go.mod.tmpl"},
	{"main.go", "main.go.tmpl"},
	{"main_test.go", "main_test.go.tmpl"},
	{"README.md", "README.md.tmpl"},
	{".gitignore", "gitignore.tmpl"},
}

// Options say what to scaffold where.
type Options struct {
	// Name is the plugin's name (its config key); see CheckName.
	Name string
	// Dir is the directory to write into: missing or empty.
	Dir      string
	Checkout Checkout
}

// data is what the templates see.
type data struct {
	Name, Tool, Binary, Module string
	Checkout
}

// Write scaffolds the plugin module and returns the files it wrote,
// relative to Dir. It refuses a bad name, a directory that holds anything,
// and a directory inside the checkout, where the checkout's go.work would
// claim the new module and refuse to build it.
func Write(o Options) ([]string, error) {
	if err := CheckName(o.Name); err != nil {
		return nil, err
	}
	dir, err := filepath.Abs(o.Dir)
	if err != nil {
		return nil, err
	}
	if rel, err := filepath.Rel(o.Checkout.Root, dir); err == nil && rel != ".." && !strings.HasPrefix(rel, ".."+string(filepath.Separator)) {
		return nil, fmt.Errorf("%s is inside the billy-mcp checkout %s, whose go.work would not build the new module; choose a directory outside it", dir, o.Checkout.Root)
	}
	if err := emptyOrMissing(dir); err != nil {
		return nil, err
	}
	d := data{Name: o.Name, Tool: toolName(o.Name), Binary: binaryName(o.Name), Module: binaryName(o.Name), Checkout: o.Checkout}
	rendered := make([][]byte, len(files))
	for i, f := range files {
		if rendered[i], err = render(f.template, f.name, d); err != nil {
			return nil, err
		}
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	var written []string
	for i, f := range files {
		if err := os.WriteFile(filepath.Join(dir, f.name), rendered[i], 0o644); err != nil {
			return written, err
		}
		written = append(written, f.name)
	}
	return written, nil
}

// emptyOrMissing refuses to scaffold over anything: an existing file
// would be overwritten or, worse, mixed with the new module.
func emptyOrMissing(dir string) error {
	entries, err := os.ReadDir(dir)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return nil
	case err != nil:
		return fmt.Errorf("%s: %w", dir, err)
	case len(entries) > 0:
		return fmt.Errorf("%s is not empty; scaffold into a new or empty directory", dir)
	}
	return nil
}

// render executes one template; Go files come out gofmt'ed, so a template
// mistake that breaks the syntax fails here rather than in the author's
// first build.
func render(tmpl, name string, d data) ([]byte, error) {
	var b bytes.Buffer
	if err := templates.ExecuteTemplate(&b, tmpl, d); err != nil {
		return nil, err
	}
	if !strings.HasSuffix(name, ".go") {
		return b.Bytes(), nil
	}
	out, err := format.Source(b.Bytes())
	if err != nil {
		return nil, fmt.Errorf("scaffold template %s: %w", tmpl, err)
	}
	return out, nil
}

// modPath writes a path as a go.mod token: quoted when it holds what
// go.mod would read as a separator or a comment.
func modPath(p string) string {
	if strings.ContainsAny(p, " \t\"'`()\\") || strings.Contains(p, "//") {
		return strconv.Quote(p)
	}
	return p
}
