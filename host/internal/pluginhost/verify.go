package pluginhost

import (
	"bufio"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"sync"
)

// permanentError marks a failure that restarting will not fix (a missing
// binary, a checksum mismatch, a rejected config): the plugin stays down
// until the operator acts, and the log says what to do.
type permanentError struct{ err error }

func (e *permanentError) Error() string { return e.err.Error() }
func (e *permanentError) Unwrap() error { return e.err }

func permanent(format string, args ...any) error {
	return &permanentError{fmt.Errorf(format, args...)}
}

// IsPermanent reports whether err is a failure a restart will not fix.
func IsPermanent(err error) bool {
	var p *permanentError
	return errors.As(err, &p)
}

// fileSHA256 returns the hex SHA-256 of the file at path.
//
// The image ships one 55 MB multi-call binary that every built-in plugin
// links to, so hashing it anew for each plugin start cost a second of CPU
// at start-up. A digest is therefore remembered for the file it was taken
// of (same file by os.SameFile, same size and modification time) and taken
// again when any of those changes. This check only gives the operator a
// clear error early: go-plugin's SecureConfig hashes the file again right
// before exec, so a file rewritten in place with its old time still fails
// to start.
func fileSHA256(path string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return "", err
	}
	if sum, ok := digests.lookup(st); ok {
		return sum, nil
	}
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return "", err
	}
	sum := hex.EncodeToString(h.Sum(nil))
	digests.store(st, sum)
	return sum, nil
}

// digests remembers the SHA-256 of the plugin binaries already hashed.
var digests digestCache

type digestCache struct {
	mu      sync.Mutex
	entries []digestEntry // a handful: one per distinct binary
}

type digestEntry struct {
	file fs.FileInfo
	sum  string
}

func (c *digestCache) lookup(st fs.FileInfo) (string, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, e := range c.entries {
		if os.SameFile(e.file, st) && e.file.Size() == st.Size() && e.file.ModTime().Equal(st.ModTime()) {
			return e.sum, true
		}
	}
	return "", false
}

func (c *digestCache) store(st fs.FileInfo, sum string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for i, e := range c.entries {
		if os.SameFile(e.file, st) {
			c.entries[i] = digestEntry{st, sum}
			return
		}
	}
	c.entries = append(c.entries, digestEntry{st, sum})
}

// expectedChecksum returns the checksum a plugin binary must have: the one
// configured for it, or its line in the checksums file (SHA256SUMS format,
// as `make build` and `sha256sum` write it).
func expectedChecksum(spec Spec, checksumsFile string) (string, error) {
	if spec.SHA256 != "" {
		return strings.ToLower(spec.SHA256), nil
	}
	if checksumsFile == "" {
		return "", permanent("plugin %s: no checksum configured: set plugins.%s.sha256", spec.Name, spec.Name)
	}
	f, err := os.Open(checksumsFile)
	if err != nil {
		return "", permanent("plugin %s: no checksum configured (plugins.%s.sha256) and the checksums file cannot be read: %v", spec.Name, spec.Name, err)
	}
	defer f.Close()
	base := filepath.Base(spec.Path)
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		if len(fields) == 2 && strings.TrimPrefix(fields[1], "*") == base {
			return strings.ToLower(fields[0]), nil
		}
	}
	return "", permanent("plugin %s: no checksum for %s in %s: rebuild with `make build` or set plugins.%s.sha256", spec.Name, base, checksumsFile, spec.Name)
}

// verifyBinary checks that the binary exists, is executable, and has the
// expected checksum. It returns the checksum for go-plugin's SecureConfig,
// which checks again right before exec. A symlink is followed, by both: the
// image's built-in plugins are symlinks billy-mcp-plugin-NAME -> billy-mcp
// (the multi-call host binary), each listed in SHA256SUMS under its own
// name with the binary's checksum.
func verifyBinary(spec Spec, checksumsFile string) ([]byte, error) {
	st, err := os.Stat(spec.Path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, permanent("plugin %s: binary %s does not exist (build it with `make build`, or fix plugins.%s.path)", spec.Name, spec.Path, spec.Name)
	}
	if err != nil {
		return nil, permanent("plugin %s: %v", spec.Name, err)
	}
	if st.IsDir() || st.Mode()&0o111 == 0 {
		return nil, permanent("plugin %s: %s is not an executable file", spec.Name, spec.Path)
	}
	want, err := expectedChecksum(spec, checksumsFile)
	if err != nil {
		return nil, err
	}
	got, err := fileSHA256(spec.Path)
	if err != nil {
		return nil, permanent("plugin %s: reading %s: %v", spec.Name, spec.Path, err)
	}
	if got != want {
		return nil, permanent("plugin %s: checksum mismatch for %s: expected sha256 %s, the file has %s; refusing to start it (if you rebuilt it on purpose, update the checksum)",
			spec.Name, spec.Path, want, got)
	}
	sum, _ := hex.DecodeString(got)
	return sum, nil
}
