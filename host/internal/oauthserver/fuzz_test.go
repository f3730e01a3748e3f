package oauthserver

import (
	"net"
	"net/url"
	"testing"
)

// FuzzCheckRedirect: whatever registration accepts as a redirect URI is
// an absolute https URL, or http on a loopback host, with no fragment and
// no credentials in it.
func FuzzCheckRedirect(f *testing.F) {
	for _, s := range []string{"https://claude.ai/api/mcp/auth_callback", "http://localhost:8976/cb", "http://[::1]:9/cb",
		"http://127.0.0.1.evil.example/cb", "https://user:pw@a.example/cb", "https://a.example/cb#x", "javascript:alert(1)",
		"HTTP://LOCALHOST/cb", "http://0x7f.1/cb", "http://[::ffff:127.0.0.1]/cb"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		if checkRedirect(raw) != nil {
			return
		}
		u, err := url.Parse(raw)
		if err != nil || u.Fragment != "" || u.User != nil || u.Host == "" {
			t.Fatalf("accepted %q: %+v %v", raw, u, err)
		}
		switch u.Scheme {
		case "https":
		case "http":
			h := u.Hostname()
			if ip := net.ParseIP(h); h != "localhost" && (ip == nil || !ip.IsLoopback()) {
				t.Fatalf("accepted http on a host that is not loopback: %q", raw)
			}
		default:
			t.Fatalf("accepted scheme %q: %q", u.Scheme, raw)
		}
	})
}
