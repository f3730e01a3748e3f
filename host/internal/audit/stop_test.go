package audit

import (
	"errors"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus/testutil"
)

type failingSink struct{}

func (failingSink) WriteBatch([]Record) error { return errors.New("store: not open") }

// TestCloseGivesUpOnAStoreThatIsDown: a writer whose sink keeps failing
// retries while the host runs, but Close returns after StopTimeout, and
// the records it could not write are counted, not lost silently.
func TestCloseGivesUpOnAStoreThatIsDown(t *testing.T) {
	w := NewBatchWriter(failingSink{}, Options{StopTimeout: 100 * time.Millisecond})
	for range 3 {
		w.Record(Record{Op: "tools/call", Name: "get_invoice"})
	}
	closed := make(chan struct{})
	go func() { w.Close(); close(closed) }()
	select {
	case <-closed:
	case <-time.After(time.Minute):
		t.Fatal("Close did not return while the sink was failing")
	}
	if got := testutil.ToFloat64(w.unwritten); got != 3 {
		t.Errorf("unwritten records counted: %v, want 3", got)
	}
	if got := testutil.ToFloat64(w.written); got != 0 {
		t.Errorf("written: %v, want 0", got)
	}
}
