package workflow

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"os"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// testPG opens a PGStore in a fresh schema of BILLY_TEST_POSTGRES_URL's
// database, dropped at the end.
func testPG(t *testing.T) *PGStore {
	t.Helper()
	url := os.Getenv("BILLY_TEST_POSTGRES_URL")
	if url == "" {
		t.Skip("BILLY_TEST_POSTGRES_URL is not set")
	}
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	schema := "presets_test_" + hex.EncodeToString(b)
	s, err := OpenPG(context.Background(), url, schema)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_, _ = s.DB.Exec("DROP SCHEMA " + schema + " CASCADE")
		s.Close()
	})
	return s
}

func TestPGStore(t *testing.T) {
	s := testPG(t)
	ctx := context.Background()
	at := time.Date(2026, 11, 27, 12, 0, 0, 0, time.UTC)
	r := &Run{ID: "r1", OrganizationID: "org", Status: RunRunning, Steps: map[string]*StepState{"a": {Status: StepPending}}, CreatedAt: at,
		Workflow: &Workflow{Version: 1, ID: "w", Steps: []Step{{ID: "a", Tool: "t"}}}}
	if err := s.Create(ctx, r); err != nil {
		t.Fatal(err)
	}
	if err := s.Create(ctx, r); err == nil {
		t.Error("a second Create of the same ID succeeded")
	}
	r.Status = RunSucceeded
	if err := s.Save(ctx, r); err != nil {
		t.Fatal(err)
	}
	got, err := s.Get(ctx, "r1")
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(r, got); diff != "" {
		t.Errorf("stored run (-want +got):\n%s", diff)
	}
	if _, err := s.Get(ctx, "nope"); err != ErrNotFound {
		t.Errorf("missing run: %v", err)
	}
	_ = s.Create(ctx, &Run{ID: "r2", OrganizationID: "org", CreatedAt: at.Add(time.Hour), Steps: map[string]*StepState{}})
	_ = s.Create(ctx, &Run{ID: "r3", OrganizationID: "other", CreatedAt: at, Steps: map[string]*StepState{}})
	list, err := s.List(ctx, "org", 10)
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, r := range list {
		ids = append(ids, r.ID)
	}
	if diff := cmp.Diff([]string{"r2", "r1"}, ids); diff != "" {
		t.Errorf("org's runs, newest first (-want +got):\n%s", diff)
	}
	if c, _ := s.CancelRequested(ctx, "r1"); c {
		t.Error("cancel requested before anyone asked")
	}
	_ = s.RequestCancel(ctx, "r1")
	if c, _ := s.CancelRequested(ctx, "r1"); !c {
		t.Error("cancel request not kept")
	}
}

// TestLeases: two processes (engines) on one database; only the lease
// holder executes a run, and a lease its holder stops renewing (the
// process died) passes to the other.
func TestLeases(t *testing.T) {
	s := testPG(t)
	ctx := context.Background()
	old := LeaseTTL
	LeaseTTL = 300 * time.Millisecond
	t.Cleanup(func() { LeaseTTL = old })

	const wf = `{"version":1,"id":"w","steps":[{"id":"a","tool":"block"},{"id":"b","tool":"echo"}]}`
	release := make(chan struct{})
	entered := make(chan struct{})
	tools := map[string]func(map[string]any) (any, error){
		"block": func(map[string]any) (any, error) { close(entered); <-release; return map[string]any{}, nil },
		"echo":  echo,
	}
	n := 0
	newID := func() string { n++; return "run" + string(rune('0'+n)) }
	a := NewEngine(s, newID)
	a.Owner = "instance-a"
	b := NewEngine(s, newID)
	b.Owner = "instance-b"

	done := make(chan *Run)
	go func() {
		r, _ := a.Start(ctx, &fakeTools{tools: tools}, mustParse(t, wf), "w", "org", "sub", nil, false)
		done <- r
	}()
	<-entered
	stored, err := s.Get(ctx, "run1")
	if err != nil {
		t.Fatal(err)
	}
	if !b.Running(ctx, "run1") {
		t.Error("instance b does not see that a runs run1")
	}
	if _, err := b.Resume(ctx, &fakeTools{tools: tools}, stored, nil); err != ErrBusy {
		t.Errorf("b resumed a run a is executing: %v", err)
	}
	close(release)
	if r := <-done; r.Status != RunSucceeded {
		t.Fatalf("a's run: %s", r.Status)
	}
	if b.Running(ctx, "run1") {
		t.Error("the lease outlived the run")
	}

	// A process that dies holds its lease until it runs out.
	if ok, _ := s.Lease(ctx, "run1", "dead-instance", LeaseTTL); !ok {
		t.Fatal("lease not taken")
	}
	if ok, _ := s.Lease(ctx, "run1", "instance-b", LeaseTTL); ok {
		t.Error("b took a lease another holds")
	}
	time.Sleep(2 * LeaseTTL)
	if ok, _ := s.Lease(ctx, "run1", "instance-b", LeaseTTL); !ok {
		t.Error("b could not take the lease after it ran out")
	}
}
