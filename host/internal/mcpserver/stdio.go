package mcpserver

import (
	"bufio"
	"context"
	"encoding/json"
	"io"
)

// A stdio host used to read stdin only once its plugins were up (0.7 s or
// more with five plugins, longer on a loaded machine), so a client's first
// request waited that long. Some clients give up sooner: the AI SDK's MCP
// client waits 1 s for server/discover, falls back to initialize, and then
// fails on the late answer to its first request. HoldUntil lets the
// handshake through at once and holds everything else until the plugins
// are up, so a client never sees a tool list without them.

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

// isHandshake reports whether line is one handshake message (a batch,
// or a line that is not JSON, is not).
func isHandshake(line []byte) bool {
	var env struct {
		Method string `json:"method"`
	}
	return json.Unmarshal(line, &env) == nil && handshake[env.Method]
}
