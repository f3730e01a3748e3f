package e2e

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"mime"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"golang.org/x/tools/txtar"
)

// TestWireTranscripts replays recorded MCP sessions, one per spec revision,
// against the real host and compares every answer with the recording:
// testdata/transcripts/<revision>.txtar holds, per exchange, the request as
// sent ("NN name.request") and the answer as the wire carried it ("NN
// name.answer": status, content type, body), with what changes from run to
// run (times, dates in machine and Danish formats, correlation IDs, tokens,
// request states) replaced by placeholders. The requests are the script: edit them to change the
// session, then rewrite the answers with `go test ./e2e -run
// TestWireTranscripts -update` and read the diff.
//
// A request may use a value from an earlier answer's result, written as the
// string "$from:NN:path" (path dotted, list indexes as numbers), e.g. the ID
// of a draft invoice a list returned (structuredContent.invoices.0.id).
func TestWireTranscripts(t *testing.T) {
	files, err := filepath.Glob(filepath.Join("testdata", "transcripts", "*.txtar"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no transcripts: %v", err)
	}
	// The sandbox's history is pinned to one day, so the recorded IDs,
	// numbers and amounts are the same whatever day the test runs.
	h := startHost(t, "sandbox: {today: \"2026-11-27\"}\nwrites: {mode: confirm}\nplugins:\n  hello: {path: billy-mcp-plugin-hello}\n  invoices: {path: billy-mcp-plugin-invoices}\n")
	h.waitReady(20 * time.Second)
	for _, file := range files {
		rev := strings.TrimSuffix(filepath.Base(file), ".txtar")
		t.Run(rev, func(t *testing.T) { replay(t, h, file, rev) })
	}
}

func replay(t *testing.T, h *hostProc, file, rev string) {
	ar, err := txtar.ParseFile(file)
	if err != nil {
		t.Fatal(err)
	}
	modern := rev >= "2026-07-28"
	session := ""
	results := map[string]any{} // exchange number → the result of its answer
	var out []txtar.File
	for _, f := range ar.Files {
		name, isRequest := strings.CutSuffix(f.Name, ".request")
		if !isRequest {
			continue
		}
		num, _, _ := strings.Cut(name, " ")
		body := fromEarlier(t, string(f.Data), results)
		req, err := http.NewRequest(http.MethodPost, h.url("/mcp"), strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Accept", "application/json, text/event-stream")
		var msg struct {
			Method string `json:"method"`
			Params struct {
				Name string `json:"name"`
			} `json:"params"`
		}
		if err := json.Unmarshal([]byte(body), &msg); err != nil {
			t.Fatalf("%s: the request is not JSON: %v", f.Name, err)
		}
		switch {
		case modern:
			req.Header.Set("Mcp-Protocol-Version", rev)
			req.Header.Set("Mcp-Method", msg.Method)
			if msg.Params.Name != "" {
				req.Header.Set("Mcp-Name", msg.Params.Name)
			}
		case session != "":
			req.Header.Set("Mcp-Session-Id", session)
			req.Header.Set("Mcp-Protocol-Version", rev)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		raw, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if id := resp.Header.Get("Mcp-Session-Id"); id != "" {
			session = id
		}
		ctype, _, _ := mime.ParseMediaType(resp.Header.Get("Content-Type"))
		messages := wireMessages(ctype, raw)
		for _, m := range messages {
			if result, ok := m["result"].(map[string]any); ok {
				results[num] = result
			}
		}
		answer := fmt.Sprintf("HTTP %d %s\n", resp.StatusCode, ctype)
		for _, m := range messages {
			b, _ := json.MarshalIndent(m, "", "  ")
			answer += normalize(string(b)) + "\n"
		}
		out = append(out, f, txtar.File{Name: name + ".answer", Data: []byte(answer)})
	}
	got := txtar.Format(&txtar.Archive{Comment: ar.Comment, Files: out})
	if *update {
		if err := os.WriteFile(file, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, _ := os.ReadFile(file)
	if diff := cmp.Diff(string(want), string(got)); diff != "" {
		t.Errorf("%s: the wire changed (-recorded +now); if that is intended, run with -update and review:\n%s", file, diff)
	}
}

// wireMessages decodes a body: one JSON message, or the data of each SSE
// event in order.
func wireMessages(ctype string, raw []byte) []map[string]any {
	var out []map[string]any
	add := func(b []byte) {
		var m map[string]any
		if json.Unmarshal(b, &m) == nil {
			out = append(out, m)
		} else if len(bytes.TrimSpace(b)) > 0 {
			out = append(out, map[string]any{"unparsed": string(b)})
		}
	}
	if ctype != "text/event-stream" {
		add(raw)
		return out
	}
	for _, line := range strings.Split(string(raw), "\n") {
		if data, ok := strings.CutPrefix(line, "data: "); ok {
			add([]byte(data))
		}
	}
	return out
}

var (
	fromRef   = regexp.MustCompile(`"\$from:(\d+):([^"]+)"`)
	volatiles = []struct {
		re   *regexp.Regexp
		with string
	}{
		{regexp.MustCompile(`\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)?`), "<time>"},
		{regexp.MustCompile(`\b\d{4}-\d\d-\d\d\b`), "<date>"},
		// Texts for people carry dates in Danish (23. november 2026); the
		// sandbox's invoices are dated relative to today.
		{regexp.MustCompile(`\b\d{1,2}\. (januar|februar|marts|april|maj|juni|juli|august|september|oktober|november|december) \d{4}\b`), "<dato>"},
		{regexp.MustCompile(`("correlationId": )"[^"]*"`), `$1"<correlation>"`},
		{regexp.MustCompile(`("confirmation_token": )"[^"]*"`), `$1"<token>"`},
		{regexp.MustCompile(`("requestState": )"[^"]*"`), `$1"<state>"`},
		{regexp.MustCompile(`(correlation_id=)[0-9a-f]+`), `$1<correlation>`},
		{regexp.MustCompile(`(\\"correlationId\\":)\\"[^\\]*\\"`), `$1\"<correlation>\"`},
		{regexp.MustCompile(`(\\"confirmation_token\\":)\\"[^\\]*\\"`), `$1\"<token>\"`},
	}
)

func normalize(s string) string {
	for _, v := range volatiles {
		s = v.re.ReplaceAllString(s, v.with)
	}
	return s
}

// fromEarlier fills "$from:NN:path" references from earlier answers.
func fromEarlier(t *testing.T, body string, results map[string]any) string {
	return fromRef.ReplaceAllStringFunc(body, func(ref string) string {
		m := fromRef.FindStringSubmatch(ref)
		v := results[m[1]]
		for _, k := range strings.Split(m[2], ".") {
			switch c := v.(type) {
			case map[string]any:
				v = c[k]
			case []any:
				i, err := strconv.Atoi(k)
				if err != nil || i >= len(c) {
					v = nil
				} else {
					v = c[i]
				}
			default:
				v = nil
			}
		}
		if v == nil {
			t.Fatalf("%s: no such value in exchange %s's result", ref, m[1])
		}
		b, _ := json.Marshal(v)
		return string(b)
	})
}
