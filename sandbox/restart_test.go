package sandbox

import (
	"context"
	"errors"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// newServed starts a sandbox on a loopback listener it owns (an Instance),
// with newSandbox's defaults, and closes it when the test ends.
func newServed(t *testing.T, opts Options) (*sandbox, *Instance) {
	t.Helper()
	if opts.Now == nil {
		opts.Now = fixedNow
	}
	if opts.Token == "" {
		opts.Token = testToken
	}
	switch opts.Business {
	case "":
		opts.Business = BusinessFreelancer
	case allBusinesses:
		opts.Business = ""
	}
	s, err := New(opts)
	if err != nil {
		t.Fatal(err)
	}
	inst, err := s.Listen("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = inst.Close() })
	// No pooled connections: each request dials, so that a restart is seen
	// by the next request and not hidden by a retry on a stale connection.
	client := &http.Client{Transport: &http.Transport{DisableKeepAlives: true}}
	return &sandbox{t: t, s: s, url: "http://" + inst.Addr(), client: client}, inst
}

// A restart keeps the organizations, the records, the tokens and the
// faults, on the same address; while down, connections are refused.
func TestRestartKeepsData(t *testing.T) {
	sb, inst := newServed(t, Options{})
	addr := inst.Addr()
	if inst.URL() != "http://"+addr+"/v2" {
		t.Errorf("URL %q", inst.URL())
	}
	id := str(sb.do("POST", "/v2/contacts", newContact("Overlever ApS")).ok(t).list("contacts")[0], "id")
	orgsBefore := sb.s.Organizations()
	faults := Faults{Latency: time.Millisecond}
	sb.s.SetFaults(faults)

	wasDown := make(chan error, 1)
	inst.whileDown = func() {
		c, err := net.DialTimeout("tcp", addr, 5*time.Second)
		if err == nil {
			c.Close()
		}
		wasDown <- err
	}
	if err := inst.Restart(10 * time.Millisecond); err != nil {
		t.Fatal(err)
	}
	if err := <-wasDown; err == nil {
		t.Error("a connection was accepted while the sandbox was down")
	}
	if inst.Addr() != addr {
		t.Errorf("address after the restart %s, want %s", inst.Addr(), addr)
	}
	r := sb.do("GET", "/v2/contacts/"+id, nil).ok(t)
	if got := str(r.obj("contact"), "name"); got != "Overlever ApS" {
		t.Errorf("contact after the restart: %q", got)
	}
	if diff := cmp.Diff(orgsBefore, sb.s.Organizations()); diff != "" {
		t.Errorf("organizations and tokens changed (-before +after):\n%s", diff)
	}
	if sb.s.Faults() != faults {
		t.Errorf("faults after the restart: %+v", sb.s.Faults())
	}
	if got := sb.s.Stats().Restarts; got != 1 {
		t.Errorf("restarts %d, want 1", got)
	}
	// A company token still opens its organization.
	tok := orgsBefore[0].AccessToken
	if got := sb.do("GET", "/v2/organization", nil, "X-Access-Token", tok).ok(t).obj("organization"); str(got, "id") != orgsBefore[0].ID {
		t.Errorf("organization by company token after the restart: %v", got)
	}
}

// A restart cuts requests in flight, and a slow commit still waiting is
// lost, as in a crash.
func TestRestartCutsRequestsInFlight(t *testing.T) {
	sb, inst := newServed(t, Options{})
	sb.s.SetFaults(Faults{SlowRate: 1, SlowBy: time.Minute})
	read := make(chan error, 1)
	go func() {
		_, err := sb.try(context.Background(), "GET", "/v2/contacts", nil)
		read <- err
	}()
	waitFor(t, "the read to arrive", func() bool { return sb.s.Stats().Slow == 1 })

	sb.s.SetFaults(Faults{SlowCommitRate: 1, SlowCommitBy: time.Minute})
	write := make(chan error, 1)
	go func() {
		_, err := sb.try(context.Background(), "POST", "/v2/contacts", newContact("Aldrig Gemt ApS"))
		write <- err
	}()
	waitFor(t, "the write to arrive", func() bool { return sb.s.Stats().SlowCommit == 1 })

	if err := inst.Restart(0); err != nil {
		t.Fatal(err)
	}
	if err := <-read; err == nil {
		t.Error("the read in flight was answered across the restart")
	}
	if err := <-write; err == nil {
		t.Error("the write in flight was answered across the restart")
	}
	waitFor(t, "the slow commit to be lost", func() bool { return sb.s.Stats().SlowCommitLost == 1 })
	sb.s.SetFaults(Faults{})
	if got := sb.contactsNamed("Aldrig Gemt ApS"); got != 0 || sb.s.Stats().Commits != 0 {
		t.Errorf("the write cut by the restart was committed (%d, stats %+v)", got, sb.s.Stats())
	}
}

// A graceful shutdown does not wait out a slow commit: the write commits at
// once and the shutdown returns.
func TestShutdownFinishesSlowCommits(t *testing.T) {
	sb, inst := newServed(t, Options{})
	sb.s.SetFaults(Faults{SlowCommitRate: 1, SlowCommitBy: MaxSlowCommitBy})
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	if _, err := sb.try(ctx, "POST", "/v2/contacts", newContact("Lukket Pænt ApS")); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("err %v, want the client's deadline", err)
	}
	sctx, scancel := context.WithTimeout(context.Background(), time.Minute)
	defer scancel()
	if err := inst.Shutdown(sctx); err != nil {
		t.Fatalf("Shutdown: %v (it waited for the slow commit)", err)
	}
	if st := sb.s.Stats(); st.Commits != 1 || st.SlowCommitLost != 0 {
		t.Errorf("stats %+v: want the slow write committed by the shutdown", st)
	}
	if err := inst.Restart(0); !errors.Is(err, ErrStopped) {
		t.Errorf("Restart after Shutdown: %v, want ErrStopped", err)
	}
	if err := sb.s.Restart(0); !errors.Is(err, ErrNoListener) {
		t.Errorf("Server.Restart with no Instance: %v, want ErrNoListener", err)
	}
	// The data is the Server's: served again, the write is there.
	again, err := sb.s.Listen("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer again.Close()
	sb.url = "http://" + again.Addr()
	if got := sb.contactsNamed("Lukket Pænt ApS"); got != 1 {
		t.Errorf("%d contacts, want 1", got)
	}
}

// POST /_sandbox/restart answers before going down and comes back with
// the data; Server.Restart restarts every Instance.
func TestRestartEndpoint(t *testing.T) {
	sb, _ := newServed(t, Options{})
	id := str(sb.do("POST", "/v2/contacts", newContact("Genstartet ApS")).ok(t).list("contacts")[0], "id")
	r := sb.do("POST", "/_sandbox/restart", `{"down":"50ms"}`)
	if r.status != http.StatusAccepted || r.body["restarting"] != true || str(r.body, "down") != "50ms" {
		t.Fatalf("POST /_sandbox/restart: %d %s", r.status, r.raw)
	}
	waitFor(t, "the restart", func() bool { return sb.s.Stats().Restarts == 1 })
	waitFor(t, "the sandbox to come back", func() bool {
		r, err := sb.try(context.Background(), "GET", "/v2/contacts/"+id, nil)
		return err == nil && r.status == http.StatusOK
	})
	if err := sb.s.Restart(0); err != nil {
		t.Errorf("Server.Restart: %v", err)
	}
	sb.do("GET", "/v2/contacts/"+id, nil).ok(t)
	if got := sb.s.Stats().Restarts; got != 2 {
		t.Errorf("restarts %d, want 2", got)
	}

	for _, tt := range []struct {
		body   string
		status int
	}{
		{`{"down":"61s"}`, http.StatusBadRequest},
		{`{"down":"-1s"}`, http.StatusBadRequest},
		{`{"down":"soon"}`, http.StatusBadRequest},
		{`{"downtime":"1s"}`, http.StatusBadRequest},
		{`[`, http.StatusBadRequest},
	} {
		if r := sb.do("POST", "/_sandbox/restart", tt.body); r.status != tt.status {
			t.Errorf("POST restart %s: %d, want %d", tt.body, r.status, tt.status)
		}
	}
	if r := sb.do("GET", "/_sandbox/restart", nil); r.status != http.StatusMethodNotAllowed {
		t.Errorf("GET restart: %d", r.status)
	}
	if got := sb.s.Stats().Restarts; got != 2 {
		t.Errorf("a refused restart restarted: %d", got)
	}
}

// A sandbox that is only an http.Handler in someone else's server cannot
// restart, and says so.
func TestRestartNeedsOwnListener(t *testing.T) {
	sb := newSandbox(t, Options{})
	r := sb.do("POST", "/_sandbox/restart", nil)
	if r.status != http.StatusConflict || !strings.Contains(str(r.body, "error"), "listener of its own") {
		t.Errorf("POST restart on a handler: %d %s", r.status, r.raw)
	}
	if err := sb.s.Restart(time.Second); !errors.Is(err, ErrNoListener) {
		t.Errorf("Restart: %v, want ErrNoListener", err)
	}
	if r := sb.do("GET", "/v2/organization", nil); r.status != http.StatusOK {
		t.Errorf("after a refused restart: %d", r.status)
	}
}

// The default down time applies to an empty body.
func TestRestartDownDefault(t *testing.T) {
	for _, tt := range []struct {
		body string
		want time.Duration
	}{{"", DefaultRestartDown}, {"{}", DefaultRestartDown}, {`{"down":"2s"}`, 2 * time.Second}, {`{"down":1500}`, 1500 * time.Millisecond}, {`{"down":"60s"}`, time.Minute}} {
		r, _ := http.NewRequest("POST", "/_sandbox/restart", strings.NewReader(tt.body))
		got, err := restartDown(r)
		if err != nil || got != tt.want {
			t.Errorf("%q: %v %v, want %v", tt.body, got, err, tt.want)
		}
	}
}
