package billy

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/billy-mcp/billy-mcp/proto/errmodel"
)

func TestClientErrorMapping(t *testing.T) {
	validation422 := `{"meta":{"statusCode":422,"success":false},
		"errorCode":"VALIDATION_FAILED","errorMessage":"Some fields are invalid.",
		"helpUrl":"https://www.billy.dk/support/",
		"validationErrors":{"invoice":{"message":"The invoice is invalid.",
			"attributes":{"entryDate":"This field must not be blank.","contactId":"This field must not be blank."}}}}`
	cases := []struct {
		name       string
		status     int
		body       string
		want       *errmodel.Error
		msgContain string
	}{
		{"422 with field errors", 422, validation422, &errmodel.Error{
			Code: CodeValidation, Category: errmodel.Validation, UpstreamCode: "VALIDATION_FAILED",
			Fields: []errmodel.FieldError{
				{Field: "invoice", Message: "The invoice is invalid."},
				{Field: "invoice.contactId", Message: "This field must not be blank."},
				{Field: "invoice.entryDate", Message: "This field must not be blank."},
			}}, "Some fields are invalid."},
		{"400", 400, `{"meta":{"statusCode":400,"success":false},"errorCode":"INVALID_REQUEST_BODY","errorMessage":"Bad JSON root."}`,
			&errmodel.Error{Code: CodeValidation, Category: errmodel.Validation, UpstreamCode: "INVALID_REQUEST_BODY"}, "Bad JSON root."},
		{"401", 401, `{"meta":{"statusCode":401,"success":false},"errorCode":"OAUTH_INVALID_ACCESS_TOKEN","errorMessage":"Invalid OAuth 2 access token."}`,
			&errmodel.Error{Code: CodeUnauthorized, Category: errmodel.Unauthorized, UpstreamCode: "OAUTH_INVALID_ACCESS_TOKEN"}, "the Billy access token was rejected"},
		{"403", 403, `{"errorCode":"FORBIDDEN","errorMessage":"Not on your plan."}`,
			&errmodel.Error{Code: CodeForbidden, Category: errmodel.Forbidden, UpstreamCode: "FORBIDDEN"}, "Not on your plan."},
		{"404 unknown resource", 404, `{"meta":{"statusCode":404,"success":false},"errorCode":"UNKNOWN_RESOURCE","errorMessage":"Unknown resource webhooks"}`,
			&errmodel.Error{Code: CodeNotFound, Category: errmodel.NotFound, UpstreamCode: "UNKNOWN_RESOURCE"}, "Unknown resource webhooks"},
		{"404 without body", 404, ``,
			&errmodel.Error{Code: CodeNotFound, Category: errmodel.NotFound}, "no such record"},
		{"405", 405, `{"errorCode":"METHOD_NOT_ALLOWED","errorMessage":"bankPayments does not support deleting records"}`,
			&errmodel.Error{Code: CodeMethodNotAllowed, Category: errmodel.Validation, UpstreamCode: "METHOD_NOT_ALLOWED"}, "does not support deleting"},
		{"409", 409, `{"errorCode":"CONFLICT","errorMessage":"Already approved."}`,
			&errmodel.Error{Code: CodeConflict, Category: errmodel.Conflict, UpstreamCode: "CONFLICT"}, "Already approved."},
		{"418 other 4xx", 418, `not json at all`,
			&errmodel.Error{Code: CodeRequestRejected, Category: errmodel.Validation}, "HTTP 418"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			s, srv := serve(t, step{status: tc.status, body: tc.body})
			g := newGateway(t, testOptions(srv.URL, newFakeClock()))
			for _, method := range []string{"GET", "POST"} {
				req := Request{Method: method, Path: "/invoices", CorrelationID: "c"}
				if method == "POST" {
					req.Body = []byte(`{"invoice":{}}`)
				}
				res, err := g.Do(context.Background(), req)
				if res != nil {
					t.Fatalf("%s: a %d answer was returned as a response", method, tc.status)
				}
				e := asAppErr(t, err)
				want := *tc.want
				want.CorrelationID = "c"
				if diff := cmp.Diff(&want, e, ignoreMessage); diff != "" {
					t.Errorf("%s (-want +got):\n%s", method, diff)
				}
				if !strings.Contains(e.Message, tc.msgContain) {
					t.Errorf("%s: message %q lacks %q", method, e.Message, tc.msgContain)
				}
			}
			if n := s.count.Load(); n != 2 {
				t.Errorf("4xx retried: %d requests for 2 calls", n)
			}
		})
	}
}

func TestParseBillyErrorVariants(t *testing.T) {
	cases := []struct {
		name string
		body string
		want billyError
	}{
		{"documented", `{"errorCode":"E","errorMessage":"m","validationErrors":{"contact":{"attributes":{"name":"blank"}}}}`,
			billyError{Code: "E", Message: "m", Fields: []errmodel.FieldError{{Field: "contact.name", Message: "blank"}}}},
		{"_clientId key and list messages", `{"errorCode":"E","validationErrors":{"ember123":{"message":"bad","attributes":{"lines":["one","two"],"x":{"message":"obj"}}}}}`,
			billyError{Code: "E", Fields: []errmodel.FieldError{{Field: "ember123", Message: "bad"}, {Field: "ember123.lines", Message: "one; two"}, {Field: "ember123.x", Message: "obj"}}}},
		{"flat record map", `{"validationErrors":{"invoice":{"contactId":"required"}}}`,
			billyError{Fields: []errmodel.FieldError{{Field: "invoice.contactId", Message: "required"}}}},
		{"record message only", `{"validationErrors":{"invoice":"is locked"}}`,
			billyError{Fields: []errmodel.FieldError{{Field: "invoice", Message: "is locked"}}}},
		{"array form", `{"code":"C","message":"msg","errors":[{"field":"a","message":"x"},{"attribute":"b","error":"y"},"loose"]}`,
			billyError{Code: "C", Message: "msg", Fields: []errmodel.FieldError{{Message: "loose"}, {Field: "a", Message: "x"}, {Field: "b", Message: "y"}}}},
		{"v1 error string", `{"success":false,"error":"Invalid thing","helpUrl":"x"}`, billyError{Message: "Invalid thing"}},
		{"nested error object", `{"error":{"code":"X","message":"y"}}`, billyError{Code: "X", Message: "y"}},
		{"html", `<html>Bad gateway</html>`, billyError{}},
		{"empty", ``, billyError{}},
		{"wrong types", `{"errorCode":5,"errorMessage":null,"validationErrors":7}`, billyError{}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if diff := cmp.Diff(tc.want, parseBillyError([]byte(tc.body))); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}

func TestParseRetryAfter(t *testing.T) {
	now := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	cases := []struct {
		value  string
		want   time.Duration
		wantOK bool
	}{
		{"", 0, false},
		{"0", 0, true},
		{"12", 12 * time.Second, true},
		{"0.25", 250 * time.Millisecond, true},
		{"-3", 0, false},
		{"soon", 0, false},
		{now.Add(90 * time.Second).Format(http.TimeFormat), 90 * time.Second, true},
		{now.Add(-time.Hour).Format(http.TimeFormat), 0, true},
	}
	for _, tc := range cases {
		h := http.Header{}
		if tc.value != "" {
			h.Set("Retry-After", tc.value)
		}
		got, ok := parseRetryAfter(h, now)
		if got != tc.want || ok != tc.wantOK {
			t.Errorf("Retry-After %q: got %s %v, want %s %v", tc.value, got, ok, tc.want, tc.wantOK)
		}
	}
}
