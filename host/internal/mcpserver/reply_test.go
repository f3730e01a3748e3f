package mcpserver

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/billy-mcp/billy-mcp/proto/errmodel"
	"github.com/google/go-cmp/cmp"
)

// A reply takes the place of mcp-go's response to the request, whatever
// shape that response went out in, and leaves the request's notifications
// alone.
func TestReplyRewritesTheResponse(t *testing.T) {
	errReply := &reply{err: &rpcError{Code: -32602, Message: "bad state"}}
	resultReply := &reply{result: json.RawMessage(`{"resultType":"task","taskId":"t1"}`)}
	const (
		wantErr    = `{"error":{"code":-32602,"message":"bad state"},"id":1,"jsonrpc":"2.0"}`
		wantResult = `{"id":1,"jsonrpc":"2.0","result":{"resultType":"task","taskId":"t1"}}`
	)
	tests := []struct {
		name       string
		reply      *reply
		run        func(t *testing.T, s *requestStream)
		wantStatus int
		wantBody   string
	}{
		{"an error instead of JSON: 400", errReply, func(t *testing.T, s *requestStream) { writeJSON(s) },
			http.StatusBadRequest, wantErr + "\n"},
		{"a result instead of JSON", resultReply, func(t *testing.T, s *requestStream) { writeJSON(s) },
			http.StatusOK, wantResult + "\n"},
		{"the last event of our stream", errReply, func(t *testing.T, s *requestStream) {
			if err := s.Notify([]byte(progress)); err != nil {
				t.Fatal(err)
			}
			writeJSON(s)
		}, http.StatusOK, event(progress) + event(wantErr)},
		{"the response event of mcp-go's stream", resultReply, func(t *testing.T, s *requestStream) {
			s.Header().Set("Content-Type", "text/event-stream")
			s.WriteHeader(http.StatusOK)
			_, _ = s.Write([]byte(event(progress)))
			_, _ = s.Write([]byte(event(response)))
		}, http.StatusOK, event(progress) + event(wantResult)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := httptest.NewRecorder()
			s := newRequestStream(rec)
			s.reply.r = tt.reply
			tt.run(t, s)
			if rec.Code != tt.wantStatus {
				t.Errorf("status %d, want %d", rec.Code, tt.wantStatus)
			}
			if diff := cmp.Diff(tt.wantBody, rec.Body.String()); diff != "" {
				t.Errorf("body (-want +got):\n%s", diff)
			}
		})
	}
}

// -32021's data names what is missing as a ClientCapabilities object:
// capabilities by name, extensions under "extensions".
func TestMissingCapabilitiesData(t *testing.T) {
	tests := []struct {
		caps []string
		want string
	}{
		{[]string{"sampling"}, `{"sampling":{}}`},
		{[]string{"elicitation", "roots"}, `{"elicitation":{},"roots":{}}`},
		{[]string{taskExtension}, `{"extensions":{"io.modelcontextprotocol/tasks":{}}}`},
		{nil, `{}`},
	}
	for _, tt := range tests {
		e := missingCapabilities(errmodel.ClientCapabilityMissing(tt.caps...))
		if e.Code != -32021 || e.httpStatus() != http.StatusBadRequest {
			t.Errorf("%v: code %d, status %d", tt.caps, e.Code, e.httpStatus())
		}
		b, _ := json.Marshal(e.Data.(map[string]any)["requiredCapabilities"])
		if string(b) != tt.want {
			t.Errorf("%v: requiredCapabilities %s, want %s", tt.caps, b, tt.want)
		}
	}
}

// mcp-go's error for a read it has no handler for gets the URI as data;
// any other error, or a read of another request, is left as it is.
func TestReadNotFoundNamesTheURI(t *testing.T) {
	const uri = "test://nope"
	notFound := func(code int) string {
		return fmt.Sprintf(`{"jsonrpc":"2.0","id":3,"error":{"code":%d,"message":"handler not found for resource URI '%s': resource not found"}}`, code, uri)
	}
	tests := []struct {
		name    string
		readURI string
		body    string
		want    string // "" when left alone
	}{
		{"2026-07-28", uri, notFound(-32602), `{"jsonrpc":"2.0","id":3,"error":{"code":-32602,"message":"handler not found for resource URI 'test://nope': resource not found","data":{"uri":"test://nope"}}}`},
		{"2025-11-25", uri, notFound(-32002), `{"jsonrpc":"2.0","id":3,"error":{"code":-32002,"message":"handler not found for resource URI 'test://nope': resource not found","data":{"uri":"test://nope"}}}`},
		{"another error", uri, `{"jsonrpc":"2.0","id":3,"error":{"code":-32603,"message":"boom"}}`, ""},
		{"not a read", "", notFound(-32602), ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := &replySlot{readURI: tt.readURI}
			out, ok := s.amend([]byte(tt.body))
			if tt.want == "" {
				if ok {
					t.Errorf("amended: %s", out)
				}
				return
			}
			if !ok {
				t.Fatal("not amended")
			}
			var got, want any
			_ = json.Unmarshal(out, &got)
			_ = json.Unmarshal([]byte(tt.want), &want)
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}
