package uploads

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/billy-mcp/billy-mcp/host/internal/dispatch"
	"github.com/billy-mcp/billy-mcp/host/internal/store"
	"github.com/google/go-cmp/cmp"
)

// memStore is a Store in memory; the real one is tested in package store.
type memStore struct {
	mu sync.Mutex
	m  map[string]*store.Upload
}

func (m *memStore) PutUpload(_ context.Context, u *store.Upload) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.m == nil {
		m.m = map[string]*store.Upload{}
	}
	m.m[u.Handle] = u
	return nil
}

func (m *memStore) GetUpload(_ context.Context, h string, now time.Time) (*store.Upload, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if u := m.m[h]; u != nil && u.Expires.After(now) {
		return u, nil
	}
	return nil, nil
}

func (m *memStore) UploadBytes(_ context.Context, principal string, now time.Time) (int64, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	var n int64
	for _, u := range m.m {
		if u.Principal == principal && u.Expires.After(now) {
			n += u.Size
		}
	}
	return n, nil
}

var pdf = []byte("%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n")

func post(t *testing.T, s *Service, caller dispatch.Caller, body []byte, target string) (*httptest.ResponseRecorder, map[string]any) {
	t.Helper()
	r := httptest.NewRequest(http.MethodPost, target, bytes.NewReader(body))
	r.Header.Set("Content-Type", "image/png") // a lie: the type is sniffed
	if caller.Subject != "" {
		r = r.WithContext(dispatch.WithCaller(r.Context(), caller))
	}
	w := httptest.NewRecorder()
	s.ServeHTTP(w, r)
	var out map[string]any
	if err := json.Unmarshal(w.Body.Bytes(), &out); err != nil {
		t.Fatalf("%d %s: %v", w.Code, w.Body, err)
	}
	return w, out
}

func TestUploadAndRead(t *testing.T) {
	now := time.Date(2026, 11, 28, 1, 0, 0, 0, time.UTC)
	clock := now
	s := New(Options{Store: &memStore{}, MaxBytes: 1024, TTL: time.Hour, Now: func() time.Time { return clock }})
	alice := dispatch.Caller{Subject: "key:alice", OrganizationID: "org-1"}
	w, out := post(t, s, alice, pdf, "/uploads?name=../../receipt.pdf")
	if w.Code != http.StatusCreated {
		t.Fatalf("%d %s", w.Code, w.Body)
	}
	sum := sha256.Sum256(pdf)
	handle, _ := out["handle"].(string)
	if !validHandle(handle) {
		t.Fatalf("handle %q", handle)
	}
	delete(out, "handle")
	want := map[string]any{"sha256": hex.EncodeToString(sum[:]), "size": float64(len(pdf)), "mime": "application/pdf",
		"file_name": "receipt.pdf", "expires_at": "2026-11-28T02:00:00Z"}
	if d := cmp.Diff(want, out); d != "" {
		t.Errorf("answer (-want +got):\n%s", d)
	}

	ctx := context.Background()
	u, err := s.Read(ctx, handle, "key:alice", "org-1")
	if err != nil || !bytes.Equal(u.Data, pdf) {
		t.Fatalf("read: %v", err)
	}
	// Reusable until it expires.
	if _, err := s.Read(ctx, handle, "key:alice", "org-1"); err != nil {
		t.Errorf("second read: %v", err)
	}
	refused := []struct{ name, handle, principal, org string }{
		{"another principal", handle, "key:bob", "org-1"},
		{"another organization", handle, "key:alice", "org-2"},
		{"bad handle", "upl_nothex", "key:alice", "org-1"},
		{"unknown handle", "upl_" + strings.Repeat("0", 32), "key:alice", "org-1"},
		{"no principal", handle, "", "org-1"},
	}
	for _, tt := range refused {
		if _, err := s.Read(ctx, tt.handle, tt.principal, tt.org); !errors.Is(err, ErrNotFound) {
			t.Errorf("%s: %v, want ErrNotFound", tt.name, err)
		}
	}
	clock = now.Add(time.Hour)
	if _, err := s.Read(ctx, handle, "key:alice", "org-1"); !errors.Is(err, ErrNotFound) {
		t.Errorf("expired: %v, want ErrNotFound", err)
	}
}

