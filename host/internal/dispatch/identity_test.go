package dispatch

import (
	"context"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestIdentity(t *testing.T) {
	caller := Caller{Subject: "key:1", OrganizationID: "org", Scopes: []string{"*"}, Transport: "mcp-stdio"}
	ctx := context.Background()
	if diff := cmp.Diff(Caller{}, CallerFrom(ctx)); diff != "" {
		t.Errorf("empty context has a caller: %s", diff)
	}
	if CorrelationIDFrom(ctx) != "" {
		t.Error("empty context has a correlation ID")
	}
	ctx = WithCorrelationID(ctx, "corr-1")
	if diff := cmp.Diff(Caller{}, CallerFrom(ctx)); diff != "" {
		t.Errorf("a correlation ID made a caller: %s", diff)
	}
	ctx = WithCaller(ctx, caller)
	got := []any{CallerFrom(ctx), CorrelationIDFrom(ctx)}
	if diff := cmp.Diff([]any{caller, "corr-1"}, got); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
	// Inner values win.
	inner := WithCorrelationID(WithCaller(ctx, Caller{Subject: "other"}), "corr-2")
	if CallerFrom(inner).Subject != "other" || CorrelationIDFrom(inner) != "corr-2" || CallerFrom(ctx).Subject != "key:1" {
		t.Error("context values leak between parent and child")
	}
}
