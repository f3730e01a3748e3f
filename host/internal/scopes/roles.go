package scopes

import (
	"fmt"
	"maps"
	"slices"
	"strings"
)

// RoleSet maps role names to the scopes each grants: the built-in Roles,
// with what the deployment's configuration (roles) adds or replaces.
type RoleSet map[string][]string

// NewRoleSet returns the built-in roles with overrides applied: an entry
// replaces the built-in role of its name (an empty list takes every scope
// away from it), or adds a role. Every scope must be Valid and every role
// name a lower-case word, so that a typo in the configuration is an error
// at start, not a principal silently left without a scope.
func NewRoleSet(overrides map[string][]string) (RoleSet, error) {
	set := RoleSet{}
	for name, s := range Roles {
		set[name] = slices.Clone(s)
	}
	var bad []string
	for _, name := range slices.Sorted(maps.Keys(overrides)) {
		if !validRoleName(name) {
			bad = append(bad, fmt.Sprintf("role %q: a role's name is 1 to 40 of a-z, 0-9 and -, starting with a letter", name))
			continue
		}
		for _, s := range overrides[name] {
			if !Valid(s) {
				bad = append(bad, fmt.Sprintf("role %s: %q is not a scope (use resource:read, resource:write, resource:approve, moms:file, audit:read, metrics or admin)", name, s))
			}
		}
		set[name] = slices.Clone(overrides[name])
	}
	if len(bad) > 0 {
		return nil, fmt.Errorf("%s", strings.Join(bad, "; "))
	}
	return set, nil
}

func validRoleName(name string) bool {
	if name == "" || len(name) > 40 || name[0] < 'a' || name[0] > 'z' {
		return false
	}
	for _, c := range name {
		if (c < 'a' || c > 'z') && (c < '0' || c > '9') && c != '-' {
			return false
		}
	}
	return true
}

// Scopes returns the scopes of role, and whether it exists.
func (r RoleSet) Scopes(role string) ([]string, bool) {
	s, ok := r[role]
	return slices.Clone(s), ok
}

// Expand returns the scopes the named roles grant together with extra,
// without duplicates, in a stable order; an unknown role is an error
// naming the roles that exist.
func (r RoleSet) Expand(roles, extra []string) ([]string, error) {
	seen := map[string]bool{}
	var out []string
	add := func(s string) {
		if !seen[s] {
			seen[s] = true
			out = append(out, s)
		}
	}
	for _, role := range roles {
		s, ok := r[role]
		if !ok {
			return nil, fmt.Errorf("there is no role %q (roles: %s)", role, strings.Join(slices.Sorted(maps.Keys(r)), ", "))
		}
		for _, x := range s {
			add(x)
		}
	}
	for _, x := range extra {
		add(x)
	}
	return out, nil
}

// Writes reports whether scope allows changing data: admin, or an action
// above read (write, approve, file). The host's Billy service lets a call
// write only when its tool declares such a scope (see hostsvc).
func Writes(scope string) bool {
	if scope == Admin || scope == All {
		return true
	}
	_, a := split(scope)
	return a == "write" || a == "approve" || a == "file"
}

// Action returns scope's action: read, write, approve or file ("" for
// admin, metrics and anything without one).
func Action(scope string) string {
	_, a := split(scope)
	return a
}
