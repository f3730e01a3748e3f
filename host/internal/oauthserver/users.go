package oauthserver

import (
	"context"
	"sync"
	"sync/atomic"
	"time"

	"github.com/billy-mcp/billy-mcp/host/internal/auth"
)

// Users come from two places: the configuration (auth.server.users) and
// the store (billy-mcp users add), looked up through Options.FindUser. A
// name in both is the configuration's: the file is what the operator
// reviewed and deployed, and `billy-mcp users add` refuses a name the
// configuration holds, so the two meet only when a name is added to the
// file after the store had it. A store user is read at every login,
// consent and refresh, so a change to it (or to auth.roles) takes effect
// at the user's next token refresh without a restart.

// user finds the user called name: in the configuration first, then
// through FindUser. A disabled user is no user.
func (s *Server) user(ctx context.Context, name string) (User, bool, error) {
	if u, ok := s.users[name]; ok {
		return u, true, nil
	}
	if s.opts.FindUser == nil || !auth.ValidPrincipal(name) {
		return User{}, false, nil
	}
	u, ok, err := s.opts.FindUser(ctx, name)
	if err != nil || !ok || u.Disabled {
		return User{}, false, err
	}
	u.Name = name
	return u, true, nil
}

// Revocation is a revoked access token (Kind RevokedToken, ID its jti) or
// every token of a user issued at or before At (Kind RevokedPrincipal, ID
// the user's name), remembered until Expires.
type Revocation struct {
	Kind, ID    string
	At, Expires time.Time
}

// The kinds of revocation (the store's oauth_revocations.kind).
const (
	RevokedToken     = "token"
	RevokedPrincipal = "principal"
)

// Revocations is where revocations are kept, shared by every instance;
// app adapts the store to it.
type Revocations interface {
	Revoke(ctx context.Context, r Revocation) error
	// Revocations lists every unexpired revocation.
	Revocations(ctx context.Context) ([]Revocation, error)
}

// revocationRefresh is how old an instance's copy of the revocations may
// grow before it is read again: how long a token revoked on another
// instance may still be accepted here.
const revocationRefresh = 2 * time.Second

// revocationSlack is added to how long a revocation is kept, beyond the
// longest life of what it revokes: the resource server's leeway on exp.
const revocationSlack = time.Minute

// RevocationHorizon is how long a user's revocation must be kept: until
// every token issued before it has expired.
func RevocationHorizon(accessTTL, refreshTTL time.Duration) time.Duration {
	if accessTTL <= 0 {
		accessTTL = defaultAccessTokenTTL
	}
	if refreshTTL <= 0 {
		refreshTTL = defaultRefreshTokenTTL
	}
	return max(accessTTL, refreshTTL) + revocationSlack
}

// Default token lifetimes.
const (
	defaultAccessTokenTTL  = time.Hour
	defaultRefreshTokenTTL = 30 * 24 * time.Hour
)

// denylist is this instance's copy of the revocations. The resource server
// asks it about every access token, so the question costs an atomic load
// and two map lookups: the copy is replaced whole (never changed in
// place), read again from the store in the background once it is older
// than revocationRefresh, and a revocation made here is added to it at
// once. A token revoked on another instance is refused here within
// revocationRefresh (plus one store read).
type denylist struct {
	src  func() Revocations
	now  func() time.Time
	warn func(msg string, args ...any)
	// every is revocationRefresh, shorter in tests.
	every time.Duration

	snap       atomic.Pointer[denySnapshot]
	refreshing atomic.Bool
	// first serializes the first read, which requests wait for: before
	// it nothing is known.
	first sync.Mutex
}

type denySnapshot struct {
	read       time.Time
	tokens     map[string]struct{}
	principals map[string]time.Time
}

func (d *denylist) load(ctx context.Context, prev *denySnapshot) *denySnapshot {
	next := &denySnapshot{read: d.now(), tokens: map[string]struct{}{}, principals: map[string]time.Time{}}
	src := d.src()
	if src == nil {
		// No store yet: nothing can have been revoked through it. Read
		// again at the next question.
		next.read = time.Time{}
		return next
	}
	rs, err := src.Revocations(ctx)
	if err != nil {
		// Keep what was known and try again after revocationRefresh: a
		// store that is down must not make every request wait for it.
		d.warn("the revocation list could not be read; the last one read is used", "error", err.Error())
		if prev != nil {
			next.tokens, next.principals = prev.tokens, prev.principals
		}
		return next
	}
	for _, r := range rs {
		switch r.Kind {
		case RevokedToken:
			next.tokens[r.ID] = struct{}{}
		case RevokedPrincipal:
			next.principals[r.ID] = r.At
		}
	}
	return next
}

