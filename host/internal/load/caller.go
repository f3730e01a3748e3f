package load

import (
	"context"
	"net"
	"net/http"
	"time"
)

// caller is one client: it makes one call at a time.
type caller interface {
	call(ctx context.Context, c Call) Outcome
	close()
}

// newHTTPClient gives each load client an HTTP client of its own, with its
// own keep-alive connection. Shared, net/http's default transport keeps two
// idle connections per server, so 16 clients would open and close
// connections all the time and the run would measure TCP handshakes.
func newHTTPClient() *http.Client {
	return &http.Client{Transport: &http.Transport{
		Proxy:               http.ProxyFromEnvironment,
		DialContext:         (&net.Dialer{Timeout: 10 * time.Second, KeepAlive: 30 * time.Second}).DialContext,
		MaxIdleConns:        4,
		MaxIdleConnsPerHost: 4,
		IdleConnTimeout:     90 * time.Second,
		ForceAttemptHTTP2:   true,
	}}
}

func closeIdle(hc *http.Client) {
	if t, ok := hc.Transport.(*http.Transport); ok {
		t.CloseIdleConnections()
	}
}
