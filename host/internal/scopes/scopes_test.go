package scopes

import (
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestSatisfies(t *testing.T) {
	tests := []struct {
		granted, needed string
		want            bool
	}{
		{"invoices:read", "invoices:read", true},
		{"invoices:write", "invoices:read", true},
		{"invoices:read", "invoices:write", false},
		{"invoices:approve", "invoices:write", true},
		{"invoices:write", "invoices:approve", false},
		{"billy:read", "customers:read", true},
		{"billy:read", "customers:write", false},
		{"billy:write", "customers:write", true},
		{"billy:write", "invoices:approve", false},
		{"billy:approve", "invoices:approve", true},
		{"billy:approve", "payments:read", true},
		{"billy:approve", "moms:file", false},
		{"moms:file", "moms:read", true},
		{"moms:file", "invoices:read", false},
		{"billy:read", "moms:read", true},
		{"billy:write", "audit:read", false},
		{"billy:write", "other-plugin:write", false},
		{"customers:write", "invoices:write", false},
		{"admin", "moms:file", true},
		{"*", "audit:read", true},
		{"metrics", "billy:read", false},
		{"audit:read", "metrics", false},
		{"", "invoices:read", false},
	}
	for _, tt := range tests {
		if got := Satisfies(tt.granted, tt.needed); got != tt.want {
			t.Errorf("Satisfies(%q, %q) = %v, want %v", tt.granted, tt.needed, got, tt.want)
		}
	}
}

func TestMissingNamesEveryScope(t *testing.T) {
	got := Missing([]string{"billy:read"}, []string{"invoices:read", "invoices:approve", "moms:file"})
	if diff := cmp.Diff([]string{"invoices:approve", "moms:file"}, got); diff != "" {
		t.Error(diff)
	}
}

func TestRoles(t *testing.T) {
	for role, granted := range Roles {
		for _, s := range granted {
			if !Valid(s) {
				t.Errorf("role %s grants %q, not a valid scope", role, s)
			}
		}
	}
	acct, _ := ForRole("accountant")
	for _, need := range []string{"invoices:approve", "moms:file", "audit:read", "customers:read"} {
		if !Has(acct, need) {
			t.Errorf("an accountant cannot %s", need)
		}
	}
	ro, _ := ForRole("read-only")
	if Has(ro, "invoices:write") || !Has(ro, "invoices:read") {
		t.Error("read-only is not read-only")
	}
	if _, ok := ForRole("owner"); ok {
		t.Error("an unknown role exists")
	}
}

func TestValid(t *testing.T) {
	for s, want := range map[string]bool{"invoices:read": true, "moms:file": true, "admin": true, "*": true, "metrics": true,
		"invoices": false, ":read": false, "invoices:delete": false, "Invoices:read": false, "in voices:read": false} {
		if Valid(s) != want {
			t.Errorf("Valid(%q) = %v", s, !want)
		}
	}
}