// current is the copy to answer from, starting a background read when it
// is stale; the first question waits for the first read.
func (d *denylist) current(ctx context.Context) *denySnapshot {
	snap := d.snap.Load()
	if snap == nil {
		d.first.Lock()
		defer d.first.Unlock()
		if snap = d.snap.Load(); snap == nil {
			snap = d.load(ctx, nil)
			d.snap.Store(snap)
		}
		return snap
	}
	if d.now().Sub(snap.read) > d.every && d.refreshing.CompareAndSwap(false, true) {
		go func() {
			defer d.refreshing.Store(false)
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			next := d.load(ctx, d.snap.Load())
			// A revocation made here while the read ran is in the store
			// too, so the read saw it or it was added to the copy
			// replaced now: add those back.
			if cur := d.snap.Load(); cur != nil {
				next = merge(next, cur, snap)
			}
			d.snap.Store(next)
		}()
	}
	return snap
}

// merge adds to next what cur holds and base (the copy the read started
// from) did not: revocations made on this instance during the read.
func merge(next, cur, base *denySnapshot) *denySnapshot {
	for id := range cur.tokens {
		if _, old := base.tokens[id]; !old {
			next.tokens[id] = struct{}{}
		}
	}
	for p, at := range cur.principals {
		if old, ok := base.principals[p]; (!ok || !old.Equal(at)) && at.After(next.principals[p]) {
			next.principals[p] = at
		}
	}
	return next
}

// add puts r into this instance's copy at once.
func (d *denylist) add(r Revocation) {
	for {
		cur := d.snap.Load()
		next := &denySnapshot{tokens: map[string]struct{}{}, principals: map[string]time.Time{}}
		if cur != nil {
			next.read = cur.read
			for k := range cur.tokens {
				next.tokens[k] = struct{}{}
			}
			for k, v := range cur.principals {
				next.principals[k] = v
			}
		}
		switch r.Kind {
		case RevokedToken:
			next.tokens[r.ID] = struct{}{}
		case RevokedPrincipal:
			if r.At.After(next.principals[r.ID]) {
				next.principals[r.ID] = r.At
			}
		}
		if d.snap.CompareAndSwap(cur, next) {
			return
		}
	}
}

// revoked says whether an access token (its jti, subject and iat) was
// revoked: by its jti, or by its user's revocation at or after iat (iat
// is in whole seconds, so a token issued in the second of a user's
// revocation is refused too).
func (d *denylist) revoked(ctx context.Context, jti, subject string, iat time.Time) bool {
	snap := d.current(ctx)
	if len(snap.tokens) > 0 && jti != "" {
		if _, ok := snap.tokens[jti]; ok {
			return true
		}
	}
	if len(snap.principals) > 0 {
		if at, ok := snap.principals[subject]; ok && !iat.After(at) {
			return true
		}
	}
	return false
}

// Revoked says whether the access token with this jti, subject and iat
// was revoked (auth.OAuth.Revoked): a revoked token, or one of a user
// revoked (disabled, removed, given a new password, or `users revoke`)
// after it was issued.
func (s *Server) Revoked(ctx context.Context, jti, subject string, issuedAt time.Time) bool {
	if s.deny == nil {
		return false
	}
	return s.deny.revoked(ctx, jti, subject, issuedAt)
}

// userRevokedAfter says whether a grant issued at issued belongs to a user
// revoked since (refresh tokens). A refresh is not the hot path, and the
// copy may be up to revocationRefresh old: a refresh on another instance
// just after `users passwd` would otherwise mint tokens newer than the
// revocation, which it would never catch. So the list is read from the
// store (and the copy replaced by it); if it cannot be read, the refresh
// fails rather than risk it.
func (s *Server) userRevokedAfter(ctx context.Context, subject string, issued time.Time) (bool, error) {
	if s.deny == nil {
		return false, nil
	}
	src := s.deny.src()
	if src == nil {
		return false, errNoStore
	}
	rs, err := src.Revocations(ctx)
	if err != nil {
		return false, err
	}
	revoked := false
	next := &denySnapshot{read: s.deny.now(), tokens: map[string]struct{}{}, principals: map[string]time.Time{}}
	for _, r := range rs {
		switch r.Kind {
		case RevokedToken:
			next.tokens[r.ID] = struct{}{}
		case RevokedPrincipal:
			next.principals[r.ID] = r.At
			if r.ID == subject && !issued.After(r.At) {
				revoked = true
			}
		}
	}
	if cur := s.deny.snap.Load(); cur != nil {
		next = merge(next, cur, &denySnapshot{tokens: map[string]struct{}{}, principals: map[string]time.Time{}})
	}
	s.deny.snap.Store(next)
	return revoked, nil
}

// revoke records r in the shared store and in this instance's copy.
func (s *Server) revoke(ctx context.Context, r Revocation) error {
	if s.opts.Revocations == nil {
		return errNoStore
	}
	src := s.opts.Revocations()
	if src == nil {
		return errNoStore
	}
	if err := src.Revoke(ctx, r); err != nil {
		return err
	}
	if s.deny != nil {
		s.deny.add(r)
	}
	return nil
}

// RevokeUser revokes every token of name issued until now: its access
// tokens at the resource server, its refresh tokens at the next refresh.
func (s *Server) RevokeUser(ctx context.Context, name string) error {
	now := s.now()
	return s.revoke(ctx, Revocation{Kind: RevokedPrincipal, ID: name, At: now,
		Expires: now.Add(RevocationHorizon(s.opts.AccessTokenTTL, s.opts.RefreshTokenTTL))})
}
