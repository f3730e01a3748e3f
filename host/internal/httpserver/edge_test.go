package httpserver

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"
)

// serveEdge serves h behind e on a loopback port until the test ends.
func serveEdge(t *testing.T, e *Edge, h http.Handler) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := e.Server(h)
	go func() { _ = srv.Serve(e.Listen(ln)) }()
	t.Cleanup(func() { _ = srv.Close() })
	return ln.Addr().String()
}

func get(t *testing.T, addr, path string) (int, error) {
	t.Helper()
	c := &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{DisableKeepAlives: true}}
	resp, err := c.Get("http://" + addr + path)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, resp.Body)
	return resp.StatusCode, nil
}

// TestConnectionFlood: far more idle connections than the cap, and
// requests whose bodies trickle in, still leave /health/live answering:
// the cap closes the longest-silent connection to make room.
func TestConnectionFlood(t *testing.T) {
	e := &Edge{ReadHeaderTimeout: time.Minute, ReadTimeout: time.Minute, IdleTimeout: time.Minute, MaxConnections: 32}
	mux := http.NewServeMux()
	mux.HandleFunc("/health/live", func(w http.ResponseWriter, _ *http.Request) { _, _ = io.WriteString(w, "live") })
	mux.HandleFunc("/upload", func(w http.ResponseWriter, r *http.Request) { _, _ = io.Copy(io.Discard, r.Body) })
	addr := serveEdge(t, e, mux)

	var conns []net.Conn
	t.Cleanup(func() {
		for _, c := range conns {
			_ = c.Close()
		}
	})
	for i := range 300 {
		c, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		conns = append(conns, c)
		if i%3 == 0 {
			// A slow body: headers promise 1 MB, one byte follows.
			fmt.Fprintf(c, "POST /upload HTTP/1.1\r\nHost: x\r\nContent-Length: 1000000\r\n\r\nx")
		}
	}
	for i := range 5 {
		code, err := get(t, addr, "/health/live")
		if err != nil || code != 200 {
			t.Fatalf("/health/live during the flood (try %d): %d %v", i, code, err)
		}
	}
	if n := e.Conns(); n > e.MaxConnections {
		t.Errorf("%d connections held, cap %d", n, e.MaxConnections)
	}
}

// TestSlowBodyCutOff: a body that does not arrive within ReadTimeout ends
// the request; an answer that takes longer than ReadTimeout, once the body
// is in, is not cut off.
func TestSlowBodyCutOff(t *testing.T) {
	e := &Edge{ReadHeaderTimeout: time.Minute, ReadTimeout: 200 * time.Millisecond, WriteTimeout: time.Minute}
	readErr := make(chan error, 1)
	mux := http.NewServeMux()
	mux.HandleFunc("/upload", func(w http.ResponseWriter, r *http.Request) {
		_, err := io.Copy(io.Discard, r.Body)
		readErr <- err
	})
	mux.HandleFunc("/slow", func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		select {
		case <-time.After(4 * e.ReadTimeout):
			_, _ = io.WriteString(w, "done")
		case <-r.Context().Done():
			// Cut off: the test sees no "done".
		}
	})
	addr := serveEdge(t, e, mux)

	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	fmt.Fprintf(c, "POST /upload HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\nx")
	select {
	case err := <-readErr:
		var ne net.Error
		if err == nil || !asNetTimeout(err, &ne) {
			t.Errorf("reading the trickled body: %v, want a timeout", err)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("the trickled body was never cut off")
	}

	resp, err := http.Post("http://"+addr+"/slow", "text/plain", strings.NewReader("body"))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(bufio.NewReader(resp.Body))
	if string(b) != "done" {
		t.Errorf("a long answer was cut off: %q", b)
	}
}

func asNetTimeout(err error, ne *net.Error) bool {
	for err != nil {
		if n, ok := err.(net.Error); ok && n.Timeout() {
			*ne = n
			return true
		}
		u, ok := err.(interface{ Unwrap() error })
		if !ok {
			return false
		}
		err = u.Unwrap()
	}
	return false
}