func TestUploadRefused(t *testing.T) {
	s := New(Options{Store: &memStore{}, MaxBytes: 1024, TTL: time.Hour})
	alice := dispatch.Caller{Subject: "key:alice"}
	tests := []struct {
		name   string
		caller dispatch.Caller
		body   []byte
		status int
		code   string
	}{
		{"too large", alice, bytes.Repeat([]byte("x"), 1025), http.StatusRequestEntityTooLarge, "upload_too_large"},
		{"empty", alice, nil, http.StatusBadRequest, "invalid_arguments"},
		{"no caller", dispatch.Caller{}, pdf, http.StatusUnauthorized, "unauthenticated"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w, out := post(t, s, tt.caller, tt.body, "/uploads")
			e, _ := out["error"].(map[string]any)
			if w.Code != tt.status || e["code"] != tt.code {
				t.Errorf("%d %v, want %d %s", w.Code, out, tt.status, tt.code)
			}
		})
	}
	// The 413 names the limit.
	_, out := post(t, s, alice, bytes.Repeat([]byte("x"), 4096), "/uploads")
	if msg, _ := out["error"].(map[string]any)["message"].(string); !strings.Contains(msg, "uploads.max_bytes") || !strings.Contains(msg, "1024 bytes") {
		t.Errorf("message %q does not name the limit", msg)
	}
}

// A body of unknown length (chunked) is cut at the cap while it streams,
// not read whole first.
func TestUploadStreamedOverCap(t *testing.T) {
	s := New(Options{Store: &memStore{}, MaxBytes: 1024, TTL: time.Hour})
	body := &countingReader{left: 1 << 20}
	r := httptest.NewRequest(http.MethodPost, "/uploads", body)
	r.ContentLength = -1
	r = r.WithContext(dispatch.WithCaller(r.Context(), dispatch.Caller{Subject: "key:alice"}))
	w := httptest.NewRecorder()
	s.ServeHTTP(w, r)
	if w.Code != http.StatusRequestEntityTooLarge || !strings.Contains(w.Body.String(), "upload_too_large") {
		t.Errorf("%d %s", w.Code, w.Body)
	}
	if read := 1<<20 - body.left; read > 64<<10 {
		t.Errorf("read %d bytes of a body over a 1024-byte cap", read)
	}
}

// countingReader yields left bytes of 'x'.
type countingReader struct{ left int }

func (c *countingReader) Read(p []byte) (int, error) {
	if c.left == 0 {
		return 0, io.EOF
	}
	n := min(len(p), c.left)
	for i := range p[:n] {
		p[i] = 'x'
	}
	c.left -= n
	return n, nil
}

