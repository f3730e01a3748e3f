package sandbox

import "slices"

// table holds one resource's records of one organization in creation order,
// which is also Billy's apparent default sort order (billy-api.md §4.3).
type table[T any] struct {
	order []string
	byID  map[string]T
}

func newTable[T any]() *table[T] { return &table[T]{byID: map[string]T{}} }

func (t *table[T]) add(id string, v T) {
	if _, ok := t.byID[id]; !ok {
		t.order = append(t.order, id)
	}
	t.byID[id] = v
}

func (t *table[T]) get(id string) (T, bool) {
	v, ok := t.byID[id]
	return v, ok
}

func (t *table[T]) remove(id string) bool {
	if _, ok := t.byID[id]; !ok {
		return false
	}
	delete(t.byID, id)
	t.order = slices.DeleteFunc(t.order, func(s string) bool { return s == id })
	return true
}

func (t *table[T]) len() int { return len(t.order) }

// all returns the records in creation order in a fresh slice the caller may
// filter and sort.
func (t *table[T]) all() []T {
	out := make([]T, 0, len(t.order))
	for _, id := range t.order {
		out = append(out, t.byID[id])
	}
	return out
}

// pick returns the records with the given IDs, in that order, skipping
// unknown ones.
func (t *table[T]) pick(ids []string) []T {
	out := make([]T, 0, len(ids))
	for _, id := range ids {
		if v, ok := t.byID[id]; ok {
			out = append(out, v)
		}
	}
	return out
}
