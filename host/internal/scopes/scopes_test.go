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

func TestNewRoleSet(t *testing.T) {
	set, err := NewRoleSet(map[string][]string{"read-only": {"invoices:read"}, "auditor": {"audit:read", "billy:read"}})
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		role string
		want []string
		ok   bool
	}{
		{"read-only", []string{"invoices:read"}, true},
		{"auditor", []string{"audit:read", "billy:read"}, true},
		{"admin", []string{"admin"}, true},
		{"owner", nil, false},
	}
	for _, tt := range tests {
		got, ok := set.Scopes(tt.role)
		if ok != tt.ok {
			t.Errorf("%s: exists = %v", tt.role, ok)
		}
		if diff := cmp.Diff(tt.want, got); diff != "" {
			t.Errorf("%s: %s", tt.role, diff)
		}
	}
	// The built-in set itself is left alone.
	if ro, _ := ForRole("read-only"); !cmp.Equal(ro, []string{BillyRead}) {
		t.Errorf("the built-in read-only role changed: %v", ro)
	}
}

func TestNewRoleSetRefusesTypos(t *testing.T) {
	for name, overrides := range map[string]map[string][]string{
		"bad scope":     {"clerk": {"invoices:delete"}},
		"bad role name": {"Clerk": {"invoices:read"}},
		"empty scope":   {"clerk": {""}},
	} {
		if _, err := NewRoleSet(overrides); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}

func TestExpand(t *testing.T) {
	set, _ := NewRoleSet(nil)
	got, err := set.Expand([]string{"bookkeeper", "accountant"}, []string{"metrics", "billy:write"})
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"billy:write", "billy:approve", "moms:file", "audit:read", "metrics"}, got); diff != "" {
		t.Error(diff)
	}
	if _, err := set.Expand([]string{"owner"}, nil); err == nil {
		t.Error("an unknown role expanded")
	}
}

func TestWrites(t *testing.T) {
	for s, want := range map[string]bool{"invoices:read": false, "moms:read": false, "billy:read": false, "metrics": false, "audit:read": false,
		"invoices:write": true, "payments:approve": true, "moms:file": true, "admin": true, "*": true} {
		if Writes(s) != want {
			t.Errorf("Writes(%q) = %v", s, !want)
		}
	}
}
