package sandbox

import (
	"testing"

	"github.com/google/go-cmp/cmp"
)

// 422 answers carry Billy's envelope plus validationErrors keyed by record,
// each with a message and per-field attributes; belongs-to fields keep the
// Id suffix (billy-api.md §5.3).
func TestValidationErrors(t *testing.T) {
	sb := newSandbox(t, Options{})
	contactID := sb.firstID("/v2/contacts", "contacts")
	productID := sb.firstID("/v2/products", "products")
	type obj = map[string]any
	tests := []struct {
		name string
		path string
		body any
		want map[string]map[string]string // entry → field → message
	}{
		{
			name: "invoice without contact, date and lines",
			path: "/v2/invoices",
			body: obj{"invoice": obj{}},
			want: map[string]map[string]string{"invoice": {
				"contactId": "This field must not be blank.",
				"entryDate": "This field must not be blank.",
				"lines":     "An invoice must have at least one line.",
			}},
		},
		{
			name: "invoice line with an unknown product and a bad discount",
			path: "/v2/invoices",
			body: obj{"invoice": obj{"contactId": contactID, "entryDate": "2026-11-20", "lines": []any{
				obj{"productId": productID, "unitPrice": 100},
				obj{"productId": "nope", "unitPrice": 100, "discountMode": "half"},
			}}},
			want: map[string]map[string]string{
				"invoice": {},
				"invoice.lines[1]": {
					"productId":    "No record with this ID exists.",
					"discountMode": "This field must be one of: cash_discount, percentage_discount.",
				},
			},
		},
		{
			name: "wrong types and an unknown contact",
			path: "/v2/invoices",
			body: obj{"invoice": obj{"contactId": "nope", "entryDate": "26-11-2026", "paymentTermsDays": "soon",
				"lines": []any{obj{"productId": productID, "unitPrice": 1}}}},
			want: map[string]map[string]string{"invoice": {
				"contactId":        "No record with this ID exists.",
				"entryDate":        "This field must be a date (YYYY-MM-DD).",
				"paymentTermsDays": "This field must be a number.",
			}},
		},
		{
			name: "_clientId keys the entry",
			path: "/v2/contacts",
			body: obj{"contact": obj{"_clientId": "c1", "countryId": "XX"}},
			want: map[string]map[string]string{"c1": {
				"name":      "This field must not be blank.",
				"countryId": "No record with this ID exists.",
			}},
		},
		{
			name: "contact person with a phone",
			path: "/v2/contactPersons",
			body: obj{"contactPerson": obj{"contactId": contactID, "name": "A", "phone": "12345678"}},
			want: map[string]map[string]string{"contactPerson": {
				"phone": "Contact persons have no phone; set it on the contact.",
			}},
		},
		{
			name: "bank payment without essentials",
			path: "/v2/bankPayments",
			body: obj{"bankPayment": obj{"cashSide": "sideways"}},
			want: map[string]map[string]string{"bankPayment": {
				"entryDate":     "This field must not be blank.",
				"cashAmount":    "The amount must be greater than zero.",
				"cashSide":      "This field must be one of: debit, credit.",
				"cashAccountId": "This field must not be blank.",
				"associations":  "A payment must have at least one association.",
			}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := sb.do("POST", tt.path, tt.body)
			if r.status != 422 || r.errorCode() != "VALIDATION_FAILED" {
				t.Fatalf("status %d %q: %s", r.status, r.errorCode(), r.raw)
			}
			if r.meta()["success"] != false || r.meta()["statusCode"] != float64(422) {
				t.Errorf("meta %v", r.meta())
			}
			if str(r.body, "errorMessage") == "" || str(r.body, "helpUrl") == "" {
				t.Errorf("errorMessage or helpUrl missing: %s", r.raw)
			}
			got := map[string]map[string]string{}
			for key, e := range r.validation() {
				entry, _ := e.(map[string]any)
				got[key] = map[string]string{}
				attrs, _ := entry["attributes"].(map[string]any)
				for f, m := range attrs {
					got[key][f], _ = m.(string)
				}
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("validationErrors (-want +got):\n%s", diff)
			}
			if root, _ := r.validation()[firstKey(tt.want)].(map[string]any); firstKey(tt.want) != "" && str(root, "message") == "" {
				t.Errorf("the root entry has no message: %s", r.raw)
			}
		})
	}
}

func firstKey(m map[string]map[string]string) string {
	for _, k := range []string{"invoice", "contact", "c1", "contactPerson", "bankPayment"} {
		if _, ok := m[k]; ok {
			return k
		}
	}
	return ""
}

func TestBadBodies(t *testing.T) {
	sb := newSandbox(t, Options{})
	for _, body := range []string{`not json`, `{"contacts": {}}`, `{"contact": []}`} {
		r := sb.do("POST", "/v2/contacts", body)
		if r.status != 400 || r.errorCode() != "INVALID_REQUEST_BODY" {
			t.Errorf("%s: %d %q", body, r.status, r.errorCode())
		}
	}
	// Without credentials the missing token is reported first.
	if r := sb.do("POST", "/v2/contacts", `not json`, "X-Access-Token", ""); r.status != 401 {
		t.Errorf("unauthenticated bad body: %d", r.status)
	}
}
