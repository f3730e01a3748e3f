package e2e

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"
)

// TestTextBounds: text that is not UTF-8, or longer than the host takes, is
// refused as a validation error naming the field, before it reaches a plugin
// (it used to be a 500 carrying gRPC's own words).
func TestTextBounds(t *testing.T) {
	h := startHost(t, "plugins:\n  hello: {path: billy-mcp-plugin-hello}\n")
	h.waitReady(15 * time.Second)
	for name, body := range map[string][]byte{
		"not UTF-8": []byte("{\"name\":\"A\xffda\"}"),
		"too long":  []byte(`{"name":"` + strings.Repeat("æ", 40000) + `"}`),
	} {
		resp, err := http.Post(h.url("/api/v1/tools/hello_greet"), "application/json", bytes.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		raw, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		var got struct {
			Error struct {
				Code, Category string
				Fields         []struct{ Field string }
			}
		}
		_ = json.Unmarshal(raw, &got)
		if resp.StatusCode != 400 || got.Error.Code != "invalid_arguments" || len(got.Error.Fields) != 1 || got.Error.Fields[0].Field != "name" {
			t.Errorf("%s: %d %s", name, resp.StatusCode, raw)
		}
	}
}
