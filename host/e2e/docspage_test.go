package e2e

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// TestDocsPageInBrowser opens /docs of a sandbox host on loopback in
// Debian's chromium (scripts/install-deps.sh chromium), searches the
// catalog, opens a tool, reads its generated snippets, calls it with the
// try-it form, runs the curl, Go and TypeScript snippets, compiles the
// Python one (its SDK is out of reach here), and saves a screenshot
// (docs-page.png in the test's artifact directory, PNG: go test -artifacts
// -outputdir DIR keeps it).
func TestDocsPageInBrowser(t *testing.T) {
	browser, err := exec.LookPath("chromium")
	if err != nil {
		if testing.Short() {
			t.Skip("chromium is not installed and -short is given")
		}
		t.Fatal("chromium is not installed: scripts/install-deps.sh chromium (make test does), or pass -short")
	}
	h := startHost(t, "plugins:\n  hello: {path: billy-mcp-plugin-hello}\n")
	h.waitReady(20 * time.Second)

	opts := append(chromedp.DefaultExecAllocatorOptions[:], chromedp.ExecPath(browser), chromedp.NoSandbox,
		chromedp.Flag("disable-dev-shm-usage", true), chromedp.WindowSize(1280, 900),
		chromedp.UserDataDir(t.TempDir()))
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	defer cancelAlloc()
	ctx, cancel := chromedp.NewContext(actx)
	defer cancel()
	ctx, cancelTimeout := context.WithTimeout(ctx, 60*time.Second)
	defer cancelTimeout()

	do := func(steps ...chromedp.Action[chromedp.Void]) {
		t.Helper()
		if err := chromedp.Do(ctx, steps...); err != nil {
			t.Fatal(err)
		}
	}
	text := func(sel string) string {
		t.Helper()
		s, err := chromedp.Run(ctx, chromedp.Text(sel))
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	do(chromedp.Navigate(h.url("/docs")), chromedp.WaitVisible(`nav a[data-tool="hello_greet"]`))
	listed := text(`nav`)
	do(chromedp.SendKeys(`#search`, "count progress"), chromedp.WaitNotPresent(`nav a[data-tool="hello_greet"]`))
	filtered := text(`nav`)
	// Clear the search as a user would select it and type over it.
	if _, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`(() => { const s = document.getElementById("search"); s.value = ""; s.dispatchEvent(new Event("input")); return true })()`)); err != nil {
		t.Fatal(err)
	}
	do(chromedp.SendKeys(`#search`, "greet"),
		chromedp.WaitVisible(`nav a[data-tool="hello_greet"]`), chromedp.Click(`nav a[data-tool="hello_greet"]`),
		chromedp.WaitVisible(`#tool-name`))
	name, snippet := text(`#tool-name`), text(`#snippet`)
	do(chromedp.Click(`.tabs button[data-tab="Go"]`))
	goSnippet := text(`#snippet`)
	do(chromedp.Click(`.tabs button[data-tab="Python"]`))
	pySnippet := text(`#snippet`)
	do(chromedp.Click(`.tabs button[data-tab="TypeScript"]`))
	tsSnippet := text(`#snippet`)
	runSnippets(t, goSnippet, tsSnippet)
	// The curl snippet runs as shown (this sandbox needs no key) and the
	// Python one compiles (its SDK is out of reach of these machines).
	if out, err := exec.Command("sh", "-c", snippet).CombinedOutput(); err != nil || !strings.Contains(string(out), `"success":true`) {
		t.Errorf("the curl snippet:\n%s\nanswered %v:\n%s", snippet, err, out)
	}
	py := filepath.Join(t.TempDir(), "snippet.py")
	if err := os.WriteFile(py, []byte(pySnippet), 0o600); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command("python3", "-m", "py_compile", py).CombinedOutput(); err != nil {
		t.Errorf("the Python snippet does not compile: %v\n%s\n%s", err, out, pySnippet)
	}
	do(chromedp.Click(`#call`), chromedp.WaitVisible(`#result[data-status]`))
	result := text(`#result`)
	shot, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err != nil {
		t.Fatal(err)
	}
	dir := t.ArtifactDir()
	if err := os.WriteFile(filepath.Join(dir, "docs-page.png"), shot, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("screenshot: %s (%d bytes)", filepath.Join(dir, "docs-page.png"), len(shot))
	for _, c := range []struct{ what, got, want string }{
		{"the catalog", listed, "Greet someone"},
		{"the search for count progress", filtered, "Count with progress"},
		{"the tool's heading", name, "Greet someone"},
		{"the curl snippet", snippet, "/api/v1/tools/hello_greet"},
		{"the curl snippet's example", snippet, `{"name":"Ada"}`},
		{"the Go snippet", goSnippet, `map[string]any{"name": "Ada"}`},
		{"the try-it result", result, "HTTP 200"},
		{"the try-it result", result, "Ada"},
	} {
		if !strings.Contains(c.got, c.want) {
			t.Errorf("%s: %q has no %q", c.what, c.got, c.want)
		}
	}
	if strings.Contains(filtered, "Greet someone") {
		t.Errorf("the search for count progress still lists hello_greet: %q", filtered)
	}
}

// runSnippets runs the page's Go snippet (go run, inside this module, which
// requires the official Go SDK) and its TypeScript snippet (plain ES module
// code: Node 22 runs it with the pinned official TypeScript SDK) against
// the sandbox; each must print the greeting.
func runSnippets(t *testing.T, goSnippet, tsSnippet string) {
	t.Helper()
	dir, err := os.MkdirTemp("testdata", "snippet-go-")
	if err != nil {
		t.Fatal(err)
	}
	defer os.RemoveAll(dir)
	if err := os.WriteFile(filepath.Join(dir, "main.go"), []byte(goSnippet), 0o600); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command("go", "run", "./"+dir).CombinedOutput(); err != nil || !strings.Contains(string(out), "Ada") {
		t.Errorf("the Go snippet: %v\n%s\n%s", err, out, goSnippet)
	}
	tools, err := nodeTools()
	if err != nil {
		t.Logf("TypeScript snippet not run: %v", err)
		return
	}
	js := t.TempDir()
	if err := os.Symlink(nodeModules(tools), filepath.Join(js, "node_modules")); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(js, "snippet.mjs"), []byte(tsSnippet), 0o600); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(nodeBin(tools), filepath.Join(js, "snippet.mjs"))
	cmd.Env = nodeEnv(tools)
	if out, err := cmd.CombinedOutput(); err != nil || !strings.Contains(string(out), "Ada") {
		t.Errorf("the TypeScript snippet: %v\n%s\n%s", err, out, tsSnippet)
	}
}
