package store

import (
	"bytes"
	"context"
	"testing"
	"time"
)

// An upload written on one instance is read on another until it expires,
// and the housekeeping then deletes it.
func TestUploads(t *testing.T) {
	eachBackend(t, func(t *testing.T, db *database) {
		a, b := db.open(), db.open()
		ctx := context.Background()
		now := db.clock.Now()
		data := []byte("%PDF-1.4\n\x00\xff binary")
		u := &Upload{Handle: "up_1", Principal: "alice", Organization: "org-1", FileName: "r.pdf", MIME: "application/pdf",
			SHA256: "abc", Size: int64(len(data)), Created: now, Expires: now.Add(time.Hour), Data: data}
		if err := a.PutUpload(ctx, u); err != nil {
			t.Fatal(err)
		}
		if err := a.PutUpload(ctx, u); err == nil {
			t.Error("the same handle stored twice")
		}
		got, err := b.GetUpload(ctx, "up_1", now)
		if err != nil || got == nil {
			t.Fatalf("%v %v", got, err)
		}
		if got.Principal != "alice" || got.Organization != "org-1" || got.FileName != "r.pdf" || got.MIME != "application/pdf" ||
			got.SHA256 != "abc" || got.Size != int64(len(data)) || !bytes.Equal(got.Data, data) ||
			!got.Expires.Equal(now.Add(time.Hour)) {
			t.Errorf("read back %+v", got)
		}
		// Reusable until it expires.
		if again, _ := a.GetUpload(ctx, "up_1", now); again == nil {
			t.Error("not readable a second time")
		}
		if none, err := a.GetUpload(ctx, "up_none", now); none != nil || err != nil {
			t.Errorf("unknown handle: %v %v", none, err)
		}
		if late, _ := a.GetUpload(ctx, "up_1", now.Add(time.Hour)); late != nil {
			t.Error("read after it expired")
		}
		// What a principal keeps: only its own, only unexpired.
		u2 := *u
		u2.Handle, u2.Size, u2.Expires = "up_2", 1000, now.Add(30*time.Minute)
		u3 := *u
		u3.Handle, u3.Principal, u3.Size = "up_3", "bob", 5000
		for _, x := range []*Upload{&u2, &u3} {
			if err := a.PutUpload(ctx, x); err != nil {
				t.Fatal(err)
			}
		}
		for _, tt := range []struct {
			who  string
			at   time.Time
			want int64
		}{
			{"alice", now, int64(len(data)) + 1000},
			{"alice", now.Add(45 * time.Minute), int64(len(data))},
			{"alice", now.Add(time.Hour), 0},
			{"bob", now, 5000},
			{"carol", now, 0},
		} {
			if got, err := b.UploadBytes(ctx, tt.who, tt.at); err != nil || got != tt.want {
				t.Errorf("UploadBytes(%s, +%s) = %d, %v; want %d", tt.who, tt.at.Sub(now), got, err, tt.want)
			}
		}
		db.clock.advance(2 * time.Hour)
		if _, err := a.prune(ctx); err != nil {
			t.Fatal(err)
		}
		var n int
		if err := a.db.QueryRowContext(ctx, `SELECT COUNT(*) FROM uploads`).Scan(&n); err != nil || n != 0 {
			t.Errorf("after pruning: %d rows, %v", n, err)
		}
	})
}
