package mcpserver

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"io"
	"sync"
)

// A stdio host used to read stdin only once its plugins were up (0.7 s or
// more with five plugins, longer on a loaded machine), so a client's first
// request waited that long. Some clients give up sooner: the AI SDK's MCP
// client waits 1 s for server/discover, falls back to initialize, and then
// fails on the late answer to its first request. HoldUntil lets the
// handshake through at once and holds everything else until the plugins
// are up, so a client never sees a tool list without them.

// While the plugins register, and for a moment after (availability is
// announced after a short debounce), the server tells its sessions that
// the tool, resource and prompt lists changed. A client that has not been
// given a list yet learns nothing from that, and some clients fail on it
// (the AI SDK's MCP client at 2026-07-28: "Unsupported message type"). So
// QuietUntil drops those notifications until the client has been sent its
// first list.

// handshake are the messages answered before the plugins are up: they do
// not touch the tool registry.
var handshake = map[string]bool{
	"initialize":                true,
	"notifications/initialized": true,
	"server/discover":           true,
	"ping":                      true,
}

// HoldUntil reads newline-delimited JSON-RPC messages from in and passes
// them on, the handshake at once, and from the first other message on
// everything only after ready is closed (in order: a held message holds
// those behind it). ctx ending while a message is held ends the reader
// with ctx's error; in's end (or error) ends it after what was passed.
func HoldUntil(ctx context.Context, in io.Reader, ready <-chan struct{}) io.Reader {
	pr, pw := io.Pipe()
	go func() {
		br := bufio.NewReader(in)
		open := false
		for {
			line, err := br.ReadBytes('\n')
			if len(line) > 0 {
				if !open && !isHandshake(line) {
					select {
					case <-ready:
						open = true
					case <-ctx.Done():
						pw.CloseWithError(ctx.Err())
						return
					}
				}
				if _, werr := pw.Write(line); werr != nil {
					return
				}
			}
			if err != nil {
				pw.CloseWithError(err) // io.EOF: the reader sees a clean end
				return
			}
		}
	}()
	return pr
}

// QuietUntil returns a writer to out that drops the list_changed
// notifications written before the first answer carrying a list (tools,
// resources, resource templates or prompts), and passes everything else,
// and everything after that answer, unchanged, one whole message at a
// time.
func QuietUntil(out io.Writer) io.Writer {
	return &quietWriter{out: out}
}

type quietWriter struct {
	mu   sync.Mutex
	out  io.Writer
	open bool   // a list was sent
	buf  []byte // a message not yet ended by its newline
}

func (w *quietWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.open && len(w.buf) == 0 {
		return w.out.Write(p)
	}
	w.buf = append(w.buf, p...)
	for {
		i := bytes.IndexByte(w.buf, '\n')
		if i < 0 {
			return len(p), nil
		}
		line := w.buf[:i+1]
		switch {
		case w.open:
		case isListChanged(line):
			line = nil
		case isListAnswer(line):
			w.open = true
		}
		if line != nil {
			if _, err := w.out.Write(line); err != nil {
				return 0, err
			}
		}
		w.buf = w.buf[i+1:]
		if len(w.buf) == 0 {
			w.buf = nil
			return len(p), nil
		}
	}
}

// isListAnswer reports whether line answers a request with a list.
func isListAnswer(line []byte) bool {
	var env struct {
		Result map[string]json.RawMessage `json:"result"`
	}
	if json.Unmarshal(line, &env) != nil {
		return false
	}
	for _, k := range []string{"tools", "resources", "resourceTemplates", "prompts"} {
		if _, ok := env.Result[k]; ok {
			return true
		}
	}
	return false
}

// isListChanged reports whether line is a notification that a list of
// tools, resources or prompts changed.
func isListChanged(line []byte) bool {
	var env struct {
		Method string `json:"method"`
		ID     any    `json:"id"`
	}
	return json.Unmarshal(line, &env) == nil && env.ID == nil && listChanged[env.Method]
}

var listChanged = map[string]bool{
	"notifications/tools/list_changed":     true,
	"notifications/resources/list_changed": true,
	"notifications/prompts/list_changed":   true,
}

// isHandshake reports whether line is one handshake message (a batch,
// or a line that is not JSON, is not).
func isHandshake(line []byte) bool {
	var env struct {
		Method string `json:"method"`
	}
	return json.Unmarshal(line, &env) == nil && handshake[env.Method]
}
