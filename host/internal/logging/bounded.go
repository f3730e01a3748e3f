package logging

import (
	"encoding/json"
	"io"
	"strconv"
	"sync"
)

// MaxLineBytes bounds one log line: a value a client chose (a tool name,
// a path, an error text) cannot make the host write megabytes per line.
const MaxLineBytes = 16 << 10

// Bounded returns a writer for hclog's output that keeps every entry on
// one line of at most max bytes. hclog hands each entry over in one Write;
// an entry with a line break inside (a text-format value with a newline,
// which could otherwise forge a line that reads as another entry) has its
// control characters escaped, and an entry longer than max is cut: in JSON
// format it is replaced by a valid JSON line holding its start, so a log
// collector never sees a broken object.
func Bounded(w io.Writer, max int, jsonFormat bool) io.Writer {
	if max <= 0 {
		max = MaxLineBytes
	}
	return &bounded{w: w, max: max, json: jsonFormat}
}

type bounded struct {
	mu   sync.Mutex
	w    io.Writer
	max  int
	json bool
}

func (b *bounded) Write(p []byte) (int, error) {
	n := len(p)
	body := p
	if len(body) > 0 && body[len(body)-1] == '\n' {
		body = body[:len(body)-1]
	}
	out := escapeControls(body)
	if len(out) > b.max {
		if b.json {
			head, _ := json.Marshal(string(out[:b.max/4]))
			out = []byte(`{"@level":"warn","@message":"log entry too long; cut","@module":"billy-mcp.logging","bytes":` +
				strconv.Itoa(len(out)) + `,"head":` + string(head) + `}`)
		} else {
			out = append(out[:b.max-40:b.max-40], []byte(" …[cut: "+strconv.Itoa(len(body))+" bytes]")...)
		}
	}
	out = append(out, '\n')
	b.mu.Lock()
	defer b.mu.Unlock()
	if _, err := b.w.Write(out); err != nil {
		return 0, err
	}
	return n, nil
}

// escapeControls writes control characters (line breaks included) as
// \n, \r, \t or \xNN, returning body itself when it holds none.
func escapeControls(body []byte) []byte {
	clean := true
	for _, c := range body {
		if c < ' ' || c == 0x7f {
			clean = false
			break
		}
	}
	if clean {
		return body
	}
	out := make([]byte, 0, len(body)+16)
	const hex = "0123456789abcdef"
	for _, c := range body {
		switch {
		case c == '\n':
			out = append(out, '\\', 'n')
		case c == '\r':
			out = append(out, '\\', 'r')
		case c == '\t':
			out = append(out, '\\', 't')
		case c < ' ' || c == 0x7f:
			out = append(out, '\\', 'x', hex[c>>4], hex[c&15])
		default:
			out = append(out, c)
		}
	}
	return out
}
