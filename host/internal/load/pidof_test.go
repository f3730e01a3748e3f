package load

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestListenerPID(t *testing.T) {
	root := t.TempDir()
	write := func(path, text string) {
		t.Helper()
		if err := os.MkdirAll(filepath.Dir(filepath.Join(root, path)), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(root, path), []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	socket := func(pid, fd, inode string) {
		t.Helper()
		dir := filepath.Join(root, pid, "fd")
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.Symlink("socket:["+inode+"]", filepath.Join(dir, fd)); err != nil {
			t.Fatal(err)
		}
	}
	const header = "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n"
	// Port 8080 (1F90) listens in 4001 and has an established connection
	// in 4002; port 9000 (2328) listens on IPv6 only; 7000 (1B58) twice.
	write("net/tcp", header+
		"   0: 0100007F:1F90 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 4001 1 0 100 0 0 10 0\n"+
		"   1: 0100007F:1F90 0100007F:D431 01 00000000:00000000 00:00000000 00000000     0        0 4002 1 0 20 4 30 10 -1\n"+
		"   2: 0100007F:1B58 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 4005 1 0 100 0 0 10 0\n")
	write("net/tcp6", header+
		"   0: 00000000000000000000000000000000:2328 00000000000000000000000000000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 4003 1 0 100 0 0 10 0\n"+
		"   1: 00000000000000000000000000000000:1B58 00000000000000000000000000000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 4006 1 0 100 0 0 10 0\n")
	socket("10", "3", "4002") // a client of 8080, not its server
	socket("20", "7", "4001")
	socket("30", "5", "4003")
	socket("40", "3", "4005")
	socket("41", "3", "4006")

	tests := []struct {
		url  string
		want int
		err  string
	}{
		{url: "http://127.0.0.1:8080", want: 20},
		{url: "http://localhost:9000/mcp", want: 30},
		{url: "http://[::1]:9000", want: 30},
		{url: "http://127.0.0.1:6000", err: "nothing listens on port 6000"},
		{url: "http://127.0.0.1:7000", err: "several processes listen on port 7000 ([40 41])"},
		{url: "http://example.com:8080", err: "example.com:8080 is not on this machine"},
	}
	for _, tt := range tests {
		t.Run(tt.url, func(t *testing.T) {
			got, err := listenerPID(root, tt.url)
			if tt.err != "" {
				if err == nil || !strings.Contains(err.Error(), tt.err) {
					t.Fatalf("error %v, want one with %q", err, tt.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}
