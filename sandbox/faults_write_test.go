package sandbox

import (
	"context"
	"errors"
	"io"
	"net/http"
	"strconv"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// waitFor polls cond until it holds, failing the test after a generous
// deadline: for things that happen in the background and cannot be waited
// on directly. It never fails because something was merely slow.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// contactsNamed counts the organization's contacts with a name.
func (sb *sandbox) contactsNamed(name string) int {
	sb.t.Helper()
	n := 0
	for _, c := range sb.do("GET", "/v2/contacts?pageSize=1000", nil).ok(sb.t).list("contacts") {
		if str(c, "name") == name {
			n++
		}
	}
	return n
}

func newContact(name string) obj { return obj{"contact": obj{"name": name, "countryId": "DK"}} }

// "Commit, then drop the connection" (billy-api.md §8): the client sees a
// transport error for a write that was saved; a refused write and a read
// are answered as usual.
func TestDropAfterCommit(t *testing.T) {
	sb := newSandbox(t, Options{})
	sb.s.SetFaults(Faults{DropAfterCommitRate: 1})
	before := sb.s.Stats()

	_, err := sb.try(context.Background(), "POST", "/v2/contacts", newContact("Tabt Svar ApS"))
	if err == nil {
		t.Fatal("the write was answered; want the connection dropped")
	}
	// Refused: nothing committed, so nothing to drop.
	r, err := sb.try(context.Background(), "POST", "/v2/contacts", obj{"contact": obj{"countryId": "DK"}})
	if err != nil || r.status != http.StatusUnprocessableEntity {
		t.Fatalf("refused write: %v, status %d", err, r.status)
	}
	if got := sb.contactsNamed("Tabt Svar ApS"); got != 1 {
		t.Errorf("%d contacts written, want exactly 1 (committed before the drop)", got)
	}
	got := sb.s.Stats()
	want := before
	want.Requests += 3
	want.Commits++
	want.DropAfterCommit++
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("stats (-want +got):\n%s", diff)
	}
}

// The drops come from the seeded dice: the same seed drops the same writes.
func TestDropAfterCommitIsReproducible(t *testing.T) {
	run := func() (outcomes []bool) {
		sb := newSandbox(t, Options{Seed: 4})
		sb.s.SetFaults(Faults{DropAfterCommitRate: 0.5})
		for i := range 30 {
			_, err := sb.try(context.Background(), "POST", "/v2/contacts", newContact("Kunde "+strconv.Itoa(i)))
			outcomes = append(outcomes, err == nil)
		}
		if st := sb.s.Stats(); st.Commits != 30 || st.DropAfterCommit == 0 || st.DropAfterCommit == 30 {
			t.Errorf("stats %+v: want 30 commits, some dropped", st)
		}
		return outcomes
	}
	if first, second := run(), run(); !cmp.Equal(first, second) {
		t.Errorf("the same seed dropped other writes:\n%v\n%v", first, second)
	}
}

// "Commit slowly past the client's deadline": the client gives up, and the
// write is saved afterwards all the same.
func TestSlowCommitOutlivesTheClient(t *testing.T) {
	sb := newSandbox(t, Options{})
	sb.s.SetFaults(Faults{SlowCommitRate: 1, SlowCommitBy: 3 * time.Second})
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	if _, err := sb.try(ctx, "POST", "/v2/contacts", newContact("Sen Kunde ApS")); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("err %v, want the client's deadline", err)
	}
	if st := sb.s.Stats(); st.SlowCommit != 1 || st.Commits != 0 {
		t.Fatalf("right after the client gave up: %+v, want 1 slow commit waiting and none committed", st)
	}
	sb.s.SetFaults(Faults{})
	waitFor(t, "the slow write to commit", func() bool { return sb.s.Stats().Commits == 1 })
	if got := sb.contactsNamed("Sen Kunde ApS"); got != 1 {
		t.Errorf("%d contacts written, want 1", got)
	}
	// Reads are never slow-committed.
	sb.s.SetFaults(Faults{SlowCommitRate: 1, SlowCommitBy: time.Minute})
	sb.do("GET", "/v2/contacts?pageSize=1", nil).ok(t)
}

// SlowRate, unlike SlowCommitRate, drops a write whose client leaves during
// the delay: it never commits.
func TestSlowRequestWhoseClientLeavesNeverCommits(t *testing.T) {
	sb := newSandbox(t, Options{})
	sb.s.SetFaults(Faults{SlowRate: 1, SlowBy: 2 * time.Second})
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	if _, err := sb.try(ctx, "POST", "/v2/contacts", newContact("Utålmodig ApS")); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("err %v, want the client's deadline", err)
	}
	// httptest's Close waits for every handler to return.
	sb.srv.Close()
	if st := sb.s.Stats(); st.Commits != 0 || st.Slow != 1 {
		t.Errorf("stats %+v: want one slow request and nothing committed", st)
	}
}

// A list's body is cut off half way: the client reads an unexpected EOF.
// Single records and writes are whole.
func TestPartialPage(t *testing.T) {
	sb := newSandbox(t, Options{})
	id := sb.firstID("/v2/contacts", "contacts")
	sb.s.SetFaults(Faults{PartialPageRate: 1})

	req, _ := http.NewRequest("GET", sb.url+"/v2/contacts", nil)
	req.Header.Set("X-Access-Token", testToken)
	resp, err := sb.client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	b, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if !errors.Is(err, io.ErrUnexpectedEOF) {
		t.Errorf("reading the page: %v, want unexpected EOF", err)
	}
	if resp.StatusCode != 200 || resp.ContentLength <= 0 || int64(len(b)) != resp.ContentLength/2 {
		t.Errorf("status %d, Content-Length %d, read %d bytes; want 200 and half the announced length",
			resp.StatusCode, resp.ContentLength, len(b))
	}

	sb.do("GET", "/v2/contacts/"+id, nil).ok(t)
	sb.do("POST", "/v2/contacts", newContact("Hel Side ApS")).ok(t)
	sb.do("GET", "/v2/nothing", nil) // a 404 is not a page
	if got := sb.s.Stats().PartialPage; got != 1 {
		t.Errorf("partialPage %d, want 1", got)
	}
}

func TestStatsEndpoint(t *testing.T) {
	sb := newSandbox(t, Options{})
	sb.s.SetFaults(Faults{ErrorRate: 1})
	sb.do("GET", "/v2/organization", nil)
	sb.s.SetFaults(Faults{RateLimitRate: 1})
	sb.do("GET", "/v2/organization", nil)
	sb.s.SetFaults(Faults{Outage: true})
	sb.do("GET", "/v2/organization", nil)
	sb.s.SetFaults(Faults{})
	sb.do("POST", "/v2/contacts", newContact("Talt ApS")).ok(t)

	r := sb.do("GET", "/_sandbox/stats", nil).ok(t)
	want := map[string]any{"requests": 4.0, "commits": 1.0, "serverErrors": 1.0, "rateLimited": 1.0, "outages": 1.0,
		"slow": 0.0, "dropAfterCommit": 0.0, "slowCommit": 0.0, "slowCommitLost": 0.0, "partialPage": 0.0, "restarts": 0.0}
	if diff := cmp.Diff(want, r.body); diff != "" {
		t.Errorf("GET /_sandbox/stats (-want +got):\n%s", diff)
	}
	if r := sb.do("POST", "/_sandbox/stats", nil); r.status != http.StatusMethodNotAllowed {
		t.Errorf("POST stats: %d", r.status)
	}
}
