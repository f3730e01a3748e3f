package sandbox

import (
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// Reads: one record under its singular name, a list under the plural, meta
// with statusCode, success and time, and paging on lists (billy-api.md §2.1,
// §4.1).
func TestEnvelope(t *testing.T) {
	sb := newSandbox(t, Options{})
	id := sb.firstID("/v2/contacts?pageSize=1", "contacts")

	one := sb.do("GET", "/v2/contacts/"+id, nil).ok(t)
	if str(one.obj("contact"), "id") != id {
		t.Fatalf("GET one: no contact root: %s", one.raw)
	}
	m := one.meta()
	if m["statusCode"] != float64(200) || m["success"] != true {
		t.Errorf("meta = %v", m)
	}
	if _, ok := m["time"].(float64); !ok {
		t.Errorf("meta.time missing: %v", m)
	}
	if _, ok := m["paging"]; ok {
		t.Errorf("a single record has no paging: %v", m)
	}
	// Has-many relations are left out unless included.
	if _, ok := one.obj("contact")["contactPersons"]; ok {
		t.Errorf("contactPersons present without include")
	}
	// Nullable fields are null, not missing.
	if v, ok := one.obj("contact")["cityId"]; !ok || v != nil {
		t.Errorf("cityId = %v, %v; want present and null", v, ok)
	}
}

func TestPagingMeta(t *testing.T) {
	sb := newSandbox(t, Options{})
	total := len(sb.do("GET", "/v2/invoices", nil).ok(t).list("invoices"))
	if total < 20 {
		t.Fatalf("only %d invoices", total)
	}
	pageCount := (total + 9) / 10
	base := sb.srv.URL + "/v2/invoices"
	tests := []struct {
		name  string
		query string
		n     int
		want  map[string]any
	}{
		{"first page", "?pageSize=10", 10, map[string]any{
			"page": 1.0, "pageCount": float64(pageCount), "pageSize": 10.0, "total": float64(total),
			"firstUrl": base + "?pageSize=10", "previousUrl": nil, "nextUrl": base + "?page=2&pageSize=10",
			"lastUrl": base + "?page=" + itoa(pageCount) + "&pageSize=10"}},
		{"second page keeps other parameters", "?pageSize=10&page=2&state=approved", 10, nil},
		{"last page", "?pageSize=10&page=" + itoa(pageCount), total - 10*(pageCount-1), map[string]any{
			"page": float64(pageCount), "pageCount": float64(pageCount), "pageSize": 10.0, "total": float64(total),
			"firstUrl": base + "?pageSize=10", "previousUrl": base + "?page=" + itoa(pageCount-1) + "&pageSize=10",
			"nextUrl": nil, "lastUrl": base + "?page=" + itoa(pageCount) + "&pageSize=10"}},
		{"past the end", "?pageSize=10&page=999", 0, nil},
		{"default page size is 1000", "", total, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := sb.do("GET", "/v2/invoices"+tt.query, nil).ok(t)
			if n := len(r.list("invoices")); n != tt.n {
				t.Errorf("%d invoices, want %d", n, tt.n)
			}
			if tt.want != nil {
				if diff := cmp.Diff(tt.want, r.paging()); diff != "" {
					t.Errorf("paging (-want +got):\n%s", diff)
				}
			}
			if p := r.paging(); p["total"] == nil || p["pageCount"] == nil {
				t.Errorf("paging incomplete: %v", p)
			}
		})
	}
	second := sb.do("GET", "/v2/invoices?pageSize=10&page=2&state=approved", nil).ok(t).paging()
	if next := str(second, "nextUrl"); !strings.Contains(next, "page=3") || !strings.Contains(next, "state=approved") {
		t.Errorf("nextUrl %q lost the filter or the page", next)
	}
	for _, q := range []string{"pageSize=1001", "pageSize=0", "page=0", "page=x"} {
		if r := sb.do("GET", "/v2/invoices?"+q, nil); r.status != 400 {
			t.Errorf("%s: status %d, want 400", q, r.status)
		}
	}
}

func itoa(n int) string { return strconv.Itoa(n) }

// include: sideload (default) puts related records under their plural
// root; embed nests them; has-many sideload adds "<relation>Ids" (§3).
func TestInclude(t *testing.T) {
	sb := newSandbox(t, Options{})
	path := "/v2/invoices?state=approved&pageSize=3"

	r := sb.do("GET", path+"&include=invoice.contact,invoice.lines:embed", nil).ok(t)
	invoices := r.list("invoices")
	contacts := r.list("contacts")
	if len(contacts) == 0 || len(contacts) > 3 {
		t.Fatalf("sideloaded %d contacts", len(contacts))
	}
	byID := map[string]bool{}
	for _, c := range contacts {
		byID[str(c, "id")] = true
	}
	for _, inv := range invoices {
		if !byID[str(inv, "contactId")] {
			t.Errorf("invoice %s: contact %s not sideloaded", inv["id"], inv["contactId"])
		}
		if _, ok := inv["contact"]; ok {
			t.Errorf("sideload must not embed")
		}
		lines, _ := inv["lines"].([]any)
		if len(lines) == 0 {
			t.Errorf("invoice %s: no embedded lines", inv["id"])
		}
	}

	r = sb.do("GET", path+"&include=invoice.contact:embed,contact.country:embed,invoice.lines:sideload", nil).ok(t)
	inv := r.list("invoices")[0]
	contact, _ := inv["contact"].(map[string]any)
	if str(contact, "id") != str(inv, "contactId") {
		t.Fatalf("contact not embedded: %v", inv["contact"])
	}
	if country, _ := contact["country"].(map[string]any); str(country, "id") != str(contact, "countryId") {
		t.Errorf("nested include contact.country:embed missing: %v", contact["country"])
	}
	lineIDs, _ := inv["lineIds"].([]any)
	if len(lineIDs) == 0 || len(r.list("invoiceLines")) == 0 {
		t.Errorf("has-many sideload: lineIds %v, %d invoiceLines", lineIDs, len(r.list("invoiceLines")))
	}
	for _, bad := range []string{"invoice.nope", "nope.lines", "invoice.lines:inline"} {
		if r := sb.do("GET", "/v2/invoices?include="+bad, nil); r.status != 400 {
			t.Errorf("include=%s: status %d, want 400", bad, r.status)
		}
	}
}
