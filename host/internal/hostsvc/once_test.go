package hostsvc_test

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/billy-mcp/billy-mcp/host/internal/hostsvc"
	"github.com/billy-mcp/billy-mcp/host/internal/store"
	"github.com/billy-mcp/billy-mcp/proto/errmodel"
	pluginv1 "github.com/billy-mcp/billy-mcp/proto/plugin/v1"
	"github.com/google/go-cmp/cmp"
	"github.com/hashicorp/go-hclog"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

// onceServer serves plugin with once as its store, over the calls setup
// puts in flight (call-1 for invoices, call-2 for moms).
func onceServer(once hostsvc.Once, plugin string, log *bytes.Buffer) pluginv1.HostServicesServer {
	deps := hostsvc.Deps{Dispatcher: setup(nil, ""), Once: once}
	if log != nil {
		deps.Logger = hclog.New(&hclog.LoggerOptions{Output: log, JSONFormat: true})
	}
	return hostsvc.Factory(deps)(plugin)
}

func consumeOnce(s pluginv1.HostServicesServer, callID, key string, until time.Time) (bool, error) {
	resp, err := s.ConsumeOnce(context.Background(), &pluginv1.ConsumeOnceRequest{CallId: callID, Key: key, ExpiresUnix: until.Unix()})
	return resp.GetFirst(), err
}

// TestConsumeOnceIsScopedByPlugin: over the real store, a key is used up
// once for its plugin, on every instance (two servers, one store), and
// another plugin's key of the same name is its own.
func TestConsumeOnceIsScopedByPlugin(t *testing.T) {
	st, err := store.Open(context.Background(), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	invoicesA, invoicesB, moms := onceServer(st, "invoices", nil), onceServer(st, "invoices", nil), onceServer(st, "moms", nil)
	until := time.Now().Add(5 * time.Minute)
	steps := []struct {
		s    pluginv1.HostServicesServer
		call string
	}{
		{invoicesA, "call-1"},
		{invoicesB, "call-1"}, // another instance of the deployment
		{moms, "call-2"},      // another plugin: its own keys
		{moms, "call-2"},
	}
	var got []bool
	for _, st := range steps {
		first, err := consumeOnce(st.s, st.call, "nonce-1", until)
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, first)
	}
	if diff := cmp.Diff([]bool{true, false, true, false}, got); diff != "" {
		t.Errorf("first (-want +got):\n%s", diff)
	}
}

// fakeOnce records what it is asked and answers err.
type fakeOnce struct {
	asked []string
	err   error
}

func (f *fakeOnce) ConsumeOnce(_ context.Context, scope, key string, _ time.Time) (bool, error) {
	f.asked = append(f.asked, scope+"/"+key)
	return f.err == nil, f.err
}

func TestConsumeOnceRefusals(t *testing.T) {
	now := time.Now()
	tests := []struct {
		name  string
		call  string
		key   string
		until time.Time
		code  codes.Code
		field string
	}{
		{"unknown call", "call-404", "k", now.Add(time.Minute), codes.PermissionDenied, ""},
		{"another plugin's call", "call-2", "k", now.Add(time.Minute), codes.PermissionDenied, ""},
		{"no key", "call-1", "", now.Add(time.Minute), codes.InvalidArgument, "key"},
		{"key too long", "call-1", strings.Repeat("k", 201), now.Add(time.Minute), codes.InvalidArgument, "key"},
		{"expired", "call-1", "k", now.Add(-time.Second), codes.InvalidArgument, "expires_unix"},
		{"too far ahead", "call-1", "k", now.Add(31 * 24 * time.Hour), codes.InvalidArgument, "expires_unix"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			once := &fakeOnce{}
			_, err := consumeOnce(onceServer(once, "invoices", nil), tt.call, tt.key, tt.until)
			if status.Code(err) != tt.code {
				t.Fatalf("code %v (%v), want %v", status.Code(err), err, tt.code)
			}
			if tt.field != "" {
				e, ok := errmodel.FromStatus(err)
				if !ok || len(e.Fields) != 1 || e.Fields[0].Field != tt.field {
					t.Errorf("want a validation error on %s, got %v", tt.field, err)
				}
			}
			if len(once.asked) != 0 {
				t.Errorf("the store was asked: %v", once.asked)
			}
		})
	}
	// The longest allowed expiry is accepted.
	once := &fakeOnce{}
	if _, err := consumeOnce(onceServer(once, "invoices", nil), "call-1", strings.Repeat("k", 200), now.Add(29*24*time.Hour)); err != nil {
		t.Errorf("a 200-byte key for 29 days: %v", err)
	}
	if diff := cmp.Diff([]string{"invoices/" + strings.Repeat("k", 200)}, once.asked); diff != "" {
		t.Errorf("asked (-want +got):\n%s", diff)
	}
}

// TestConsumeOnceStoreDown: the plugin gets store_unavailable, retryable,
// without the cause (which may name hosts); the host's log has the cause.
func TestConsumeOnceStoreDown(t *testing.T) {
	var log bytes.Buffer
	once := &fakeOnce{err: errors.New("dial tcp 10.0.0.7:5432: connection refused")}
	_, err := consumeOnce(onceServer(once, "invoices", &log), "call-1", "k", time.Now().Add(time.Minute))
	e, ok := errmodel.FromStatus(err)
	if !ok || e.Code != hostsvc.CodeStoreUnavailable || e.Category != errmodel.UpstreamUnavailable || !e.Retryable {
		t.Fatalf("got %v, want store_unavailable (upstream_unavailable, retryable)", err)
	}
	if strings.Contains(e.Message, "10.0.0.7") {
		t.Errorf("the plugin sees the store's address: %s", e.Message)
	}
	if !strings.Contains(log.String(), "connection refused") || !strings.Contains(log.String(), "corr-parent") {
		t.Errorf("the host log does not say why, for which request: %s", log.String())
	}
}

// TestConsumeOnceWithoutStore answers as a host without the service, so a
// plugin uses its own memory.
func TestConsumeOnceWithoutStore(t *testing.T) {
	_, err := consumeOnce(onceServer(nil, "invoices", nil), "call-1", "k", time.Now().Add(time.Minute))
	if status.Code(err) != codes.Unimplemented {
		t.Errorf("code %v (%v), want Unimplemented", status.Code(err), err)
	}
}
