//lint:file-ignore SA1019 the tests build ToolErrors as plugins built before the category enum send them

package errmodel

import (
	"errors"
	"fmt"
	"net/http"
	"testing"

	pluginv1 "github.com/billy-mcp/billy-mcp/proto/plugin/v1"
	"github.com/google/go-cmp/cmp"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

// TestWireRoundTrip sends an error of every category, with every field set,
// through the wire form and the status form and expects it back unchanged.
func TestWireRoundTrip(t *testing.T) {
	for _, c := range Categories() {
		in := &Error{Code: "some_" + string(c), Category: c, Message: "what to do", Retryable: c.Retryable(),
			Fields:       []FieldError{{Field: "lines[0].unitPrice", Message: "must be positive"}, {Field: "dueDate", Message: "is not a date"}},
			UpstreamCode: "BILLY_CODE", RetryAfterSeconds: 7}
		if diff := cmp.Diff(in, FromWire(ToWire(in))); diff != "" {
			t.Errorf("%s through ToolError (-sent +received):\n%s", c, diff)
		}
		got, ok := FromStatus(ToStatus(in))
		if !ok {
			t.Fatalf("%s: FromStatus found no ToolError", c)
		}
		if diff := cmp.Diff(in, got); diff != "" {
			t.Errorf("%s through a gRPC status (-sent +received):\n%s", c, diff)
		}
	}
}

// TestLegacyCategory reads a ToolError from a plugin built before the enum:
// only the category string is set.
func TestLegacyCategory(t *testing.T) {
	for _, tt := range []struct {
		legacy string
		kind   pluginv1.ErrorCategory
		want   Category
	}{
		{"not_found", pluginv1.ErrorCategory_ERROR_CATEGORY_UNSPECIFIED, NotFound},
		{"rate_limited", pluginv1.ErrorCategory_ERROR_CATEGORY_UNSPECIFIED, RateLimited},
		{"made_up", pluginv1.ErrorCategory_ERROR_CATEGORY_UNSPECIFIED, Internal},
		{"", pluginv1.ErrorCategory_ERROR_CATEGORY_UNSPECIFIED, Internal},
		// The enum wins over a disagreeing string.
		{"not_found", pluginv1.ErrorCategory_ERROR_CATEGORY_CONFLICT, Conflict},
		{"", pluginv1.ErrorCategory(99), Internal},
	} {
		got := FromWire(&pluginv1.ToolError{Code: "x", Category: tt.legacy, Kind: tt.kind}).Category
		if got != tt.want {
			t.Errorf("category %q kind %v: got %s, want %s", tt.legacy, tt.kind, got, tt.want)
		}
	}
	if got := FromWire(&pluginv1.ToolError{}).Code; got != CodeInternal {
		t.Errorf("an empty code reads as %q, want %q", got, CodeInternal)
	}
	if got := FromWire(&pluginv1.ToolError{Kind: pluginv1.ErrorCategory_ERROR_CATEGORY_NOT_FOUND}).Code; got != "not_found" {
		t.Errorf("an empty code reads as %q, want the category's name", got)
	}
}

func TestHTTPStatus(t *testing.T) {
	want := map[Category]int{
		Validation: 400, NotFound: 404, Conflict: 409, Unauthorized: 401, Forbidden: 403,
		RateLimited: 429, UpstreamUnavailable: 503, Internal: 500, "made_up": 500,
	}
	got := map[Category]int{}
	for c := range want {
		got[c] = c.HTTPStatus()
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Error(diff)
	}
	if http.StatusText(Category("x").HTTPStatus()) == "" {
		t.Error("unknown category has no HTTP status")
	}
}

func TestFromMasksForeignErrors(t *testing.T) {
	secret := errors.New("dial tcp 10.1.2.3:5432: secret-db refused")
	e := From(fmt.Errorf("loading: %w", secret))
	if e.Category != Internal || e.Code != CodeInternal {
		t.Fatalf("From(foreign) = %+v, want an internal error", e)
	}
	if want := Masked().Message; e.Message != want {
		t.Errorf("message %q leaks or differs from %q", e.Message, want)
	}
	own := New(NotFound, "invoice_not_found", "no invoice %s", "inv-1")
	if got := From(fmt.Errorf("wrapped: %w", own)); got != own {
		t.Errorf("From lost a wrapped *Error: %+v", got)
	}
	if From(nil) != nil {
		t.Error("From(nil) is not nil")
	}
}

func TestFromStatusWithoutDetail(t *testing.T) {
	if _, ok := FromStatus(status.Error(codes.Unavailable, "connection refused")); ok {
		t.Error("a bare status was read as a ToolError")
	}
	if _, ok := FromStatus(errors.New("plain")); ok {
		t.Error("a plain error was read as a ToolError")
	}
}

func TestInvalidField(t *testing.T) {
	got := InvalidField("amount", "must be at most %d", 10)
	want := &Error{Code: CodeInvalidArguments, Category: Validation, Message: "invalid value for amount: must be at most 10",
		Fields: []FieldError{{Field: "amount", Message: "must be at most 10"}}}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Error(diff)
	}
	if got.Error() != "invalid_arguments: invalid value for amount: must be at most 10; amount: must be at most 10" {
		t.Errorf("Error() = %q", got.Error())
	}
}
func statusWith(t *testing.T, details ...*pluginv1.ToolError) error {
	t.Helper()
	st := status.New(codes.Unknown, "plugin said no")
	for _, d := range details {
		var err error
		if st, err = st.WithDetails(d); err != nil {
			t.Fatal(err)
		}
	}
	return st.Err()
}

