package errmodel

import (
	"errors"
	"fmt"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestClientCapabilityMissing(t *testing.T) {
	tests := []struct {
		name string
		err  *Error
		want []string
	}{
		{name: "one", err: ClientCapabilityMissing("sampling"), want: []string{"sampling"}},
		{name: "several", err: ClientCapabilityMissing("elicitation", "io.modelcontextprotocol/tasks"),
			want: []string{"elicitation", "io.modelcontextprotocol/tasks"}},
		{name: "unnamed", err: ClientCapabilityMissing()},
		{name: "after the wire", err: FromWire(ToWire(ClientCapabilityMissing("roots"))), want: []string{"roots"}},
		{name: "another code", err: Invalid("x", FieldError{Field: "clientCapabilities.sampling"})},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if diff := cmp.Diff(tt.want, tt.err.MissingCapabilities()); diff != "" {
				t.Errorf("MissingCapabilities (-want +got):\n%s", diff)
			}
		})
	}
}

func TestIsMatchesTheCode(t *testing.T) {
	sentinel := &Error{Code: CodeClientCapabilityMissing, Category: Validation, Message: "generic"}
	tests := []struct {
		name   string
		err    error
		target error
		want   bool
	}{
		{"same code, other fields", ClientCapabilityMissing("sampling"), sentinel, true},
		{"wrapped", fmt.Errorf("asking: %w", ClientCapabilityMissing("roots")), sentinel, true},
		{"other code", InputRequired(), sentinel, false},
		{"empty code matches nothing", &Error{}, &Error{}, false},
		{"not an *Error", errors.New(CodeClientCapabilityMissing), sentinel, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := errors.Is(tt.err, tt.target); got != tt.want {
				t.Errorf("errors.Is = %v, want %v", got, tt.want)
			}
		})
	}
}
