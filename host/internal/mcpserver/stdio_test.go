package mcpserver

import (
	"bufio"
	"context"
	"errors"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// TestHoldUntil: the handshake passes before ready, the first other
// message (and everything after it, handshake or not) waits for ready, and
// the order is kept; in's end reaches the reader as EOF.
func TestHoldUntil(t *testing.T) {
	inR, inW := io.Pipe()
	ready := make(chan struct{})
	out := bufio.NewReader(HoldUntil(context.Background(), inR, ready))
	read := func() string {
		t.Helper()
		got := make(chan string, 1)
		go func() {
			l, _ := out.ReadString('\n')
			got <- l
		}()
		select {
		case l := <-got:
			return strings.TrimSpace(l)
		case <-time.After(10 * time.Second):
			t.Fatal("nothing passed")
			return ""
		}
	}
	send := func(s string) {
		go func() { _, _ = io.WriteString(inW, s+"\n") }()
	}
	var got []string
	for _, m := range []string{
		`{"jsonrpc":"2.0","id":1,"method":"server/discover"}`,
		`{"jsonrpc":"2.0","id":2,"method":"initialize","params":{}}`,
		`{"jsonrpc":"2.0","method":"notifications/initialized"}`,
		`{"jsonrpc":"2.0","id":3,"method":"ping"}`,
	} {
		send(m)
		got = append(got, read())
	}
	// tools/list is held, and a ping behind it too.
	lines := make(chan string, 2)
	go func() {
		for range 2 {
			l, _ := out.ReadString('\n')
			lines <- strings.TrimSpace(l)
		}
	}()
	go func() {
		_, _ = io.WriteString(inW, `{"jsonrpc":"2.0","id":4,"method":"tools/list"}`+"\n"+`{"jsonrpc":"2.0","id":5,"method":"ping"}`+"\n")
	}()
	select {
	case l := <-lines:
		t.Fatalf("%s passed before ready", l)
	case <-time.After(100 * time.Millisecond):
	}
	close(ready)
	got = append(got, <-lines, <-lines)
	want := []string{
		`{"jsonrpc":"2.0","id":1,"method":"server/discover"}`,
		`{"jsonrpc":"2.0","id":2,"method":"initialize","params":{}}`,
		`{"jsonrpc":"2.0","method":"notifications/initialized"}`,
		`{"jsonrpc":"2.0","id":3,"method":"ping"}`,
		`{"jsonrpc":"2.0","id":4,"method":"tools/list"}`,
		`{"jsonrpc":"2.0","id":5,"method":"ping"}`,
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("passed (-want +got):\n%s", diff)
	}
	inW.Close()
	if _, err := out.ReadString('\n'); !errors.Is(err, io.EOF) {
		t.Errorf("after in's end: %v, want EOF", err)
	}
}

// A message held when ctx ends ends the reader with ctx's error instead
// of waiting for ever.
func TestHoldUntilCancelled(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	r := HoldUntil(ctx, strings.NewReader(`{"jsonrpc":"2.0","id":1,"method":"tools/call"}`+"\n"), make(chan struct{}))
	done := make(chan error, 1)
	go func() {
		_, err := io.ReadAll(r)
		done <- err
	}()
	cancel()
	select {
	case err := <-done:
		if !errors.Is(err, context.Canceled) {
			t.Errorf("err = %v, want context.Canceled", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the reader did not end")
	}
}

func TestIsHandshake(t *testing.T) {
	for line, want := range map[string]bool{
		`{"jsonrpc":"2.0","id":1,"method":"initialize"}`:      true,
		`{"jsonrpc":"2.0","id":1,"method":"server/discover"}`: true,
		`{"jsonrpc":"2.0","id":1,"method":"tools/list"}`:      false,
		`[{"jsonrpc":"2.0","id":1,"method":"initialize"}]`:    false,
		`not json`:                             false,
		`{"jsonrpc":"2.0","id":1,"result":{}}`: false,
	} {
		if got := isHandshake([]byte(line)); got != want {
			t.Errorf("isHandshake(%s) = %v, want %v", line, got, want)
		}
	}
}

// TestQuietUntil: until the first answer carrying a list, the
// list_changed notifications are dropped and every other message passes
// whole, even when written in pieces; after it everything passes.
func TestQuietUntil(t *testing.T) {
	var out strings.Builder
	w := QuietUntil(&out)
	write := func(s string) {
		t.Helper()
		if n, err := w.Write([]byte(s)); err != nil || n != len(s) {
			t.Fatalf("Write = %d, %v", n, err)
		}
	}
	write(`{"jsonrpc":"2.0","id":0,"result":{"capabilities":{}}}` + "\n")
	write(`{"jsonrpc":"2.0","method":"notifications/tools/list_changed"}` + "\n" + `{"jsonrpc":"2.0","method":"notifications/prompts/list_changed"}` + "\n")
	write(`{"jsonrpc":"2.0","method":"notifications/resources/`)
	write(`list_changed"}` + "\n" + `{"jsonrpc":"2.0","method":"notifications/message","params":{}}` + "\n")
	write(`{"jsonrpc":"2.0","id":1,"result":{"tools":[]}}` + "\n")
	write(`{"jsonrpc":"2.0","method":"notifications/tools/list_changed"}` + "\n")
	want := `{"jsonrpc":"2.0","id":0,"result":{"capabilities":{}}}` + "\n" +
		`{"jsonrpc":"2.0","method":"notifications/message","params":{}}` + "\n" +
		`{"jsonrpc":"2.0","id":1,"result":{"tools":[]}}` + "\n" +
		`{"jsonrpc":"2.0","method":"notifications/tools/list_changed"}` + "\n"
	if diff := cmp.Diff(want, out.String()); diff != "" {
		t.Errorf("written (-want +got):\n%s", diff)
	}
}
