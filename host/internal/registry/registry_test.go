package registry

import (
	"errors"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func names(ts []*Tool) []string {
	var out []string
	for _, t := range ts {
		out = append(out, t.Name+"@"+t.Plugin)
	}
	return out
}

func TestRegisterAndAvailability(t *testing.T) {
	r := New()
	changes := 0
	r.OnChange(func() { changes++ })
	if err := r.Register("invoices", &Catalog{Tools: []*Tool{{Name: "list_invoices"}, {Name: "get_invoice"}}}); err != nil {
		t.Fatal(err)
	}
	if err := r.Register("moms", &Catalog{Tools: []*Tool{{Name: "calculate_vat"}}}); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"calculate_vat@moms", "get_invoice@invoices", "list_invoices@invoices"}, names(r.Tools(true))); diff != "" {
		t.Errorf("tools (-want +got):\n%s", diff)
	}
	r.SetAvailable("invoices", false)
	r.SetAvailable("invoices", false) // no change, no notification
	if diff := cmp.Diff([]string{"calculate_vat@moms"}, names(r.Tools(true))); diff != "" {
		t.Errorf("available tools (-want +got):\n%s", diff)
	}
	if tool, ok := r.Tool("get_invoice"); !ok || tool.Plugin != "invoices" {
		t.Errorf("an unavailable plugin's tools stay known, got %v %v", tool, ok)
	}
	if changes != 3 {
		t.Errorf("changes = %d, want 3 (two registrations, one availability change)", changes)
	}
}

func TestDuplicateNamesBothPlugins(t *testing.T) {
	r := New()
	if err := r.Register("invoices", &Catalog{Tools: []*Tool{{Name: "list_invoices"}}}); err != nil {
		t.Fatal(err)
	}
	err := r.Register("thirdparty", &Catalog{Tools: []*Tool{{Name: "other"}, {Name: "list_invoices"}}})
	var dup *DuplicateError
	if !errors.As(err, &dup) {
		t.Fatalf("want DuplicateError, got %v", err)
	}
	for _, want := range []string{`"list_invoices"`, `"invoices"`, `"thirdparty"`} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not name %s", err, want)
		}
	}
	if _, ok := r.Tool("other"); ok {
		t.Error("a refused catalog must not be partly registered")
	}
}

func TestReRegisterReplaces(t *testing.T) {
	r := New()
	_ = r.Register("p", &Catalog{Tools: []*Tool{{Name: "a"}, {Name: "b"}}})
	if err := r.Register("p", &Catalog{Tools: []*Tool{{Name: "b"}, {Name: "c"}}}); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"b@p", "c@p"}, names(r.Tools(false))); diff != "" {
		t.Errorf("tools (-want +got):\n%s", diff)
	}
}
