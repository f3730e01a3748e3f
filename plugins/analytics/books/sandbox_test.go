package books

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"testing"
	"time"

	"github.com/billy-mcp/billy-mcp/sandbox"
)

// sandboxBilly answers Billy through the sandbox's handler in process.
func sandboxBilly(t testing.TB, srv http.Handler, requests *int) Billy {
	return func(ctx context.Context, path string, q url.Values) ([]byte, error) {
		u := "/v2" + path
		if len(q) > 0 {
			u += "?" + q.Encode()
		}
		req := httptest.NewRequestWithContext(ctx, "GET", u, nil)
		req.Header.Set("X-Access-Token", "test")
		rec := httptest.NewRecorder()
		srv.ServeHTTP(rec, req)
		if requests != nil {
			*requests++
		}
		if rec.Code != 200 {
			return nil, fmt.Errorf("GET %s: %d %s", u, rec.Code, rec.Body.String())
		}
		return rec.Body.Bytes(), nil
	}
}

var anchor = time.Date(2026, 11, 27, 12, 0, 0, 0, time.UTC)

func newSandbox(t testing.TB, business string) *sandbox.Server {
	t.Helper()
	srv, err := sandbox.New(sandbox.Options{Seed: 1, Business: business, Now: func() time.Time { return anchor }})
	if err != nil {
		t.Fatal(err)
	}
	return srv
}

func TestSyncSandbox(t *testing.T) {
	srv := newSandbox(t, "service")
	st, err := Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	ctx := context.Background()
	n := 0
	stats, err := st.Sync(ctx, "org", sandboxBilly(t, srv, &n), nil, false)
	if err != nil {
		t.Fatal(err)
	}
	set, _ := st.Set(ctx, "org")
	t.Logf("stats %+v info %+v", stats, set.Info())
}
