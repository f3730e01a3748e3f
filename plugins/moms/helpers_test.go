package moms

import (
	"errors"
	"testing"
	"time"

	"github.com/billy-mcp/billy-mcp/sdk"
)

// wantFieldError fails unless err is a validation error naming field.
func wantFieldError(t *testing.T, err error, field string) {
	t.Helper()
	var e *sdk.Error
	if !errors.As(err, &e) || e.Category != sdk.CategoryValidation || len(e.Fields) == 0 || e.Fields[0].Field != field {
		t.Fatalf("want a validation error naming %q, got %#v", field, err)
	}
}

func mustDate(t *testing.T, s string) time.Time {
	t.Helper()
	d, err := time.Parse(time.DateOnly, s)
	if err != nil {
		t.Fatal(err)
	}
	return d
}
