package app

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/billy-mcp/billy-mcp/host/internal/config"
	"github.com/billy-mcp/billy-mcp/host/internal/testkit"
	"github.com/hashicorp/go-hclog"
)

func testLogger(out *testkit.SyncBuffer) hclog.Logger {
	return hclog.New(&hclog.LoggerOptions{Output: out, Level: hclog.Debug})
}

// TestStoreOpensAtStart: with a data_dir the store is SQLite there, and
// single-use keys work through it.
func TestStoreOpensAtStart(t *testing.T) {
	dir := t.TempDir()
	var log testkit.SyncBuffer
	d := newDurable(&config.Config{DataDir: dir}, testLogger(&log))
	d.open(context.Background())
	defer d.close()
	until := time.Now().Add(time.Minute)
	for i, want := range []bool{true, false} {
		first, err := d.ConsumeOnce(context.Background(), "invoices", "n", until)
		if err != nil || first != want {
			t.Fatalf("use %d: first=%v err=%v, want %v", i+1, first, err, want)
		}
	}
	if _, err := os.Stat(filepath.Join(dir, "store.db")); err != nil {
		t.Error(err)
	}
	if !strings.Contains(log.String(), "store: open") || !strings.Contains(log.String(), "backend=sqlite") {
		t.Errorf("log: %s", log.String())
	}
}

// TestStoreDownAtStart: a store that cannot be opened does not stop the
// start, says so, fails what needs it, and is opened once it can be.
func TestStoreDownAtStart(t *testing.T) {
	parent := t.TempDir()
	dir := filepath.Join(parent, "state")
	// A file where the data directory should be: nothing can be opened.
	if err := os.WriteFile(dir, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	var log testkit.SyncBuffer
	d := newDurable(&config.Config{DataDir: dir}, testLogger(&log))
	start := time.Now()
	d.open(context.Background())
	defer d.close()
	if took := time.Since(start); took > firstOpenTimeout+time.Second {
		t.Errorf("the first attempt held up the start for %s", took)
	}
	if _, err := d.ConsumeOnce(context.Background(), "invoices", "n", time.Now().Add(time.Minute)); !errors.Is(err, errStoreNotOpen) {
		t.Fatalf("ConsumeOnce without a store: %v, want errStoreNotOpen", err)
	}
	if !strings.Contains(log.String(), "cannot open it; the host starts without it") {
		t.Errorf("the failure is not logged: %s", log.String())
	}

	// The operator fixes it; the next retry opens the store.
	if err := os.Remove(dir); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(reopenMin + 5*time.Second)
	for d.get() == nil && time.Now().Before(deadline) {
		time.Sleep(50 * time.Millisecond)
	}
	if first, err := d.ConsumeOnce(context.Background(), "invoices", "n", time.Now().Add(time.Minute)); err != nil || !first {
		t.Fatalf("after the fix: first=%v err=%v", first, err)
	}
}

// TestStoreCloseStopsRetries: stopping the host ends the retries at once.
func TestStoreCloseStopsRetries(t *testing.T) {
	var log testkit.SyncBuffer
	d := newDurable(&config.Config{Database: config.DatabaseConfig{URL: "postgres://billy:pw@127.0.0.1:1/billy?sslmode=disable"}}, testLogger(&log))
	d.open(context.Background())
	if d.done == nil {
		t.Fatal("no retries after a failed open")
	}
	start := time.Now()
	d.close()
	if took := time.Since(start); took > time.Second {
		t.Errorf("close took %s", took)
	}
	select {
	case <-d.done:
	default:
		t.Error("the retries still run after close")
	}
	if strings.Contains(log.String(), "pw@") {
		t.Errorf("the log shows the database password: %s", log.String())
	}
}