// A principal keeps at most max_bytes_per_principal in unexpired uploads:
// past it the upload is refused with 429 naming the limit, before the
// body is read when its length is declared; another principal is not
// affected, and once the old uploads expire the principal may upload
// again.
func TestUploadQuota(t *testing.T) {
	now := time.Date(2026, 11, 28, 1, 0, 0, 0, time.UTC)
	clock := now
	s := New(Options{Store: &memStore{}, MaxBytes: 1024, TTL: time.Hour, MaxBytesPerPrincipal: 2 * int64(len(pdf)),
		Now: func() time.Time { return clock }})
	alice, bob := dispatch.Caller{Subject: "key:alice"}, dispatch.Caller{Subject: "key:bob"}
	for i := range 2 {
		if w, _ := post(t, s, alice, pdf, "/uploads"); w.Code != http.StatusCreated {
			t.Fatalf("upload %d: %d %s", i, w.Code, w.Body)
		}
	}
	w, out := post(t, s, alice, pdf, "/uploads")
	e, _ := out["error"].(map[string]any)
	msg, _ := e["message"].(string)
	if w.Code != http.StatusTooManyRequests || e["code"] != "upload_quota_exceeded" || w.Header().Get("Retry-After") == "" ||
		!strings.Contains(msg, "uploads.max_bytes_per_principal") {
		t.Errorf("third upload: %d %v (Retry-After %q)", w.Code, out, w.Header().Get("Retry-After"))
	}
	// Refused before the body is read when its length is declared.
	body := &countingReader{left: 512}
	r := httptest.NewRequest(http.MethodPost, "/uploads", body)
	r.ContentLength = 512
	r = r.WithContext(dispatch.WithCaller(r.Context(), alice))
	rec := httptest.NewRecorder()
	s.ServeHTTP(rec, r)
	if rec.Code != http.StatusTooManyRequests || body.left != 512 {
		t.Errorf("declared length: %d, read %d bytes of the body", rec.Code, 512-body.left)
	}
	if w, _ := post(t, s, bob, pdf, "/uploads"); w.Code != http.StatusCreated {
		t.Errorf("another principal: %d %s", w.Code, w.Body)
	}
	clock = now.Add(time.Hour)
	if w, _ := post(t, s, alice, pdf, "/uploads"); w.Code != http.StatusCreated {
		t.Errorf("after the old ones expired: %d %s", w.Code, w.Body)
	}
}

// blockingStore holds PutUpload until release is closed, so uploads stay
// in flight.
type blockingStore struct {
	memStore
	entered chan struct{}
	release chan struct{}
}

func (b *blockingStore) PutUpload(ctx context.Context, u *store.Upload) error {
	b.entered <- struct{}{}
	<-b.release
	return b.memStore.PutUpload(ctx, u)
}

// At most max_concurrent bodies are held at once: one more is refused at
// once with 429 and Retry-After, without reading its body, and is taken
// again when a slot frees.
func TestUploadConcurrency(t *testing.T) {
	st := &blockingStore{entered: make(chan struct{}), release: make(chan struct{})}
	s := New(Options{Store: st, MaxBytes: 1024, TTL: time.Hour, MaxConcurrent: 2})
	alice := dispatch.Caller{Subject: "key:alice"}
	var wg sync.WaitGroup
	codes := make([]int, 2)
	for i := range 2 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r := httptest.NewRequest(http.MethodPost, "/uploads", bytes.NewReader(pdf))
			r = r.WithContext(dispatch.WithCaller(r.Context(), alice))
			w := httptest.NewRecorder()
			s.ServeHTTP(w, r)
			codes[i] = w.Code
		}()
		<-st.entered
	}
	body := &countingReader{left: 100}
	r := httptest.NewRequest(http.MethodPost, "/uploads", body)
	r = r.WithContext(dispatch.WithCaller(r.Context(), alice))
	w := httptest.NewRecorder()
	s.ServeHTTP(w, r)
	if w.Code != http.StatusTooManyRequests || w.Header().Get("Retry-After") != "1" || !strings.Contains(w.Body.String(), "uploads_busy") || body.left != 100 {
		t.Errorf("third at once: %d %s (Retry-After %q, read %d bytes)", w.Code, w.Body, w.Header().Get("Retry-After"), 100-body.left)
	}
	close(st.release)
	wg.Wait()
	if d := cmp.Diff([]int{http.StatusCreated, http.StatusCreated}, codes); d != "" {
		t.Errorf("the two in flight (-want +got):\n%s", d)
	}
	go func() { <-st.entered }()
	if w, _ := post(t, s, alice, pdf, "/uploads"); w.Code != http.StatusCreated {
		t.Errorf("after they finished: %d %s", w.Code, w.Body)
	}
}
