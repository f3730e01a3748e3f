package main

import (
	"bytes"
	"net"
	"net/http"
	"net/http/httptest"
	"testing"
)

func TestHealthCmd(t *testing.T) {
	ready := true
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/health/ready" || !ready {
			w.WriteHeader(http.StatusServiceUnavailable)
		}
	}))
	defer srv.Close()
	var out, errs bytes.Buffer
	if code := run([]string{"health", "--url", srv.URL + "/health/ready"}, nil, &out, &errs); code != 0 {
		t.Errorf("ready: exit %d (%s)", code, errs.String())
	}
	ready = false
	if code := run([]string{"health", "--url", srv.URL + "/health/ready"}, nil, &out, &errs); code != 1 {
		t.Errorf("draining: exit %d, want 1", code)
	}
	if code := run([]string{"health", "--url", "http://127.0.0.1:1/health/ready", "--timeout", "1s"}, nil, &out, &errs); code != 1 {
		t.Errorf("nobody listening: exit %d, want 1", code)
	}
	// The default follows BILLY_MCP_HTTP_ADDR over loopback.
	_, port, _ := net.SplitHostPort(srv.Listener.Addr().String())
	t.Setenv("BILLY_MCP_HTTP_ADDR", "0.0.0.0:"+port)
	ready = true
	if code := run([]string{"health"}, nil, &out, &errs); code != 0 {
		t.Errorf("default URL: exit %d (%s)", code, errs.String())
	}
}
