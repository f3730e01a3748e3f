package analytics

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"strconv"
	"sync"
	"time"

	"github.com/billy-mcp/billy-mcp/plugins/analytics/books"
	"github.com/billy-mcp/billy-mcp/sdk"
)

// staleAfter is how old a working set may be before a report syncs it
// first (incrementally, which is a few requests when little changed).
const staleAfter = 10 * time.Minute

// Plugin is the analytics plugin: one per process, shared by every
// organization the host calls it for.
type Plugin struct {
	now func() time.Time

	mu      sync.Mutex
	dataDir string // from the host; "" = a temporary directory
	// databaseURL is the deployment's PostgreSQL URL when the operator
	// granted it (a secret: never logged), for state every instance must
	// share (saved custom metrics); "" otherwise. The working set does
	// not use it: it is a per-instance cache of Billy.
	databaseURL string
	store       *books.Store
}

// New declares the plugin.
func New() *sdk.Plugin { return (&Plugin{now: time.Now}).declare() }

func (p *Plugin) declare() *sdk.Plugin {
	var tools []sdk.Tool
	tools = append(tools, p.coreTools()...)
	tools = append(tools, p.modelTools()...)
	tools = append(tools, p.v1Tools()...)
	return &sdk.Plugin{
		Name:        "analytics",
		Version:     "0.1.0",
		Description: "Reports on the real books (revenue, receivables, cash-in, customers, profit and loss), a dashboard and exports (JSON, CSV, PDF), from a local working set synced from Billy.",
		Configure: func(ctx context.Context, _ json.RawMessage) error {
			p.mu.Lock()
			defer p.mu.Unlock()
			p.dataDir = deploymentDataDir(ctx)
			p.databaseURL = sdk.DeploymentFrom(ctx).DatabaseURL
			return nil
		},
		Tools:             tools,
		ResourceTemplates: p.resourceTemplates(),
	}
}

// readScopes is what every tool here needs: they only read the books.
var readScopes = []string{"billy:read"}

// storeFor opens the working set on first use.
func (p *Plugin) storeFor() (*books.Store, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.store != nil {
		return p.store, nil
	}
	st, err := books.Open(p.dataDir)
	if err != nil {
		return nil, sdk.NewError(sdk.CategoryInternal, "analytics_store_unavailable", "the analytics working set could not be opened: %v", err)
	}
	st.Now = p.now
	p.store = st
	return st, nil
}

// billyFor binds books.Billy to the call: reads go through the host's
// gateway as the caller.
func billyFor(call *sdk.Call) books.Billy {
	return func(ctx context.Context, path string, q url.Values) ([]byte, error) {
		resp, err := call.Host.Billy(ctx, sdk.BillyRequest{Method: "GET", Path: path, Query: q})
		if err != nil {
			return nil, err
		}
		if resp.Status < 200 || resp.Status > 299 {
			cat := sdk.CategoryUpstreamUnavailable
			if resp.Status < 500 {
				cat = sdk.CategoryValidation
			}
			return nil, sdk.NewError(cat, "billy_request_failed", "Billy answered HTTP %s to GET %s", strconv.Itoa(resp.Status), path)
		}
		return resp.Body, nil
	}
}

func progressFor(ctx context.Context, call *sdk.Call) books.Progress {
	return func(done, total int, msg string) {
		_ = call.Host.Progress(ctx, float64(done), float64(total), msg)
	}
}

// orgOf is the organization the call acts on.
func orgOf(call *sdk.Call) (string, error) {
	if call.Caller.OrganizationID == "" {
		return "", sdk.NewError(sdk.CategoryValidation, "organization_required", "this call acts on no Billy organization; name one in the organization argument")
	}
	return call.Caller.OrganizationID, nil
}

// workingSet is the caller's organization's working set, synced first
// when it never was or is older than staleAfter.
func (p *Plugin) workingSet(ctx context.Context, call *sdk.Call) (*books.Set, error) {
	org, err := orgOf(call)
	if err != nil {
		return nil, err
	}
	st, err := p.storeFor()
	if err != nil {
		return nil, err
	}
	set, err := st.Set(ctx, org)
	if err != nil {
		return nil, storeErr(err)
	}
	if last := set.Info().LastSync; last.IsZero() || p.now().Sub(last) > staleAfter {
		if _, err := st.Sync(ctx, org, billyFor(call), progressFor(ctx, call), false); err != nil {
			return nil, syncErr(err)
		}
		if set, err = st.Set(ctx, org); err != nil {
			return nil, storeErr(err)
		}
	}
	return set, nil
}

func storeErr(err error) error {
	return sdk.NewError(sdk.CategoryInternal, "analytics_store_failed", "the analytics working set failed: %v", err)
}

// syncErr passes Billy's and the host's errors on as they are (with what
// was being synced), and wraps the rest.
func syncErr(err error) error {
	var e *sdk.Error
	if errors.As(err, &e) {
		out := *e
		out.Message = fmt.Sprintf("syncing the working set: %s", e.Message)
		return &out
	}
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return sdk.NewError(sdk.CategoryUpstreamUnavailable, "analytics_sync_interrupted",
			"the sync was interrupted (%v); what was read is kept, and the next sync goes on from there", err)
	}
	return sdk.NewError(sdk.CategoryInternal, "analytics_sync_failed", "syncing the working set failed: %v", err)
}
