package sandbox

import "strings"

// includeSpec is one entry of include=<resource>.<relation>[:sideload|:embed]
// (billy-api.md §3). Sideload is the default.
type includeSpec struct {
	typ   string // singular resource name, e.g. "invoice"
	rel   string // relation name, e.g. "lines"
	embed bool
}

// parseIncludes reads the include parameter. Guess: Billy's docs do not say
// what an unknown include path does; answering 400 shows a client its typo
// instead of silently leaving data out (§3).
func parseIncludes(v string) ([]includeSpec, error) {
	if strings.TrimSpace(v) == "" {
		return nil, nil
	}
	var out []includeSpec
	for _, part := range strings.Split(v, ",") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		path, mode, _ := strings.Cut(part, ":")
		typ, rel, ok := strings.Cut(path, ".")
		res := bySingular[typ]
		if !ok || res == nil {
			return nil, errParam("Unknown include %q: %q is not a resource.", part, typ)
		}
		if _, ok := res.relations[rel]; !ok {
			return nil, errParam("Unknown include %q: %s has no relation %q.", part, typ, rel)
		}
		spec := includeSpec{typ: typ, rel: rel}
		switch mode {
		case "", "sideload":
		case "embed":
			spec.embed = true
		default:
			return nil, errParam("Unknown include mode %q in %q; use sideload or embed.", mode, part)
		}
		out = append(out, spec)
	}
	return out, nil
}

// maxIncludeDepth stops include chains that loop back (contact.contactPersons
// with contactPerson.contact).
const maxIncludeDepth = 4

// includer renders records with their includes applied and collects the
// sideloaded records.
type includer struct {
	c     *call
	side  map[string][]any
	seen  map[string]bool
	order []string
}

func newIncluder(c *call) *includer {
	return &includer{c: c, side: map[string][]any{}, seen: map[string]bool{}}
}

// markRoot notes a record already present at the root, so a sideload of the
// same record does not repeat it.
func (x *includer) markRoot(plural string, rec any) {
	if len(x.c.incl) == 0 {
		return
	}
	x.seen[plural+"\x00"+idOf(rec)] = true
}

// render returns the record's wire form, as a map with relations added when
// the request includes any for its type.
func (x *includer) render(plural string, rec any, depth int) any {
	out := x.c.out(rec)
	res := resources[plural]
	if res == nil || depth > maxIncludeDepth || !x.wants(res.singular) {
		return out
	}
	m, err := toMap(out)
	if err != nil {
		return out
	}
	x.decorate(res, m, depth)
	return m
}

func (x *includer) wants(singular string) bool {
	for _, s := range x.c.incl {
		if s.typ == singular {
			return true
		}
	}
	return false
}

func (x *includer) decorate(res *resource, m map[string]any, depth int) {
	for _, spec := range x.c.incl {
		if spec.typ != res.singular {
			continue
		}
		rel := res.relations[spec.rel]
		target := resources[rel.target]
		if !rel.many {
			fk, _ := m[spec.rel+"Id"].(string)
			var rec any
			ok := false
			if fk != "" {
				rec, ok = target.lookup(x.c, fk)
			}
			switch {
			case spec.embed && ok:
				m[spec.rel] = x.render(rel.target, rec, depth+1)
			case spec.embed:
				m[spec.rel] = nil
			case ok:
				x.sideload(rel.target, fk, rec, depth)
			}
			continue
		}
		id, _ := m["id"].(string)
		ids := rel.children(x.c, id)
		if spec.embed {
			list := make([]any, 0, len(ids))
			for _, cid := range ids {
				if rec, ok := target.lookup(x.c, cid); ok {
					list = append(list, x.render(rel.target, rec, depth+1))
				}
			}
			m[spec.rel] = list
			continue
		}
		// Has-many sideload: the parent gets "<relation>Ids" ("lines" →
		// "lineIds") and the children go under their plural root.
		m[strings.TrimSuffix(spec.rel, "s")+"Ids"] = append([]string{}, ids...)
		for _, cid := range ids {
			if rec, ok := target.lookup(x.c, cid); ok {
				x.sideload(rel.target, cid, rec, depth)
			}
		}
	}
}

func (x *includer) sideload(plural, id string, rec any, depth int) {
	key := plural + "\x00" + id
	if x.seen[key] {
		return
	}
	x.seen[key] = true
	if _, ok := x.side[plural]; !ok {
		x.order = append(x.order, plural)
	}
	x.side[plural] = append(x.side[plural], x.render(plural, rec, depth+1))
}
