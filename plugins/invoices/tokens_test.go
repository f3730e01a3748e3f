package invoices

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/billy-mcp/billy-mcp/sdk"
	"github.com/billy-mcp/billy-mcp/sdk/sdktest"
	"github.com/google/go-cmp/cmp"
)

// deploymentStore stands for the host's store, shared by every instance
// of a deployment: what one instance used up is used up on all. down makes
// it fail as a store that does not answer.
type deploymentStore struct {
	mu    sync.Mutex
	used  map[string]time.Time
	asked []string // key@until, in order
	down  bool
}

func (d *deploymentStore) option() sdktest.Option {
	return sdktest.WithConsumeOnce(func(_ context.Context, key string, until time.Time) (bool, error) {
		d.mu.Lock()
		defer d.mu.Unlock()
		d.asked = append(d.asked, key+"@"+until.UTC().Format(time.RFC3339))
		if d.down {
			return false, &sdk.Error{Code: "store_unavailable", Category: sdk.CategoryUpstreamUnavailable, Retryable: true,
				Message: "the host's database did not answer"}
		}
		if _, ok := d.used[key]; ok {
			return false, nil
		}
		if d.used == nil {
			d.used = map[string]time.Time{}
		}
		d.used[key] = until
		return true, nil
	})
}

// instance starts another process of e's plugin (its own memory) against
// the same Billy, signing key and store: another host instance.
func (e *env) instance(opts ...sdktest.Option) *sdktest.Harness {
	p := newPlugin(e.clock.Now, rand.Reader)
	base := []sdktest.Option{sdktest.WithBilly(e.billy.serve), sdktest.WithWritesMode(sdk.WritesConfirm), sdktest.WithSigningKey(e.key),
		sdktest.WithCaller(sdk.Caller{Subject: "test", OrganizationID: "org-1", Transport: "mcp-http"})}
	return sdktest.New(e.t, p.declare(), append(base, opts...)...)
}

// TestTokenSingleUseAcrossInstances: a preview on one instance, its token
// used on another, and the same token again on the first: refused as used
// (not merely as a changed record), and Billy was written once.
func TestTokenSingleUseAcrossInstances(t *testing.T) {
	store := &deploymentStore{}
	e := newEnv(t, sdk.WritesConfirm, store.option())
	seedWrites(e.billy)
	args := map[string]any{"invoiceId": "inv-draft"}
	pre := e.preview(e.h, "approve_invoice", args)

	b := e.instance(store.option())
	var done WriteResult[Invoice]
	if err := b.CallToolInto(context.Background(), "approve_invoice", with(args, "confirmation_token", pre.ConfirmationToken), &done); err != nil {
		t.Fatalf("instance B refused A's token: %v", err)
	}
	if done.Status != statusDone {
		t.Fatalf("B: %+v", done)
	}
	err := e.call("approve_invoice", with(args, "confirmation_token", pre.ConfirmationToken), new(json.RawMessage))
	wantCode(t, err, sdk.CategoryConflict, "confirmation_token_used")
	if n := len(e.billy.writes()); n != 1 {
		t.Errorf("%d writes reached Billy, want 1", n)
	}

	// The nonce is kept under this plugin's prefix until the token expires.
	exp, _ := time.Parse(time.RFC3339, pre.ExpiresAt)
	if len(store.asked) != 2 || store.asked[0] != store.asked[1] ||
		!strings.HasPrefix(store.asked[0], "confirmation:") || !strings.HasSuffix(store.asked[0], "@"+exp.UTC().Format(time.RFC3339)) {
		t.Errorf("asked the store: %v (token expires %s)", store.asked, pre.ExpiresAt)
	}
}

// TestTokenStoreDown: when the host cannot check the token's use, nothing
// is written and the error is retryable; once the store answers again the
// same token works, once.
func TestTokenStoreDown(t *testing.T) {
	store := &deploymentStore{down: true}
	e := newEnv(t, sdk.WritesConfirm, store.option())
	seedWrites(e.billy)
	args := map[string]any{"invoiceId": "inv-approved", "message": "Hej"}
	pre := e.preview(e.h, "send_invoice", args)
	e.billy.reset()

	err := e.call("send_invoice", with(args, "confirmation_token", pre.ConfirmationToken), new(json.RawMessage))
	se := wantCode(t, err, sdk.CategoryUpstreamUnavailable, "store_unavailable")
	if !se.Retryable || !strings.Contains(se.Message, "nothing was written") || !strings.Contains(se.Message, "same token") {
		t.Errorf("the refusal must be retryable and say nothing was written and to retry: %+v", se)
	}
	if w := e.billy.writes(); len(w) != 0 {
		t.Fatalf("written while the store was down: %v", w)
	}

	store.mu.Lock()
	store.down = false
	store.mu.Unlock()
	e.mustCall("send_invoice", with(args, "confirmation_token", pre.ConfirmationToken), new(json.RawMessage))
	err = e.call("send_invoice", with(args, "confirmation_token", pre.ConfirmationToken), new(json.RawMessage))
	wantCode(t, err, sdk.CategoryConflict, "confirmation_token_used")
}

// TestTokenOnOldHost: a host that predates ConsumeOnce leaves the
// process's memory: the token is still single-use within the process.
func TestTokenOnOldHost(t *testing.T) {
	e := newEnv(t, sdk.WritesConfirm, sdktest.WithoutConsumeOnce())
	seedWrites(e.billy)
	args := map[string]any{"invoiceId": "inv-draft"}
	pre := e.preview(e.h, "approve_invoice", args)
	var results []string
	for range 2 {
		var out WriteResult[Invoice]
		if err := e.call("approve_invoice", with(args, "confirmation_token", pre.ConfirmationToken), &out); err != nil {
			results = append(results, sdk.AsError(err).Code)
		} else {
			results = append(results, out.Status)
		}
	}
	if diff := cmp.Diff([]string{statusDone, "confirmation_token_used"}, results); diff != "" {
		t.Errorf("two uses on an old host (-want +got):\n%s", diff)
	}
	if !e.p.tokens.HostLacksOnce() {
		t.Error("the plugin did not note that the host keeps no nonces")
	}
}

// TestTokenExpiresAtTheHost: a token that expires between the plugin's
// check and the host's is refused as expired.
func TestTokenExpiresAtTheHost(t *testing.T) {
	late := sdktest.WithConsumeOnce(func(context.Context, string, time.Time) (bool, error) {
		return false, sdk.Invalid("expires_unix", "the key's expiry has passed")
	})
	e := newEnv(t, sdk.WritesConfirm, late)
	seedWrites(e.billy)
	args := map[string]any{"invoiceId": "inv-draft"}
	pre := e.preview(e.h, "approve_invoice", args)
	err := e.call("approve_invoice", with(args, "confirmation_token", pre.ConfirmationToken), new(json.RawMessage))
	wantCode(t, err, sdk.CategoryConflict, "confirmation_token_expired")
}
