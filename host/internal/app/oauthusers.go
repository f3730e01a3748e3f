package app

import (
	"context"

	"github.com/billy-mcp/billy-mcp/host/internal/oauthserver"
	"github.com/billy-mcp/billy-mcp/host/internal/scopes"
	"github.com/billy-mcp/billy-mcp/host/internal/store"
)

// The embedded authorization server's users kept in the store (billy-mcp
// users add) and its revocation list, adapted from the store.

// findStoreUser reads a user of the store, expanding its roles with the
// roles configured now: a store user is read at every login, consent and
// refresh, so a change to it, or to auth.roles, applies at the next one.
// A role that no longer exists grants nothing rather than locking the
// user out (the error is logged).
func (a *App) findStoreUser(roles scopes.RoleSet) func(context.Context, string) (oauthserver.User, bool, error) {
	return func(ctx context.Context, name string) (oauthserver.User, bool, error) {
		s, err := a.durableStore()
		if err != nil {
			return oauthserver.User{}, false, err
		}
		u, err := s.OAuthUser(ctx, name)
		if err != nil || u == nil {
			return oauthserver.User{}, false, err
		}
		granted, err := roles.Expand(u.Roles, u.Scopes)
		if err != nil {
			a.Logger.Warn("a stored user's roles or scopes are not all known; those are ignored", "user", name, "error", err.Error())
			granted, _ = roles.Expand(nil, knownScopes(u.Scopes))
		}
		return oauthserver.User{Name: u.Name, PasswordHash: u.PasswordHash, Organizations: u.Organizations, Scopes: granted,
			RequireTOTP: u.RequireTOTP, Disabled: u.Disabled}, true, nil
	}
}

func knownScopes(in []string) []string {
	var out []string
	for _, s := range in {
		if scopes.Valid(s) {
			out = append(out, s)
		}
	}
	return out
}

// revocations is the store as the authorization server's revocation
// list, nil while the store is not open.
func (a *App) revocations() oauthserver.Revocations {
	s, err := a.durableStore()
	if err != nil {
		return nil
	}
	return storeRevocations{s}
}

type storeRevocations struct{ s *store.Store }

func (r storeRevocations) Revoke(ctx context.Context, v oauthserver.Revocation) error {
	return r.s.RevokeOAuth(ctx, store.OAuthRevocation(v))
}

func (r storeRevocations) Revocations(ctx context.Context) ([]oauthserver.Revocation, error) {
	rs, err := r.s.OAuthRevocations(ctx)
	out := make([]oauthserver.Revocation, len(rs))
	for i, v := range rs {
		out[i] = oauthserver.Revocation(v)
	}
	return out, err
}
