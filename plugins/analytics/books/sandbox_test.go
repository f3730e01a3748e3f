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

// The retail sandbox's Black Friday lines carry a 20 % discount
// (percentage_discount); the working set keeps it.
func TestLineDiscounts(t *testing.T) {
	srv := newSandbox(t, "retail")
	st, err := Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	ctx := context.Background()
	if _, err := st.Sync(ctx, "r", sandboxBilly(t, srv, nil), nil, false); err != nil {
		t.Fatal(err)
	}
	set, _ := st.Set(ctx, "r")
	discounted := 0
	if err := set.Invoices(ctx, InvoiceFilter{WithLines: true}, func(inv Invoice) error {
		for _, l := range inv.Lines {
			if !l.DiscountPercent.IsZero() {
				discounted++
				if l.DiscountPercent.String() != "20" {
					t.Errorf("invoice %s: discount %s %%", inv.No, l.DiscountPercent)
				}
			}
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if discounted == 0 {
		t.Error("no discounted lines in the retail sandbox's working set")
	}
}

// A working set of another layout is dropped and synced again in full.
func TestOtherLayoutIsRebuilt(t *testing.T) {
	dir := t.TempDir()
	st, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := st.db.Exec(`INSERT INTO sync_state (org_id, last_sync) VALUES ('o', '2026-01-01T00:00:00Z'); PRAGMA user_version = 1`); err != nil {
		t.Fatal(err)
	}
	st.Close()
	if st, err = Open(dir); err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	set, err := st.Set(context.Background(), "o")
	if err != nil {
		t.Fatal(err)
	}
	if !set.Info().LastSync.IsZero() {
		t.Error("the old layout's sync state survived: the next sync would not be a full one")
	}
}
