package httpserver

import (
	"context"
	"net"
	"net/http"
	"net/netip"
	"strings"
)

// The client's address behind reverse proxies. X-Forwarded-For is
// written by whoever sends the request, so it is read only from a
// connection that comes from a configured proxy (http.trusted_proxies),
// and only as far as that chain of trusted proxies goes: walking it from
// the right, the first address that is not a trusted proxy is the
// client's. Anything left of it was written by the client and is ignored.

type clientAddrKey struct{}

// withClientAddr puts the request's client address in its context, for
// clientIP: the per-address limits, failed logins and the audit log.
func withClientAddr(trusted []netip.Prefix, next http.Handler) http.Handler {
	if len(trusted) == 0 {
		return next
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		addr := forwardedFor(peerAddr(r), r.Header.Values("X-Forwarded-For"), trusted)
		next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), clientAddrKey{}, addr)))
	})
}

// forwardedFor is the client's address given the connection's peer, the
// X-Forwarded-For values and the trusted proxies.
func forwardedFor(peer string, xff []string, trusted []netip.Prefix) string {
	if !isTrusted(peer, trusted) {
		return peer
	}
	var hops []string
	for _, v := range xff {
		hops = append(hops, strings.Split(v, ",")...)
	}
	client := peer
	for i := len(hops) - 1; i >= 0; i-- {
		a, ok := hopAddr(hops[i])
		if !ok {
			// Garbage where an address should be: the proxy that wrote
			// the last good hop is as far as the chain can be followed.
			return client
		}
		client = a
		if !isTrusted(a, trusted) {
			return a
		}
	}
	return client
}

// hopAddr reads one X-Forwarded-For entry: an IPv4 or IPv6 address,
// maybe bracketed or with a port (some proxies write them).
func hopAddr(s string) (string, bool) {
	s = strings.TrimSpace(s)
	if a, err := netip.ParseAddr(s); err == nil {
		return a.Unmap().String(), true
	}
	if ap, err := netip.ParseAddrPort(s); err == nil {
		return ap.Addr().Unmap().String(), true
	}
	if a, err := netip.ParseAddr(strings.TrimSuffix(strings.TrimPrefix(s, "["), "]")); err == nil {
		return a.Unmap().String(), true
	}
	return "", false
}

func isTrusted(addr string, trusted []netip.Prefix) bool {
	a, err := netip.ParseAddr(addr)
	if err != nil {
		return false
	}
	a = a.Unmap()
	for _, p := range trusted {
		if p.Contains(a) {
			return true
		}
	}
	return false
}

// peerAddr is the address of the connection's other end.
func peerAddr(r *http.Request) string {
	if h, _, err := net.SplitHostPort(r.RemoteAddr); err == nil {
		return h
	}
	return r.RemoteAddr
}
