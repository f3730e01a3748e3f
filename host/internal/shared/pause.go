package shared

import (
	"errors"
	"sync/atomic"
	"time"
)

// pause leaves Redis alone for a moment after it failed, so that while it
// is down (or unreachable, every call waiting out its timeout) each request
// does not pay for finding out again: one request a second does.
type pause struct {
	until atomic.Int64 // Unix ns
	d     time.Duration
}

// errPaused is returned while Redis is being left alone.
var errPaused = errors.New("redis is being left alone after a failure")

func (p *pause) ok() bool { return time.Now().UnixNano() >= p.until.Load() }

func (p *pause) failed() { p.until.Store(time.Now().Add(p.d).UnixNano()) }

// pauseAfterFailure is how long Redis is left alone.
const pauseAfterFailure = time.Second
