package pluginhost

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func sumOf(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

func writeFile(t *testing.T, path, content string, mode os.FileMode) string {
	t.Helper()
	if err := os.WriteFile(path, []byte(content), mode); err != nil {
		t.Fatal(err)
	}
	// WriteFile's mode is filtered by the umask; set it exactly.
	if err := os.Chmod(path, mode); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestExpectedChecksum(t *testing.T) {
	dir := t.TempDir()
	const (
		helloSum = "43440d7591fd44ab1e04732530cac97a856f8b0e6d7b263e8a218975a3542df0"
		momsSum  = "7735BAD77F26D44030006A66B25D52AF73C4E2914875E587905D63C54A79E90B"
	)
	sums := writeFile(t, filepath.Join(dir, "SHA256SUMS"), strings.Join([]string{
		"",
		"# a comment line is ignored",
		helloSum + "  billy-mcp-plugin-hello",
		momsSum + " *billy-mcp-plugin-moms",
		"deadbeef  billy-mcp-plugin-hello-extra",
		"malformed line with too many fields",
	}, "\n")+"\n", 0o644)
	unreadable := filepath.Join(dir, "missing-SHA256SUMS")

	tests := []struct {
		name      string
		spec      Spec
		file      string
		want      string
		errSubstr []string
	}{
		{name: "configured wins over the file", spec: Spec{Name: "hello", Path: "/opt/billy-mcp-plugin-hello", SHA256: "ABCDEF"}, file: sums, want: "abcdef"},
		{name: "configured without a file", spec: Spec{Name: "hello", Path: "/x", SHA256: "abc"}, want: "abc"},
		{name: "configured with an unreadable file", spec: Spec{Name: "hello", Path: "/x", SHA256: "abc"}, file: unreadable, want: "abc"},
		{name: "looked up by base name", spec: Spec{Name: "hello", Path: "/some/dir/billy-mcp-plugin-hello"}, file: sums, want: helloSum},
		{name: "binary-mode line, lower-cased", spec: Spec{Name: "moms", Path: "/bin/billy-mcp-plugin-moms"}, file: sums, want: strings.ToLower(momsSum)},
		{name: "missing entry", spec: Spec{Name: "invoices", Path: "/bin/billy-mcp-plugin-invoices"}, file: sums,
			errSubstr: []string{"no checksum for billy-mcp-plugin-invoices in " + sums, "plugins.invoices.sha256"}},
		{name: "no prefix matches", spec: Spec{Name: "h", Path: "/bin/billy-mcp-plugin-hel"}, file: sums,
			errSubstr: []string{"no checksum for billy-mcp-plugin-hel "}},
		{name: "no checksum and no file", spec: Spec{Name: "hello", Path: "/x"},
			errSubstr: []string{"no checksum configured", "plugins.hello.sha256"}},
		{name: "unreadable file", spec: Spec{Name: "hello", Path: "/x"}, file: unreadable,
			errSubstr: []string{"cannot be read", "missing-SHA256SUMS"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := expectedChecksum(tt.spec, tt.file)
			if tt.errSubstr != nil {
				if err == nil {
					t.Fatalf("got %q, want an error", got)
				}
				if !IsPermanent(err) {
					t.Errorf("error is not permanent: %v", err)
				}
				for _, s := range tt.errSubstr {
					if !strings.Contains(err.Error(), s) {
						t.Errorf("error %q does not mention %q", err, s)
					}
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got != tt.want {
				t.Errorf("got %q, want %q", got, tt.want)
			}
		})
	}
}

func TestVerifyBinary(t *testing.T) {
	dir := t.TempDir()
	const content = "#!/bin/sh\nexit 0\n"
	exe := writeFile(t, filepath.Join(dir, "billy-mcp-plugin-ok"), content, 0o755)
	noExec := writeFile(t, filepath.Join(dir, "billy-mcp-plugin-noexec"), content, 0o644)
	ownerOnly := writeFile(t, filepath.Join(dir, "billy-mcp-plugin-owner"), content, 0o700)
	sub := filepath.Join(dir, "billy-mcp-plugin-dir")
	if err := os.Mkdir(sub, 0o755); err != nil {
		t.Fatal(err)
	}
	// Symlinks, relative as the image ships them (billy-mcp-plugin-NAME ->
	// billy-mcp, the multi-call binary): the checksum is the file's they
	// resolve to, listed under the link's own name.
	link := filepath.Join(dir, "billy-mcp-plugin-link")
	dangling := filepath.Join(dir, "billy-mcp-plugin-dangling")
	linkNoExec := filepath.Join(dir, "billy-mcp-plugin-linknoexec")
	for l, target := range map[string]string{link: "billy-mcp-plugin-ok", dangling: "nope", linkNoExec: "billy-mcp-plugin-noexec"} {
		if err := os.Symlink(target, l); err != nil {
			t.Fatal(err)
		}
	}
	good := sumOf([]byte(content))
	wrong := sumOf([]byte("something else"))
	sums := writeFile(t, filepath.Join(dir, "SHA256SUMS"), good+"  billy-mcp-plugin-ok\n"+good+"  billy-mcp-plugin-link\n", 0o644)

	tests := []struct {
		name      string
		spec      Spec
		file      string
		errSubstr []string
	}{
		{name: "match", spec: Spec{Name: "ok", Path: exe, SHA256: good}},
		{name: "match, upper-case configured", spec: Spec{Name: "ok", Path: exe, SHA256: strings.ToUpper(good)}},
		{name: "match from the checksums file", spec: Spec{Name: "ok", Path: exe}, file: sums},
		{name: "owner-only executable", spec: Spec{Name: "owner", Path: ownerOnly, SHA256: good}},
		{name: "missing file", spec: Spec{Name: "gone", Path: filepath.Join(dir, "nope"), SHA256: good},
			errSubstr: []string{"does not exist", "plugins.gone.path"}},
		{name: "directory", spec: Spec{Name: "dir", Path: sub, SHA256: good}, errSubstr: []string{"is not an executable file"}},
		{name: "not executable", spec: Spec{Name: "noexec", Path: noExec, SHA256: good}, errSubstr: []string{noExec + " is not an executable file"}},
		{name: "path through a file", spec: Spec{Name: "odd", Path: filepath.Join(exe, "x"), SHA256: good}, errSubstr: []string{"plugin odd"}},
		{name: "mismatch", spec: Spec{Name: "ok", Path: exe, SHA256: wrong},
			errSubstr: []string{"checksum mismatch", "expected sha256 " + wrong, "the file has " + good, "refusing to start"}},
		{name: "no checksum anywhere", spec: Spec{Name: "ok", Path: exe}, errSubstr: []string{"no checksum configured"}},
		{name: "symlink, checksum of its target", spec: Spec{Name: "link", Path: link, SHA256: good}},
		{name: "symlink, listed under its own name", spec: Spec{Name: "link", Path: link}, file: sums},
		{name: "symlink, mismatch", spec: Spec{Name: "link", Path: link, SHA256: wrong}, errSubstr: []string{"checksum mismatch", "the file has " + good}},
		{name: "dangling symlink", spec: Spec{Name: "dangling", Path: dangling, SHA256: good}, errSubstr: []string{"does not exist"}},
		{name: "symlink to a file that is not executable", spec: Spec{Name: "linknoexec", Path: linkNoExec, SHA256: good}, errSubstr: []string{"is not an executable file"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sum, err := verifyBinary(tt.spec, tt.file)
			if tt.errSubstr == nil {
				if err != nil {
					t.Fatal(err)
				}
				if diff := cmp.Diff(good, hex.EncodeToString(sum)); diff != "" {
					t.Errorf("sum (-want +got):\n%s", diff)
				}
				return
			}
			if err == nil {
				t.Fatal("no error")
			}
			if !IsPermanent(err) {
				t.Errorf("not permanent: %v", err)
			}
			if sum != nil {
				t.Errorf("sum %x returned with an error", sum)
			}
			for _, s := range tt.errSubstr {
				if !strings.Contains(err.Error(), s) {
					t.Errorf("error %q does not mention %q", err, s)
				}
			}
		})
	}
}

func TestIsPermanent(t *testing.T) {
	p := permanent("plugin %s: broken", "x")
	tests := []struct {
		name string
		err  error
		want bool
	}{
		{"nil", nil, false},
		{"plain", errors.New("boom"), false},
		{"permanent", p, true},
		{"wrapped permanent", fmt.Errorf("starting: %w", p), true},
		{"joined", errors.Join(errors.New("a"), p), true},
		{"text only", errors.New(p.Error()), false},
	}
	for _, tt := range tests {
		if got := IsPermanent(tt.err); got != tt.want {
			t.Errorf("%s: IsPermanent = %v, want %v", tt.name, got, tt.want)
		}
	}
	if p.Error() != "plugin x: broken" {
		t.Errorf("message %q", p.Error())
	}
}

// The remembered digests follow the file: a rebuilt binary (new content,
// new time), a binary replaced by another file, and a link moved to another
// target are hashed again, so a stale digest never hides a change.
func TestFileSHA256FollowsChanges(t *testing.T) {
	dir := t.TempDir()
	bin := writeFile(t, filepath.Join(dir, "billy-mcp"), "first build", 0o755)
	link := filepath.Join(dir, "billy-mcp-plugin-x")
	if err := os.Symlink("billy-mcp", link); err != nil {
		t.Fatal(err)
	}
	check := func(step, path, content string) {
		t.Helper()
		got, err := fileSHA256(path)
		if err != nil {
			t.Fatal(err)
		}
		if got != sumOf([]byte(content)) {
			t.Errorf("%s: the digest of %s is not its content's", step, path)
		}
	}
	check("first", link, "first build")
	check("again", bin, "first build")

	// Rebuilt in place: same size, a later modification time.
	writeFile(t, bin, "later build", 0o755)
	later := time.Now().Add(time.Minute)
	if err := os.Chtimes(bin, later, later); err != nil {
		t.Fatal(err)
	}
	check("rebuilt in place", link, "later build")

	// Replaced by another file (a new inode), as `go build -o` and image
	// builds do.
	other := writeFile(t, filepath.Join(dir, "next"), "third build", 0o755)
	if err := os.Rename(other, bin); err != nil {
		t.Fatal(err)
	}
	check("replaced", link, "third build")

	// The link pointed somewhere else.
	writeFile(t, filepath.Join(dir, "elsewhere"), "another binary", 0o755)
	if err := os.Remove(link); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink("elsewhere", link); err != nil {
		t.Fatal(err)
	}
	check("relinked", link, "another binary")
}
