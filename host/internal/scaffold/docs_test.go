package scaffold

import (
	"bufio"
	"fmt"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// The rule for Go code in the documentation, stated at the top of
// docs/plugin-authors.md: every ```go block in docs/*.md and README.md
// compiles, the blocks of one page that declare the same package are
// compiled together as one package (a block importing "testing" is its
// test file, and runs), and a block right after a <!-- fragment --> line
// is an excerpt, not compiled.
const fragmentMarker = "<!-- fragment -->"

// goBlock is one ```go block of a page.
type goBlock struct {
	line     int // of the opening fence, 1-based
	code     string
	fragment bool
}

// goBlocks extracts the ```go blocks of a Markdown page.
func goBlocks(page string) ([]goBlock, error) {
	var blocks []goBlock
	var cur *goBlock
	var code strings.Builder
	prev := "" // the last non-blank line outside a block
	sc := bufio.NewScanner(strings.NewReader(page))
	for n := 1; sc.Scan(); n++ {
		line := sc.Text()
		trimmed := strings.TrimSpace(line)
		switch {
		case cur == nil && trimmed == "```go":
			cur = &goBlock{line: n, fragment: prev == fragmentMarker}
			code.Reset()
		case cur != nil && trimmed == "```":
			cur.code = code.String()
			blocks = append(blocks, *cur)
			cur = nil
		case cur != nil:
			code.WriteString(line + "\n")
		case trimmed != "":
			prev = trimmed
		}
	}
	if cur != nil {
		return nil, fmt.Errorf("the ```go block of line %d is not closed", cur.line)
	}
	return blocks, sc.Err()
}

func TestGoBlocks(t *testing.T) {
	page := "# T\n\n```go\npackage main\n```\n\n" + fragmentMarker + "\n\n```go\nh := 1\n```\n\n```sh\ngo test\n```\n" +
		"A fragment marker only counts right before a block:\n" + fragmentMarker + "\nprose\n```go\npackage x\n```\n"
	got, err := goBlocks(page)
	if err != nil {
		t.Fatal(err)
	}
	want := []goBlock{{line: 3, code: "package main\n"}, {line: 9, code: "h := 1\n", fragment: true}, {line: 19, code: "package x\n"}}
	if diff := cmp.Diff(want, got, cmp.AllowUnexported(goBlock{})); diff != "" {
		t.Errorf("blocks (-want +got):\n%s", diff)
	}
	if _, err := goBlocks("```go\npackage main\n"); err == nil {
		t.Error("an unclosed block was not reported")
	}
}

// TestDocsGoBlocksCompile compiles (go vet) and runs the tests (go test) of
// the documentation's Go blocks in a module of their own outside the
// repository, built against this checkout's sdk the way a scaffolded
// plugin is, so what the docs show is what an author can paste.
func TestDocsGoBlocksCompile(t *testing.T) {
	c := testCheckout(t)
	pages, err := filepath.Glob(filepath.Join(c.Root, "docs", "*.md"))
	if err != nil {
		t.Fatal(err)
	}
	pages = append(pages, filepath.Join(c.Root, "README.md"))
	mod := t.TempDir()
	where := map[string]string{} // file in mod -> page:line, for failures
	for _, page := range pages {
		b, err := os.ReadFile(page)
		if err != nil {
			t.Fatal(err)
		}
		rel, _ := filepath.Rel(c.Root, page)
		blocks, err := goBlocks(string(b))
		if err != nil {
			t.Errorf("%s: %v", rel, err)
			continue
		}
		for _, bl := range blocks {
			if bl.fragment {
				continue
			}
			f, err := parser.ParseFile(token.NewFileSet(), "", bl.code, parser.ImportsOnly)
			if err != nil {
				t.Errorf("%s:%d: a ```go block must be a whole Go file, or be marked %s on the line before: %v", rel, bl.line, fragmentMarker, err)
				continue
			}
			name := fmt.Sprintf("line%d.go", bl.line)
			for _, imp := range f.Imports {
				if p, _ := strconv.Unquote(imp.Path.Value); p == "testing" {
					name = fmt.Sprintf("line%d_test.go", bl.line)
				}
			}
			pkg := strings.TrimSuffix(filepath.Base(page), ".md") + "_" + f.Name.Name
			file := filepath.Join(pkg, name)
			if err := os.MkdirAll(filepath.Join(mod, pkg), 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(filepath.Join(mod, file), []byte(bl.code), 0o644); err != nil {
				t.Fatal(err)
			}
			where[file] = fmt.Sprintf("%s:%d", rel, bl.line)
		}
	}
	if len(where) == 0 {
		t.Fatal("found no Go blocks to compile; docs/plugin-authors.md has some")
	}
	gomod, err := render("go.mod.tmpl", "go.mod", data{Module: "docscheck", Checkout: c})
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(mod, "go.mod"), gomod, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("where the compiled files come from (block's fence line + line in file - 1):\n%v", where)
		}
	})
	goIn(t, mod, "mod", "tidy")
	goIn(t, mod, "vet", "./...")
	goIn(t, mod, "test", "-count=1", "./...")
}
