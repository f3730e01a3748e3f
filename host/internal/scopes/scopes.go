package scopes

import (
	"slices"
	"strings"
)

// Scopes with a meaning of their own.
const (
	// Admin satisfies every scope.
	Admin = "admin"
	// All is v1's spelling of Admin (MCP_API_KEY held "*").
	All = "*"
	// Metrics reads /metrics and the detailed /health.
	Metrics = "metrics"
	// AuditRead reads the audit log.
	AuditRead = "audit:read"

	BillyRead    = "billy:read"
	BillyWrite   = "billy:write"
	BillyApprove = "billy:approve"
	MomsRead     = "moms:read"
	MomsFile     = "moms:file"
)

// BillyResources are the resources billy:<action> covers: the books in
// Billy that the plugins read and write.
var BillyResources = []string{"invoices", "customers", "products", "payments", "organization", "reference", "moms", "reports"}

// actions ranks the actions that imply each other on one resource.
var actions = map[string]int{"read": 1, "write": 2, "approve": 3}

// Roles name scope sets an operator gives principals in config.
var Roles = map[string][]string{
	"read-only":  {BillyRead},
	"bookkeeper": {BillyWrite},
	"accountant": {BillyApprove, MomsFile, AuditRead},
	"admin":      {Admin},
}

// ForRole returns the scopes of a role, and whether it exists.
func ForRole(role string) ([]string, bool) {
	s, ok := Roles[role]
	return slices.Clone(s), ok
}

func split(s string) (resource, action string) {
	r, a, ok := strings.Cut(s, ":")
	if !ok {
		return s, ""
	}
	return r, a
}

// Satisfies reports whether holding granted allows what needed guards.
func Satisfies(granted, needed string) bool {
	if granted == needed || granted == Admin || granted == All {
		return true
	}
	gr, ga := split(granted)
	nr, na := split(needed)
	gRank, gOK := actions[ga]
	nRank, nOK := actions[na]
	switch {
	case ga == "file" && na == "read":
		// moms:file satisfies moms:read.
		return gr == nr
	case !gOK || !nOK:
		return false
	case gr == nr:
		return gRank >= nRank
	case gr == "billy" && slices.Contains(BillyResources, nr):
		return gRank >= nRank
	}
	return false
}

// Has reports whether the granted scopes allow what needed guards.
func Has(granted []string, needed string) bool {
	for _, g := range granted {
		if Satisfies(g, needed) {
			return true
		}
	}
	return false
}

// Missing lists the needed scopes that granted does not allow, in order:
// what a 403 challenge names, all at once.
func Missing(granted, needed []string) []string {
	var out []string
	for _, n := range needed {
		if !Has(granted, n) {
			out = append(out, n)
		}
	}
	return out
}

// Valid reports whether s is a scope of the vocabulary's shape: admin, *,
// metrics, or resource:action with lower-case letters, digits and - in the
// resource, and an action of read, write, approve or file.
func Valid(s string) bool {
	switch s {
	case Admin, All, Metrics:
		return true
	}
	r, a, ok := strings.Cut(s, ":")
	if !ok || r == "" {
		return false
	}
	for _, c := range r {
		if (c < 'a' || c > 'z') && (c < '0' || c > '9') && c != '-' && c != '_' {
			return false
		}
	}
	_, known := actions[a]
	return known || a == "file"
}
