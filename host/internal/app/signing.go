package app

import (
	"crypto/hkdf"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/billy-mcp/billy-mcp/host/internal/config"
)

// The deployment's signing key signs what clients bring back later:
// confirmation tokens (signed by plugins) and the request state of multi
// round-trip calls (signed by the host). Every process of a deployment must
// use the same key: instances behind a load balancer, and the new stdio
// host a desktop client may start for every call. It comes from
// signing_key, else from data_dir/signing.key, which the first process to
// start makes.
//
// Plugins never get the key itself: each gets its own, derived with
// HKDF-SHA256 under the plugin's name, so one plugin cannot forge what
// another (or the host) signs.

const signingKeyFile = "signing.key"

// loadSigningKey returns the deployment's 32-byte master key. persistent is
// false when it could not be kept (no data_dir, or it cannot be written):
// the key is then this process's alone, and the caller says so in the log.
func loadSigningKey(cfg *config.Config) (key []byte, persistent bool, err error) {
	if cfg.SigningKey != "" {
		sum := sha256.Sum256([]byte(cfg.SigningKey))
		return sum[:], true, nil
	}
	if cfg.DataDir == "" {
		return randomKey(), false, errors.New("neither signing_key nor data_dir is set (no HOME either)")
	}
	key, err = readOrMakeKey(filepath.Join(cfg.DataDir, signingKeyFile))
	if err != nil {
		return randomKey(), false, err
	}
	return key, true, nil
}

// readOrMakeKey reads the key file, making it first if there is none. Two
// processes starting at once both end up with the one that was linked into
// place first.
func readOrMakeKey(path string) ([]byte, error) {
	if key, err := readKey(path); err == nil || !errors.Is(err, fs.ErrNotExist) {
		return key, err
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, err
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), signingKeyFile+".*")
	if err != nil {
		return nil, err
	}
	defer os.Remove(tmp.Name())
	_, werr := tmp.WriteString(hex.EncodeToString(randomKey()) + "\n")
	if cerr := tmp.Close(); werr == nil {
		werr = cerr
	}
	if werr != nil {
		return nil, werr
	}
	// CreateTemp made it 0600. Link fails if another process got there
	// first; its key is the one to use.
	if err := os.Link(tmp.Name(), path); err != nil && !errors.Is(err, fs.ErrExist) {
		return nil, err
	}
	return readKey(path)
}

func readKey(path string) ([]byte, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	key, err := hex.DecodeString(strings.TrimSpace(string(b)))
	if err != nil || len(key) != 32 {
		return nil, fmt.Errorf("%s does not hold a key (64 hex digits); delete it to have a new one made, which invalidates outstanding confirmation tokens", path)
	}
	return key, nil
}

func randomKey() []byte {
	key := make([]byte, 32)
	if _, err := rand.Read(key); err != nil {
		panic(fmt.Sprintf("drawing a key: %v", err))
	}
	return key
}

// deriveKey is the key for one purpose ("plugin invoices", "request
// state"), so that no two users of the master key share one.
func deriveKey(master []byte, purpose string) []byte {
	key, err := hkdf.Key(sha256.New, master, nil, "billy-mcp "+purpose, 32)
	if err != nil {
		panic(fmt.Sprintf("deriving a key: %v", err))
	}
	return key
}
