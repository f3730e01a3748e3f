package sandbox

import (
	"encoding/json"
	"net/http"
)

// result is what a handler answers, before Billy's envelope is put around
// it.
type result struct {
	status int    // 200 when zero
	key    string // root key: singular for one record, plural for a list
	plural string // the records' type
	one    any
	many   []any
	paging *paging
	ch     *changes // a write's changed and deleted records
}

func one(singular, plural string, rec any) *result {
	return &result{key: singular, plural: plural, one: rec}
}

func written(ch *changes) *result { return &result{ch: ch} }

// render builds the response body: reads are keyed by the singular or
// plural name, writes list every changed record under plural keys (always
// arrays), and meta carries statusCode, success, time, paging and
// deletedRecords (billy-api.md §2).
func (c *call) render(res *result) ([]byte, int, error) {
	status := res.status
	if status == 0 {
		status = http.StatusOK
	}
	body := map[string]any{}
	x := newIncluder(c)
	switch {
	case res.one != nil:
		body[res.key] = x.render(res.plural, res.one, 0)
	case res.many != nil || res.paging != nil:
		for _, rec := range res.many {
			x.markRoot(res.plural, rec)
		}
		list := make([]any, len(res.many))
		for i, rec := range res.many {
			list[i] = x.render(res.plural, rec, 0)
		}
		body[res.key] = list
	}
	m := meta{StatusCode: status, Success: true, Paging: res.paging}
	if res.ch != nil {
		for _, plural := range res.ch.order {
			for _, rec := range res.ch.records[plural] {
				x.markRoot(plural, rec)
			}
			list := make([]any, 0, len(res.ch.records[plural]))
			for _, rec := range res.ch.records[plural] {
				list = append(list, x.render(plural, rec, 0))
			}
			body[plural] = list
		}
		if c.r.Method == http.MethodDelete || len(res.ch.deleted) > 0 {
			m.DeletedRecords = res.ch.deleted
		}
	}
	for _, plural := range x.order {
		if existing, ok := body[plural].([]any); ok {
			// A sideloaded record of the root's own type joins the root
			// array (Guess: Billy's behaviour here is not documented).
			body[plural] = append(existing, x.side[plural]...)
			continue
		}
		body[plural] = x.side[plural]
	}
	m.Time = elapsed(c.start)
	body["meta"] = m
	b, err := marshal(body)
	return b, status, err
}

// out is the wire form of a record: invoices get a fresh downloadUrl on
// every read, as Billy's do (billy-api.md §8).
func (c *call) out(rec any) any {
	switch r := rec.(type) {
	case *invoice:
		return invoiceOut{invoice: r, DownloadURL: c.s.downloadURL(c, r)}
	case *fileRecord:
		return fileOut{fileRecord: r, DownloadURL: c.s.fileDownloadURL(c, r)}
	}
	return rec
}

type invoiceOut struct {
	*invoice
	DownloadURL string `json:"downloadUrl"`
}

// idOf reads a record's ID through its JSON form's "id" field.
func idOf(rec any) string {
	m, err := toMap(rec)
	if err != nil {
		return ""
	}
	id, _ := m["id"].(string)
	return id
}

func toMap(rec any) (map[string]any, error) {
	b, err := json.Marshal(rec)
	if err != nil {
		return nil, err
	}
	var m map[string]any
	return m, json.Unmarshal(b, &m)
}
