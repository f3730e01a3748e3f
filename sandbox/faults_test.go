package sandbox

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func TestFaultLatency(t *testing.T) {
	sb := newSandbox(t, Options{})
	sb.s.SetFaults(Faults{Latency: 60 * time.Millisecond})
	start := time.Now()
	sb.do("GET", "/v2/organization", nil).ok(t)
	if d := time.Since(start); d < 60*time.Millisecond {
		t.Errorf("request took %v with 60ms latency", d)
	}
	// The admin surface is never delayed or failed.
	sb.s.SetFaults(Faults{Latency: time.Second, Outage: true})
	start = time.Now()
	if r := sb.do("GET", "/_sandbox/faults", nil); r.status != 200 || time.Since(start) > 500*time.Millisecond {
		t.Errorf("admin endpoint affected by faults: %d after %v", r.status, time.Since(start))
	}
}

func TestFaultRateLimit(t *testing.T) {
	sb := newSandbox(t, Options{})
	sb.s.SetFaults(Faults{RateLimitRate: 1, RetryAfter: 1500 * time.Millisecond})
	r := sb.do("GET", "/v2/invoices", nil)
	if r.status != 429 || r.errorCode() != "TOO_MANY_REQUESTS" {
		t.Fatalf("got %d %q", r.status, r.errorCode())
	}
	if got := r.header.Get("Retry-After"); got != "2" {
		t.Errorf("Retry-After %q, want 2 (1.5s rounded up)", got)
	}
	if r.meta()["statusCode"] != float64(429) || r.meta()["success"] != false {
		t.Errorf("meta %v", r.meta())
	}
}

func TestFaultOutage(t *testing.T) {
	sb := newSandbox(t, Options{})
	sb.s.SetFaults(Faults{Outage: true})
	for _, path := range []string{"/v2/invoices", "/v2/countries", "/v2/nothing"} {
		if r := sb.do("GET", path, nil); r.status != 503 {
			t.Errorf("%s during an outage: %d", path, r.status)
		}
	}
	sb.s.SetFaults(Faults{})
	sb.do("GET", "/v2/invoices?pageSize=1", nil).ok(t)
}

// Over many requests the error rate is roughly honoured, and the same seed
// gives the same sequence of faults.
func TestFaultErrorRate(t *testing.T) {
	run := func() (failed int, statuses []int) {
		sb := newSandbox(t, Options{Seed: 9})
		sb.s.SetFaults(Faults{ErrorRate: 0.3})
		for i := 0; i < 400; i++ {
			r := sb.do("GET", "/v2/countries/DK", nil)
			statuses = append(statuses, r.status)
			if r.status == 500 {
				failed++
			} else if r.status != 200 {
				t.Fatalf("unexpected status %d", r.status)
			}
		}
		return failed, statuses
	}
	failed, first := run()
	if rate := float64(failed) / 400; rate < 0.22 || rate > 0.38 {
		t.Errorf("error rate %.2f, want about 0.30", rate)
	}
	if _, second := run(); !cmp.Equal(first, second) {
		t.Errorf("the same seed gave a different fault sequence")
	}
}

func TestFaultsJSON(t *testing.T) {
	sb := newSandbox(t, Options{})
	r := sb.do("PUT", "/_sandbox/faults", `{"latency":"5ms","jitter":2,"errorRate":0.1,"rateLimitRate":0.2,"retryAfter":"3s","slowRate":0.05,"slowBy":"1s",`+
		`"dropAfterCommitRate":0.25,"slowCommitRate":0.5,"slowCommitBy":"20s","partialPageRate":0.75}`).ok(t)
	want := Faults{Latency: 5 * time.Millisecond, Jitter: 2 * time.Millisecond, ErrorRate: 0.1, RateLimitRate: 0.2,
		RetryAfter: 3 * time.Second, SlowRate: 0.05, SlowBy: time.Second,
		DropAfterCommitRate: 0.25, SlowCommitRate: 0.5, SlowCommitBy: 20 * time.Second, PartialPageRate: 0.75}
	if diff := cmp.Diff(want, sb.s.Faults()); diff != "" {
		t.Errorf("faults (-want +got):\n%s", diff)
	}
	if str(r.body, "latency") != "5ms" || str(r.body, "retryAfter") != "3s" || str(r.body, "slowCommitBy") != "20s" {
		t.Errorf("durations not shown as strings: %s", r.raw)
	}
	var back Faults
	if err := json.Unmarshal(r.raw, &back); err != nil || back != want {
		t.Errorf("round trip: %v %+v", err, back)
	}
	for _, bad := range []string{`{"errorRate":2}`, `{"latency":"soon"}`, `{"errorRate":0.6,"rateLimitRate":0.6}`, `{"slowBy":"-1s"}`, `[]`,
		`{"dropAfterCommitRate":1.5}`, `{"slowCommitRate":-0.1}`, `{"partialPageRate":2}`, `{"slowCommitBy":"-1s"}`, `{"slowCommitBy":"11m"}`} {
		if r := sb.do("PUT", "/_sandbox/faults", bad); r.status != 400 {
			t.Errorf("%s: %d", bad, r.status)
		}
	}
	if r := sb.do("DELETE", "/_sandbox/faults", nil); r.status != 405 {
		t.Errorf("DELETE faults: %d", r.status)
	}
}

func TestRequestCounter(t *testing.T) {
	sb := newSandbox(t, Options{})
	before := sb.s.Requests()
	sb.do("GET", "/v2/organization", nil)
	sb.do("GET", "/v2/nothing", nil)
	sb.do("GET", "/_sandbox/organizations", nil) // not an API request
	sb.s.SetFaults(Faults{Outage: true})
	sb.do("GET", "/v2/organization", nil)
	if got := sb.s.Requests() - before; got != 3 {
		t.Errorf("counted %d API requests, want 3", got)
	}
}
