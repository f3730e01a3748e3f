package httpjson

import (
	"math"
	"net/http/httptest"
	"strconv"
	"testing"

	"github.com/billy-mcp/billy-mcp/host/internal/testkit"
	"github.com/billy-mcp/billy-mcp/proto/errmodel"
	"github.com/google/go-cmp/cmp"
)

func TestErrorRetryAfter(t *testing.T) {
	e := errmodel.New(errmodel.RateLimited, "slow_down", "wait")
	e.RetryAfterSeconds = 7
	rec := httptest.NewRecorder()
	Error(rec, e)
	body := testkit.Decode(t, rec)
	got := []any{strconv.Itoa(rec.Code), rec.Header().Get("Retry-After"), rec.Header().Get("Content-Type"), testkit.Pick(body, "error.code"), body["success"]}
	if diff := cmp.Diff([]any{"429", "7", "application/json", "slow_down", false}, got); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}

// A value that cannot be encoded answers 500 with the error model, never a
// 200 with an empty body.
func TestWriteUnencodable(t *testing.T) {
	rec := httptest.NewRecorder()
	Write(rec, 200, map[string]any{"x": math.Inf(1)})
	if rec.Code != 500 || testkit.Pick(testkit.Decode(t, rec), "error.code") != "encoding_failed" {
		t.Errorf("%d %s", rec.Code, rec.Body.String())
	}
}
