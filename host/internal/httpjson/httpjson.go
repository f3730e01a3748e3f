package httpjson

import (
	"encoding/json"
	"net/http"
	"strconv"

	"github.com/billy-mcp/billy-mcp/proto/errmodel"
)

// Write encodes v before writing the status, so a value that cannot be
// encoded gives a 500 rather than a 200 with an empty body.
func Write(w http.ResponseWriter, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		status = http.StatusInternalServerError
		b, _ = json.Marshal(map[string]any{"success": false,
			"error": errmodel.New(errmodel.Internal, "encoding_failed", "the answer could not be encoded as JSON")})
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = w.Write(append(b, '\n'))
}

// Error writes the error model with its category's status and, for a
// retryable error with a hint, Retry-After.
func Error(w http.ResponseWriter, e *errmodel.Error) {
	if e.RetryAfterSeconds > 0 {
		w.Header().Set("Retry-After", strconv.Itoa(e.RetryAfterSeconds))
	}
	Write(w, e.Category.HTTPStatus(), map[string]any{"success": false, "error": e})
}
