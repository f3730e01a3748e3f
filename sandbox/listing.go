package sandbox

import (
	"cmp"
	"slices"
	"strconv"
	"strings"

	"github.com/shopspring/decimal"
)

// filter turns one query parameter's value into a predicate.
type filter[T any] func(value string) (func(T) bool, error)

// listSpec is what one resource's list endpoint understands. Billy silently
// ignores query parameters it does not know (billy-api.md §4.2), and so do
// these lists.
type listSpec[T any] struct {
	filters  map[string]filter[T]
	sorts    map[string]func(a, b T) int
	required []string
}

// apply filters and sorts items according to the request.
func (spec listSpec[T]) apply(c *call, items []T) ([]T, error) {
	for _, name := range spec.required {
		if c.q.Get(name) == "" {
			// Billy answered 400 to a bare GET /contactPersons (§4.2).
			return nil, errParam("The %s parameter is required when listing this resource.", name)
		}
	}
	// Apply filters in a fixed order so errors are deterministic.
	names := make([]string, 0, len(spec.filters))
	for name := range spec.filters {
		if c.q.Has(name) {
			names = append(names, name)
		}
	}
	slices.Sort(names)
	for _, name := range names {
		pred, err := spec.filters[name](c.q.Get(name))
		if err != nil {
			return nil, errParam("Invalid value for %s: %v.", name, err)
		}
		items = slices.DeleteFunc(items, func(v T) bool { return !pred(v) })
	}
	if prop := c.q.Get("sortProperty"); prop != "" {
		less, ok := spec.sorts[prop]
		if !ok {
			// Guess: the docs do not say what an unsupported sortProperty
			// returns; a 400 makes client bugs visible (§4.3).
			return nil, errParam("Cannot sort by %q.", prop)
		}
		desc := false
		switch strings.ToUpper(c.q.Get("sortDirection")) {
		case "", "ASC":
		case "DESC":
			desc = true
		default:
			return nil, errParam("sortDirection must be ASC or DESC.")
		}
		slices.SortStableFunc(items, func(a, b T) int {
			if desc {
				return less(b, a)
			}
			return less(a, b)
		})
	}
	return items, nil
}

// Filter builders.

func eqFilter[T any](get func(T) string) filter[T] {
	return func(v string) (func(T) bool, error) {
		return func(x T) bool { return get(x) == v }, nil
	}
}

func eqPtrFilter[T any](get func(T) *string) filter[T] {
	return func(v string) (func(T) bool, error) {
		return func(x T) bool { p := get(x); return p != nil && *p == v }, nil
	}
}

func boolFilter[T any](get func(T) bool) filter[T] {
	return func(v string) (func(T) bool, error) {
		want, err := parseBool(v)
		if err != nil {
			return nil, err
		}
		return func(x T) bool { return get(x) == want }, nil
	}
}

func amountFilter[T any](get func(T) number) filter[T] {
	return func(v string) (func(T) bool, error) {
		want, err := decimal.NewFromString(strings.TrimSpace(v))
		if err != nil {
			return nil, err
		}
		return func(x T) bool { return get(x).v.Equal(want) }, nil
	}
}

// minDate and maxDate are inclusive bounds on a YYYY-MM-DD field.
func minDate[T any](get func(T) string) filter[T] {
	return func(v string) (func(T) bool, error) {
		d, err := parseDateParam(v)
		return func(x T) bool { return get(x) >= d }, err
	}
}

func maxDate[T any](get func(T) string) filter[T] {
	return func(v string) (func(T) bool, error) {
		d, err := parseDateParam(v)
		return func(x T) bool { return get(x) <= d }, err
	}
}

// minTime and maxTime are inclusive bounds on a nullable datetime; records
// without one never match.
func minTime[T any](get func(T) *string) filter[T] {
	return func(v string) (func(T) bool, error) {
		d, err := parseTimeParam(v)
		return func(x T) bool { p := get(x); return p != nil && *p >= d }, err
	}
}

func maxTime[T any](get func(T) *string) filter[T] {
	return func(v string) (func(T) bool, error) {
		d, err := parseTimeParam(v)
		if err == nil && len(v) == len(dateLayout) {
			d = v + "T23:59:59" // a bare date means the whole day
		}
		return func(x T) bool { p := get(x); return p != nil && *p <= d }, err
	}
}

func periodFilter[T any](fiscalEnd int, get func(T) string) filter[T] {
	return func(v string) (func(T) bool, error) {
		p, err := parsePeriod(v, fiscalEnd)
		return func(x T) bool { d := get(x); return d != "" && p.contains(d[:min(len(d), 10)]) }, err
	}
}

// textFilter is Billy's q: a case-insensitive substring match over fields.
func textFilter[T any](fields func(T) []string) filter[T] {
	return func(v string) (func(T) bool, error) {
		needle := strings.ToLower(strings.TrimSpace(v))
		return func(x T) bool {
			for _, f := range fields(x) {
				if strings.Contains(strings.ToLower(f), needle) {
					return true
				}
			}
			return needle == ""
		}, nil
	}
}

// Sort helpers.

func byString[T any](get func(T) string) func(a, b T) int {
	return func(a, b T) int { return cmp.Compare(strings.ToLower(get(a)), strings.ToLower(get(b))) }
}

func byNum[T any](get func(T) number) func(a, b T) int {
	return func(a, b T) int { return get(a).v.Cmp(get(b).v) }
}

func byInt[T any](get func(T) int) func(a, b T) int {
	return func(a, b T) int { return cmp.Compare(get(a), get(b)) }
}

// byNatural sorts number-like strings (invoiceNo "9" before "10"), nulls
// first.
func byNatural[T any](get func(T) *string) func(a, b T) int {
	key := func(x T) (int, int, string) {
		p := get(x)
		if p == nil {
			return 0, 0, ""
		}
		if n, err := strconv.Atoi(*p); err == nil {
			return 1, n, ""
		}
		return 2, 0, *p
	}
	return func(a, b T) int {
		ka, na, sa := key(a)
		kb, nb, sb := key(b)
		return cmp.Or(cmp.Compare(ka, kb), cmp.Compare(na, nb), cmp.Compare(sa, sb))
	}
}

func byPtrString[T any](get func(T) *string) func(a, b T) int {
	return func(a, b T) int {
		pa, pb := get(a), get(b)
		switch {
		case pa == nil && pb == nil:
			return 0
		case pa == nil:
			return -1
		case pb == nil:
			return 1
		}
		return cmp.Compare(*pa, *pb)
	}
}
