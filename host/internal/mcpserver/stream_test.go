package mcpserver

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/google/go-cmp/cmp"
)

const (
	progress = `{"jsonrpc":"2.0","method":"notifications/progress","params":{"progress":1,"progressToken":"t"}}`
	response = `{"jsonrpc":"2.0","id":1,"result":{"content":[]}}`
)

func event(data string) string { return "event: message\ndata: " + data + "\n\n" }

// mcp-go answering with plain JSON, as it does when it has no notification
// of its own to send.
func writeJSON(s *requestStream) {
	s.Header().Set("Content-Type", "application/json")
	s.WriteHeader(http.StatusOK)
	_, _ = s.Write([]byte(response + "\n"))
}

func TestRequestStream(t *testing.T) {
	tests := []struct {
		name     string
		run      func(t *testing.T, s *requestStream)
		wantType string
		wantBody string
	}{
		{"no notification: mcp-go's JSON passes through", func(t *testing.T, s *requestStream) {
			writeJSON(s)
		}, "application/json", response + "\n"},
		{"a notification first: the response becomes the stream's last event", func(t *testing.T, s *requestStream) {
			if err := s.Notify([]byte(progress)); err != nil {
				t.Fatal(err)
			}
			writeJSON(s)
		}, "text/event-stream", event(progress) + event(response)},
		{"mcp-go streams itself: our events go between its own", func(t *testing.T, s *requestStream) {
			s.Header().Set("Content-Type", "text/event-stream")
			s.WriteHeader(http.StatusOK)
			_, _ = s.Write([]byte(event(`{"jsonrpc":"2.0","id":7,"method":"elicitation/create"}`)))
			if err := s.Notify([]byte(progress)); err != nil {
				t.Fatal(err)
			}
			_, _ = s.Write([]byte(event(response)))
		}, "text/event-stream", event(`{"jsonrpc":"2.0","id":7,"method":"elicitation/create"}`) + event(progress) + event(response)},
		{"a notification after a JSON answer is refused", func(t *testing.T, s *requestStream) {
			writeJSON(s)
			if err := s.Notify([]byte(progress)); !errors.Is(err, errStreamIsJSON) {
				t.Errorf("Notify after JSON: %v", err)
			}
		}, "application/json", response + "\n"},
		{"a notification after the request is dropped", func(t *testing.T, s *requestStream) {
			writeJSON(s)
			s.close()
			if err := s.Notify([]byte(progress)); !errors.Is(err, errStreamClosed) {
				t.Errorf("Notify after close: %v", err)
			}
		}, "application/json", response + "\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := httptest.NewRecorder()
			s := newRequestStream(rec)
			tt.run(t, s)
			if got := rec.Header().Get("Content-Type"); got != tt.wantType {
				t.Errorf("Content-Type %q, want %q", got, tt.wantType)
			}
			if rec.Code != http.StatusOK {
				t.Errorf("status %d", rec.Code)
			}
			if diff := cmp.Diff(tt.wantBody, rec.Body.String()); diff != "" {
				t.Errorf("body (-want +got):\n%s", diff)
			}
		})
	}
}

// A writer that cannot flush cannot stream: notifications take the session's
// way, as mcp-go's own do.
func TestRequestStreamWithoutFlusher(t *testing.T) {
	s := newRequestStream(struct{ http.ResponseWriter }{httptest.NewRecorder()})
	if s.canStream() {
		t.Error("a writer without Flush claims to stream")
	}
}
