package cache

import (
	"testing"
	"time"
)

// TestSetTTLs: a reload may lower TTLs or raise them up to what the cache
// started with, never past it (the generations that invalidate answers are
// kept only that long), and plans made afterwards use the new table.
func TestSetTTLs(t *testing.T) {
	c, err := New(Options{TTL: TTLs{Default: time.Minute, Invoices: 10 * time.Minute}})
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name    string
		ttls    TTLs
		wantErr bool
		want    time.Duration // the invoices TTL in force afterwards
	}{
		{"lower", TTLs{Default: time.Minute, Invoices: 2 * time.Minute}, false, 2 * time.Minute},
		{"raise back to the start's longest", TTLs{Default: time.Minute, Invoices: 10 * time.Minute}, false, 10 * time.Minute},
		{"raise past it", TTLs{Default: time.Minute, Invoices: time.Hour}, true, 10 * time.Minute},
		{"default only", TTLs{Default: 30 * time.Second}, false, 30 * time.Second},
	} {
		err := c.SetTTLs(tc.ttls)
		if (err != nil) != tc.wantErr {
			t.Errorf("%s: error %v, want error %v", tc.name, err, tc.wantErr)
		}
		if got := c.Plan(Read{Org: "o", Path: "/invoices/abc"}).ttl; got != tc.want {
			t.Errorf("%s: an invoice read is planned with TTL %s, want %s", tc.name, got, tc.want)
		}
	}
}
