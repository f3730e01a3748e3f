package httpserver

import (
	"net/http"
	"net/http/httptest"
	"net/netip"
	"testing"

	"github.com/google/go-cmp/cmp"
)

var testProxies = []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8"), netip.MustParsePrefix("2001:db8::/32"), netip.MustParsePrefix("192.0.2.7/32")}

// X-Forwarded-For names the client only when the connection comes from a
// trusted proxy, and only as far as trusted proxies wrote it.
func TestForwardedFor(t *testing.T) {
	tests := []struct {
		name string
		peer string
		xff  []string
		want string
	}{
		{"no proxy: the header is the client's own claim", "203.0.113.9", []string{"1.2.3.4"}, "203.0.113.9"},
		{"one proxy", "10.1.2.3", []string{"203.0.113.9"}, "203.0.113.9"},
		{"the client's forgery left of the real hop", "10.1.2.3", []string{"1.2.3.4, 203.0.113.9"}, "203.0.113.9"},
		{"two proxies", "10.1.2.3", []string{"203.0.113.9, 10.9.9.9"}, "203.0.113.9"},
		{"two header lines", "10.1.2.3", []string{"1.2.3.4", "203.0.113.9, 192.0.2.7"}, "203.0.113.9"},
		{"only proxies: the leftmost", "10.1.2.3", []string{"10.4.4.4, 10.5.5.5"}, "10.4.4.4"},
		{"no header from a proxy", "10.1.2.3", nil, "10.1.2.3"},
		{"garbage stops the walk", "10.1.2.3", []string{"203.0.113.9, not-an-ip"}, "10.1.2.3"},
		{"garbage beyond a good hop", "10.1.2.3", []string{"<script>, 203.0.113.9"}, "203.0.113.9"},
		{"IPv6 with brackets and port", "2001:db8::1", []string{"[2001:db9::5]:4711"}, "2001:db9::5"},
		{"IPv4 with a port", "10.1.2.3", []string{"203.0.113.9:55000"}, "203.0.113.9"},
		{"IPv4-mapped IPv6 peer", "::ffff:10.1.2.3", []string{"203.0.113.9"}, "203.0.113.9"},
	}
	var got, want []string
	for _, tt := range tests {
		got = append(got, tt.name+": "+forwardedFor(tt.peer, tt.xff, testProxies))
		want = append(want, tt.name+": "+tt.want)
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("client addresses (-want +got):\n%s", diff)
	}
}

// The middleware gives clientIP the forwarded address, and nothing
// without trusted proxies.
func TestClientAddrMiddleware(t *testing.T) {
	var seen string
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { seen = clientIP(r) })
	for _, tc := range []struct {
		trusted []netip.Prefix
		want    string
	}{{testProxies, "203.0.113.9"}, {nil, "10.1.2.3"}} {
		r := httptest.NewRequest("GET", "/", nil)
		r.RemoteAddr = "10.1.2.3:5000"
		r.Header.Set("X-Forwarded-For", "203.0.113.9")
		withClientAddr(tc.trusted, h).ServeHTTP(httptest.NewRecorder(), r)
		if seen != tc.want {
			t.Errorf("trusted %v: client %q, want %q", tc.trusted, seen, tc.want)
		}
	}
}

func FuzzForwardedFor(f *testing.F) {
	f.Add("10.1.2.3", "1.2.3.4, 203.0.113.9")
	f.Add("2001:db8::1", "[2001:db9::5]:4711,,")
	f.Fuzz(func(t *testing.T, peer, xff string) {
		got := forwardedFor(peer, []string{xff}, testProxies)
		if got != peer {
			// Whatever it returns instead is an address it parsed.
			if _, err := netip.ParseAddr(got); err != nil {
				t.Fatalf("forwardedFor(%q, %q) = %q, not an address", peer, xff, got)
			}
		}
	})
}