// TestLegacyStatus reads the statuses plugins built before errors became
// data send: a ToolError detail carrying the category as a string.
func TestLegacyStatus(t *testing.T) {
	tests := []struct {
		name string
		err  error
		want *Error
	}{
		{name: "nil", err: nil},
		{name: "plain error", err: errors.New("boom")},
		{name: "status without details", err: status.Error(codes.Internal, "panic")},
		{name: "full detail", err: statusWith(t, &pluginv1.ToolError{
			Code: "billy_validation", Category: "validation", Message: "Billy refused the invoice", Retryable: false,
			Fields:       []*pluginv1.FieldViolation{{Field: "lines[0].unitPrice", Message: "must be positive"}, {Field: "contactId", Message: "is required"}},
			UpstreamCode: "VALIDATION_ERROR"}),
			want: &Error{Code: "billy_validation", Category: Validation, Message: "Billy refused the invoice",
				Fields:       []FieldError{{Field: "lines[0].unitPrice", Message: "must be positive"}, {Field: "contactId", Message: "is required"}},
				UpstreamCode: "VALIDATION_ERROR"}},
		{name: "retry hints kept", err: statusWith(t, &pluginv1.ToolError{Code: "billy_rate_limited", Category: "rate_limited", Message: "slow down", Retryable: true, RetryAfterSeconds: 30}),
			want: &Error{Code: "billy_rate_limited", Category: RateLimited, Message: "slow down", Retryable: true, RetryAfterSeconds: 30}},
		{name: "unknown category becomes internal", err: statusWith(t, &pluginv1.ToolError{Code: "weird", Category: "cosmic_rays", Message: "?"}),
			want: &Error{Code: "weird", Category: Internal, Message: "?"}},
		{name: "empty category becomes internal", err: statusWith(t, &pluginv1.ToolError{Code: "x", Message: "?"}),
			want: &Error{Code: "x", Category: Internal, Message: "?"}},
		{name: "empty code becomes the category", err: statusWith(t, &pluginv1.ToolError{Category: "not_found", Message: "no such invoice"}),
			want: &Error{Code: "not_found", Category: NotFound, Message: "no such invoice"}},
		{name: "empty code and unknown category", err: statusWith(t, &pluginv1.ToolError{Category: "??"}),
			want: &Error{Code: "internal", Category: Internal}},
		{name: "first of two details", err: statusWith(t, &pluginv1.ToolError{Code: "a", Category: "conflict"}, &pluginv1.ToolError{Code: "b", Category: "conflict"}),
			want: &Error{Code: "a", Category: Conflict}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := fromStatusOrNil(tt.err)
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}

// A ToolError after another kind of detail is still found.
func TestLegacyStatusSkipsOtherDetails(t *testing.T) {
	st, err := status.New(codes.Unknown, "x").WithDetails(&pluginv1.HealthResponse{Healthy: true}, &pluginv1.ToolError{Code: "c", Category: "forbidden"})
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(&Error{Code: "c", Category: Forbidden}, fromStatusOrNil(st.Err())); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}

func fromStatusOrNil(err error) *Error {
	e, _ := FromStatus(err)
	return e
}
