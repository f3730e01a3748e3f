package invoices

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"net/url"
	"strings"

	"github.com/billy-mcp/billy-mcp/sdk"
)

// List tools page with limit and an opaque cursor. A cursor records where
// the next page starts and a fingerprint of the tool and the filters it was
// issued for: continuing a listing with other filters would silently skip
// or repeat records, so such a cursor is refused instead.
//
// The cursor is not signed: a forged one can only ask for another page of
// data the caller may read anyway, and the fingerprint check still holds.

const (
	defaultLimit = 25
	maxLimit     = 100
	cursorPrefix = "c1."
	// maxOffset bounds the position a cursor may name, far beyond any real
	// listing (Billy pages at most 1000 records per page).
	maxOffset = 10_000_000
)

type cursorData struct {
	Offset int    `json:"o"`
	Filter string `json:"f"`
}

// filterFingerprint identifies a listing: the tool and the Billy query it
// sends (without page and pageSize). url.Values.Encode sorts its keys, so
// the same filters give the same fingerprint.
func filterFingerprint(tool string, q url.Values) string {
	sum := sha256.Sum256([]byte(tool + "\n" + q.Encode()))
	return hex.EncodeToString(sum[:12])
}

func encodeCursor(offset int, fingerprint string) string {
	b, _ := json.Marshal(cursorData{Offset: offset, Filter: fingerprint})
	return cursorPrefix + base64.RawURLEncoding.EncodeToString(b)
}

// decodeCursor reads a cursor this plugin issued. Any other string is a
// validation error naming cursor.
func decodeCursor(s string) (cursorData, error) {
	bad := func(why string) (cursorData, error) {
		return cursorData{}, sdk.Invalid("cursor", "is not a cursor from this tool (%s); pass next_cursor exactly as a previous call returned it, or leave cursor out to start from the beginning", why)
	}
	raw, ok := strings.CutPrefix(s, cursorPrefix)
	if !ok {
		return bad("unknown format")
	}
	b, err := base64.RawURLEncoding.DecodeString(raw)
	if err != nil {
		return bad("not base64url")
	}
	var c cursorData
	dec := json.NewDecoder(strings.NewReader(string(b)))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&c); err != nil || dec.More() {
		return bad("unreadable")
	}
	if c.Offset < 0 || c.Offset > maxOffset {
		return bad("position out of range")
	}
	if len(c.Filter) != 24 {
		return bad("no filter fingerprint")
	}
	if _, err := hex.DecodeString(c.Filter); err != nil {
		return bad("no filter fingerprint")
	}
	return c, nil
}

// Paging is what every list tool takes besides its filters.
type Paging struct {
	Limit  int    `json:"limit,omitempty"`
	Cursor string `json:"cursor,omitempty"`
	Offset int    `json:"offset,omitempty"`
}

// window works out which records to read: the offset (from the cursor or
// the v1 offset) and the limit, refusing a cursor issued for other filters.
func (p Paging) window(fingerprint string) (offset, limit int, err error) {
	limit = p.Limit
	switch {
	case limit == 0:
		limit = defaultLimit
	case limit < 1 || limit > maxLimit:
		return 0, 0, sdk.Invalid("limit", "must be between 1 and %d, got %d", maxLimit, limit)
	}
	if p.Offset < 0 || p.Offset > maxOffset {
		return 0, 0, sdk.Invalid("offset", "must be between 0 and %d, got %d", maxOffset, p.Offset)
	}
	if p.Cursor == "" {
		return p.Offset, limit, nil
	}
	if p.Offset != 0 {
		return 0, 0, &sdk.Error{Code: sdk.CodeInvalidArguments, Category: sdk.CategoryValidation,
			Message: "cursor and offset both say where to start; send only cursor",
			Fields:  []sdk.FieldError{{Field: "cursor", Message: "conflicts with offset"}, {Field: "offset", Message: "conflicts with cursor"}}}
	}
	c, err := decodeCursor(p.Cursor)
	if err != nil {
		return 0, 0, err
	}
	if c.Filter != fingerprint {
		return 0, 0, &sdk.Error{Code: "cursor_filter_mismatch", Category: sdk.CategoryValidation,
			Message: "this cursor was issued for a listing with other filters; repeat the call with the same filters as the call that returned it, or leave cursor out to start over with the new filters",
			Fields:  []sdk.FieldError{{Field: "cursor", Message: "issued for other filters"}}}
	}
	return c.Offset, limit, nil
}

// listing is one page of a list tool's answer, before the records are
// shaped for output.
type listing struct {
	records    []json.RawMessage
	pages      []*envelope // for sideloaded records
	total      int
	nextCursor string
}

// list reads one window of a Billy list for a list tool.
func list(ctx context.Context, call *sdk.Call, tool, path, root string, q url.Values, p Paging) (*listing, error) {
	fp := filterFingerprint(tool, q)
	offset, limit, err := p.window(fp)
	if err != nil {
		return nil, err
	}
	recs, pages, total, err := fetchWindow(ctx, call, path, root, q, offset, limit)
	if err != nil {
		return nil, err
	}
	out := &listing{records: recs, pages: pages, total: total}
	if next := offset + len(recs); len(recs) > 0 && next < total {
		out.nextCursor = encodeCursor(next, fp)
	}
	return out, nil
}

// decodeAll decodes every record of a listing into T.
func decodeAll[T any](l *listing) ([]T, error) {
	out := make([]T, 0, len(l.records))
	for _, raw := range l.records {
		var v T
		if err := json.Unmarshal(raw, &v); err != nil {
			return nil, unexpected("a listed record could not be read: " + err.Error())
		}
		out = append(out, v)
	}
	return out, nil
}
