package app

import (
	"context"
	"errors"
	"fmt"
	"os"

	"github.com/billy-mcp/billy-mcp/host/internal/config"
	"github.com/billy-mcp/billy-mcp/host/internal/credentials"
	"github.com/billy-mcp/billy-mcp/host/internal/keyring"
	"github.com/billy-mcp/billy-mcp/proto/errmodel"
)

// LoadRing builds the key ring of credentials.*: the keys of
// credentials.keys_file and then of credentials.keys, the primary named by
// credentials.primary or else the first key (the file's first, which is
// where `billy-mcp keys rotate` writes a new key), and v1's reader when
// v1_key is set. Without any key it returns nil, nil: there is no built-in
// key.
func LoadRing(c config.CredentialsConfig) (*keyring.Ring, error) {
	var keys []keyring.Key
	if c.KeysFile != "" {
		b, err := os.ReadFile(c.KeysFile)
		if err != nil {
			return nil, fmt.Errorf("credentials.keys_file: %w", err)
		}
		if keys, err = keyring.ParseKeys(string(b)); err != nil {
			return nil, fmt.Errorf("credentials.keys_file %s: %w", c.KeysFile, err)
		}
	}
	more, err := keyring.ParseKeys(c.Keys)
	if err != nil {
		return nil, fmt.Errorf("credentials.keys: %w", err)
	}
	keys = append(keys, more...)
	if len(keys) == 0 {
		if c.V1Key != "" || c.Primary != 0 {
			return nil, errors.New("credentials: v1_key or primary is set, but no key is (credentials.keys, BILLY_MCP_CREDENTIALS_KEYS, or credentials.keys_file): there is no built-in key")
		}
		return nil, nil
	}
	primary := keys[0].ID
	if c.Primary != 0 {
		primary = uint32(c.Primary)
	}
	ring, err := keyring.New(keys, primary)
	if err != nil {
		return nil, fmt.Errorf("credentials: %w", err)
	}
	if c.V1Key != "" {
		if ring, err = ring.WithV1(c.V1Key, c.V1Salt); err != nil {
			return nil, fmt.Errorf("credentials.v1_key: %w", err)
		}
	}
	return ring, nil
}

// setUpKeys loads the key ring, which the host re-reads when it meets a
// value sealed under a key it does not hold (a key file that `billy-mcp
// keys rotate` rewrote beside it).
func (a *App) setUpKeys() error {
	ring, err := credentials.NewRing(func() (*keyring.Ring, error) { return LoadRing(a.Config.Credentials) })
	if err != nil {
		return err
	}
	a.keys = ring
	return nil
}

// billyToken is the gateway's token source outside sandbox mode: the
// configuration's token for its organization (billy.api_key with
// billy.organization_id, v1's BILLY_API_KEY and BILLY_ORGANIZATION_ID), and
// every other organization's from the store, opened with the key ring.
// An organization neither knows answers not_found: the configuration's
// token is never sent on behalf of another organization.
func (a *App) billyToken(apiKey string) func(context.Context, string) (string, error) {
	t := &credentials.Tokens{Ring: a.keys, Store: func() credentials.Store {
		if a.store == nil {
			return nil
		}
		if s := a.store.get(); s != nil {
			return s
		}
		return nil
	}}
	if apiKey != "" {
		t.Config = &credentials.Config{OrganizationID: a.Config.Billy.OrganizationID, Token: apiKey}
	}
	return func(ctx context.Context, org string) (string, error) {
		tok, err := t.Token(ctx, org)
		if err != nil && errmodel.From(err).Category == errmodel.Internal {
			// The cause (which key, which row) is for the operator.
			a.Logger.Error("an organization's Billy token could not be read", "organization", org, "error", err.Error())
		}
		return tok, err
	}
}

// checkCredentials refuses to start when the store holds sealed
// credentials and no key is configured, and warns about values sealed
// under keys the ring lacks (their organizations will fail).
func (a *App) checkCredentials(ctx context.Context) error {
	s := a.store.get()
	if s == nil {
		return nil // not open yet: checked by every read of a token
	}
	census, err := credentials.Census(ctx, s)
	if err != nil {
		return fmt.Errorf("credentials: %w", err)
	}
	total := 0
	for _, n := range census {
		total += n
	}
	ring := a.keys.Current()
	if total > 0 && ring == nil {
		return fmt.Errorf("the store holds %d encrypted credentials (%s) but no key is configured: set credentials.keys (BILLY_MCP_CREDENTIALS_KEYS) or credentials.keys_file; there is no built-in key",
			total, credentials.FormatCensus(census))
	}
	for id, n := range census {
		if n > 0 && ring != nil && (id == 0 && !ring.HasV1() || id != 0 && !ring.Has(id)) {
			a.Logger.Warn("credentials are sealed under a key this host does not hold; their organizations fail until it is given",
				"key", id, "values", n, "census", credentials.FormatCensus(census))
		}
	}
	if ring != nil {
		a.Logger.Info("credentials: key ring loaded", "keys", ring.IDs(), "primary", ring.Primary(), "census", credentials.FormatCensus(census))
	}
	return nil
}
