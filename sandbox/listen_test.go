package sandbox

import (
	"bytes"
	"context"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/go-hclog"
)

func TestServeAndShutdown(t *testing.T) {
	var logs bytes.Buffer
	logger := hclog.New(&hclog.LoggerOptions{Output: &logs, Level: hclog.Info})
	s, err := New(Options{Business: BusinessFreelancer, Now: fixedNow, Token: "secret", Logger: logger})
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- s.Serve(ctx, ln) }()

	req, _ := http.NewRequest("GET", "http://"+ln.Addr().String()+"/v2/organization", nil)
	req.Header.Set("X-Access-Token", "secret")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Errorf("status %d", resp.StatusCode)
	}
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("Serve: %v", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Serve did not stop")
	}
	out := logs.String()
	if !strings.Contains(out, ln.Addr().String()) || !strings.Contains(out, s.DefaultOrganizationID()) {
		t.Errorf("start-up log lacks the address or the organization:\n%s", out)
	}
	if strings.Contains(out, "secret") {
		t.Errorf("the configured token was logged:\n%s", out)
	}
}

func TestListenAndServe(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		done <- ListenAndServe(ctx, "127.0.0.1:0", Options{Business: BusinessFreelancer, Now: fixedNow, Logger: hclog.NewNullLogger()})
	}()
	time.Sleep(50 * time.Millisecond)
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("ListenAndServe: %v", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("ListenAndServe did not stop")
	}
	if err := ListenAndServe(context.Background(), "256.0.0.1:1", Options{Business: BusinessFreelancer}); err == nil {
		t.Error("ListenAndServe accepted a bad address")
	}
}
