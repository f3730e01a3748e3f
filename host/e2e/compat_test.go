package e2e

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// TestPluginOfTheReleasedContract builds a plugin against the contract as
// last released (proto/released: generated here with the pinned buf and
// protoc-gen-go) that fails the way plugins of that release did, and runs it
// under the current host beside a plugin of today's sdk: its tools are
// listed and called, and its failures reach the client whole.
func TestPluginOfTheReleasedContract(t *testing.T) {
	bin := buildReleasedPlugin(t)
	sum, err := sha256File(bin)
	if err != nil {
		t.Fatal(err)
	}
	h := startHost(t, fmt.Sprintf("plugins:\n  legacy: {path: %s, sha256: %s}\n  hello: {path: billy-mcp-plugin-hello}\n", bin, sum))
	h.waitReady(20 * time.Second)
	c := h.mcpHTTP()

	names := toolNames(t, c)
	for _, want := range []string{"legacy_echo", "legacy_fail", "hello_greet"} {
		if !contains(names, want) {
			t.Errorf("tools/list lacks %s: %v", want, names)
		}
	}
	res := callTool(t, c, "legacy_echo", map[string]any{"text": "hej"})
	if res.IsError {
		t.Fatalf("legacy_echo: %v", toolError(t, res))
	}
	if diff := cmp.Diff(map[string]any{"text": "hej"}, structured(t, res)); diff != "" {
		t.Errorf("legacy_echo (-want +got):\n%s", diff)
	}
	e := toolError(t, callTool(t, c, "legacy_fail", map[string]any{}))
	delete(e, "correlationId")
	want := map[string]any{"code": "invoice_not_found", "category": "not_found", "message": "no invoice 1042", "retryable": false,
		"fields": []any{map[string]any{"field": "invoiceId", "message": "no such invoice"}}}
	if diff := cmp.Diff(want, e); diff != "" {
		t.Errorf("a released plugin's failure (-want +got):\n%s", diff)
	}
	if status, body := h.post("/api/v1/tools/legacy_fail", map[string]any{}); status != 404 || body["error"].(map[string]any)["code"] != "invoice_not_found" {
		t.Errorf("REST: %d %v", status, body)
	}
}

// buildReleasedPlugin generates Go code from proto/released and builds
// testdata/compat/main.go.txt with it, outside the workspace.
func buildReleasedPlugin(t *testing.T) string {
	t.Helper()
	root := repoRoot()
	tools := goTools(t)
	work := t.TempDir()
	protoDir, modDir := filepath.Join(work, "proto"), filepath.Join(work, "mod")
	if err := os.CopyFS(protoDir, os.DirFS(filepath.Join(root, "proto", "released"))); err != nil {
		t.Fatal(err)
	}
	const mapping = "Mplugin/v1/plugin.proto=compat.test/v1plugin/pluginv1"
	files := map[string]string{
		filepath.Join(protoDir, "buf.yaml"): "version: v2\n",
		filepath.Join(protoDir, "buf.gen.yaml"): "version: v2\nplugins:\n" +
			"  - local: protoc-gen-go\n    out: ../mod\n    opt: [module=compat.test/v1plugin, " + mapping + "]\n" +
			"  - local: protoc-gen-go-grpc\n    out: ../mod\n    opt: [module=compat.test/v1plugin, " + mapping + "]\n",
	}
	tmpl, err := os.ReadFile(filepath.Join("testdata", "compat", "main.go.txt"))
	if err != nil {
		t.Fatal(err)
	}
	files[filepath.Join(modDir, "main.go")] = string(tmpl)
	// The same versions as the sdk, so the module cache has them.
	sdkMod, err := os.ReadFile(filepath.Join(root, "sdk", "go.mod"))
	if err != nil {
		t.Fatal(err)
	}
	var requires []string
	for _, line := range strings.Split(string(sdkMod), "\n") {
		f := strings.Fields(line)
		if len(f) >= 2 && (f[0] == "github.com/hashicorp/go-plugin" || f[0] == "github.com/hashicorp/go-hclog" ||
			f[0] == "google.golang.org/grpc" || f[0] == "google.golang.org/protobuf") {
			requires = append(requires, "\t"+f[0]+" "+f[1])
		}
	}
	files[filepath.Join(modDir, "go.mod")] = "module compat.test/v1plugin\n\ngo 1.26.0\n\nrequire (\n" + strings.Join(requires, "\n") + "\n)\n"
	sum, err := os.ReadFile(filepath.Join(root, "sdk", "go.sum"))
	if err != nil {
		t.Fatal(err)
	}
	files[filepath.Join(modDir, "go.sum")] = string(sum)
	for path, body := range files {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	run := func(dir string, name string, args ...string) {
		t.Helper()
		cmd := exec.Command(name, args...)
		cmd.Dir = dir
		cmd.Env = append(os.Environ(), "GOWORK=off", "GOFLAGS=-mod=mod", "PATH="+filepath.Join(tools, "bin")+string(os.PathListSeparator)+os.Getenv("PATH"))
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("%s %v in %s: %v\n%s", name, args, dir, err, out)
		}
	}
	run(protoDir, filepath.Join(tools, "bin", "buf"), "generate")
	run(modDir, "go", "mod", "tidy")
	out := filepath.Join(work, "billy-mcp-plugin-legacy")
	run(modDir, "go", "build", "-o", out, ".")
	return out
}
