package sandbox

import (
	"net/url"
	"strconv"
	"strings"
)

// Billy pages with page (from 1) and pageSize; the default pageSize is 1000,
// which is also the maximum (billy-api.md §4.1). There is no offset or
// cursor.
const (
	defaultPageSize = 1000
	maxPageSize     = 1000
)

// paging is meta.paging. Guesses for what no source settles (§4.1): paging
// is always present, even on one page; previousUrl and nextUrl are null on
// the first and last pages; an empty list has one (empty) page; a page past
// the end is an empty array with correct totals; firstUrl leaves page out,
// as in the docs' sample.
type paging struct {
	Page        int     `json:"page"`
	PageCount   int     `json:"pageCount"`
	PageSize    int     `json:"pageSize"`
	Total       int     `json:"total"`
	FirstURL    string  `json:"firstUrl"`
	PreviousURL *string `json:"previousUrl"`
	NextURL     *string `json:"nextUrl"`
	LastURL     string  `json:"lastUrl"`
}

// parsePaging reads page and pageSize. Guess: out-of-range values answer 400
// rather than being clamped, so a client bug shows instead of silently
// truncating a list.
func parsePaging(q url.Values) (page, size int, err error) {
	page, size = 1, defaultPageSize
	if v := q.Get("page"); v != "" {
		page, err = strconv.Atoi(v)
		if err != nil || page < 1 {
			return 0, 0, errParam("page must be an integer of at least 1.")
		}
	}
	if v := q.Get("pageSize"); v != "" {
		size, err = strconv.Atoi(v)
		if err != nil || size < 1 || size > maxPageSize {
			return 0, 0, errParam("pageSize must be an integer from 1 to %d.", maxPageSize)
		}
	}
	return page, size, nil
}

// paginate slices items and builds meta.paging with absolute URLs that keep
// the request's other query parameters.
func paginate[T any](items []T, page, size int, base string, q url.Values) ([]T, *paging) {
	total := len(items)
	count := (total + size - 1) / size
	if count < 1 {
		count = 1
	}
	rest := url.Values{}
	for k, v := range q {
		if k != "page" {
			rest[k] = v
		}
	}
	enc := rest.Encode()
	at := func(p int) string {
		s := base + "?page=" + strconv.Itoa(p)
		if enc != "" {
			s += "&" + enc
		}
		return s
	}
	first := base
	if enc != "" {
		first += "?" + enc
	}
	pg := &paging{Page: page, PageCount: count, PageSize: size, Total: total, FirstURL: first, LastURL: at(count)}
	if page > 1 {
		prev := at(min(page-1, count))
		pg.PreviousURL = &prev
	}
	if page < count {
		next := at(page + 1)
		pg.NextURL = &next
	}
	from := (page - 1) * size
	if from >= total {
		return items[:0], pg
	}
	return items[from:min(from+size, total)], pg
}

// requestBase is the scheme and host the client used, so that paging URLs
// and downloadUrl point back at this sandbox however it is reached.
func requestBase(scheme, host string) string {
	if scheme == "" {
		scheme = "http"
	}
	return strings.ToLower(scheme) + "://" + host
}
