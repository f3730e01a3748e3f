package app

import (
	"context"
	"encoding/json"
	"strconv"
	"time"

	"github.com/billy-mcp/billy-mcp/host/internal/billy"
	"github.com/billy-mcp/billy-mcp/host/internal/pluginhost"
	"github.com/billy-mcp/billy-mcp/host/internal/registry"
	"github.com/billy-mcp/billy-mcp/host/internal/schema"
	"github.com/billy-mcp/billy-mcp/proto/errmodel"
	pluginv1 "github.com/billy-mcp/billy-mcp/proto/plugin/v1"
)

// runOpsCheckName is v1's run_ops_check: the host's own checks, for
// administrators. v1's tool ran npm scripts on the server; this one asks
// the parts a call depends on.
const runOpsCheckName = "run_ops_check"

func runOpsCheckTool() (*registry.Tool, error) {
	in := json.RawMessage(`{"type":"object","properties":{},"additionalProperties":false}`)
	s, err := schema.Compile(runOpsCheckName, in)
	if err != nil {
		return nil, err
	}
	yes := true
	return &registry.Tool{
		Name: runOpsCheckName, Title: "Operations check", Category: "admin",
		Description: "Administrators: the host's own checks: Billy reachable and the organization's token accepted, each plugin's state, the cache and Redis, the durable store, the audit writer's backlog; ok, degraded or failing with a reason per check.",
		InputSchema: in, Input: s, Scopes: []string{"admin"},
		Annotations: registry.Annotations{ReadOnly: &yes, Idempotent: &yes},
	}, nil
}

// OpsCheck is one check's result.
type OpsCheck struct {
	Name   string `json:"name"`
	Status string `json:"status"` // ok, degraded or failing
	Detail string `json:"detail"`
	// Code is the error code when the check failed on an error.
	Code       string `json:"code,omitempty"`
	DurationMS int64  `json:"duration_ms"`
}

// OpsReport is run_ops_check's answer.
type OpsReport struct {
	Status string     `json:"status"` // the worst of the checks
	Checks []OpsCheck `json:"checks"`
}

// opsCheck runs the checks for the caller's organization.
func (a *App) opsCheck(ctx context.Context, org string) OpsReport {
	var r OpsReport
	add := func(c OpsCheck, start time.Time) {
		c.DurationMS = time.Since(start).Milliseconds()
		r.Checks = append(r.Checks, c)
	}

	// Billy: the organization read fresh, past the cache, with the
	// organization's own token.
	start := time.Now()
	c := OpsCheck{Name: "billy", Status: "ok"}
	bctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	resp, err := a.gateway.Do(bctx, billy.Request{OrganizationID: org, Method: "GET", Path: "/organizations/" + org, Fresh: true})
	cancel()
	switch {
	case err != nil:
		e := errmodel.From(err)
		c.Status, c.Code, c.Detail = "failing", e.Code, e.Message
	default:
		c.Detail = "Billy answered " + strconv.Itoa(resp.Status) + "; breaker " + a.gateway.BreakerState(org)
	}
	add(c, start)

	// Plugins: as the manager knows them.
	start = time.Now()
	c = OpsCheck{Name: "plugins", Status: "ok"}
	ready, total := 0, 0
	for _, s := range a.Plugins.Statuses() {
		total++
		if s.State == pluginhost.StateReady {
			ready++
			continue
		}
		c.Status = "degraded"
		c.Detail += s.Name + " is " + string(s.State)
		if s.LastError != "" {
			c.Detail += " (" + s.LastError + ")"
		}
		c.Detail += "; "
	}
	c.Detail += strconv.Itoa(ready) + " of " + strconv.Itoa(total) + " ready"
	if total > 0 && ready == 0 {
		c.Status = "failing"
	}
	add(c, start)

	// The cache and Redis.
	start = time.Now()
	c = OpsCheck{Name: "cache", Status: "ok"}
	switch {
	case a.cache == nil:
		c.Detail = "off (cache.enabled: false)"
	default:
		st := a.cache.Stats(ctx, org)
		c.Detail = strconv.Itoa(st.Local.Entries) + " answers in process"
		if a.redis != nil {
			if st.Redis.Up {
				c.Detail += "; Redis answers"
			} else {
				c.Status, c.Detail = "degraded", c.Detail+"; Redis does not answer: the cache works in process only"
			}
		}
	}
	add(c, start)

	// The durable store.
	start = time.Now()
	c = OpsCheck{Name: "store", Status: "ok"}
	if s := a.store.get(); s == nil {
		c.Status, c.Detail = "failing", "not open: confirmed writes, idempotency keys, tasks and the audit log wait for it"
	} else if err := s.Ping(ctx); err != nil {
		c.Status, c.Detail = "failing", s.Backend()+" does not answer: "+err.Error()
	} else {
		c.Detail = s.Backend() + ", " + s.Where()
	}
	add(c, start)

	// The audit writers' backlog, as the metrics have it.
	start = time.Now()
	c = OpsCheck{Name: "audit", Status: "ok"}
	backlog := 0.0
	if mfs, err := a.Metrics.Gather(); err == nil {
		for _, mf := range mfs {
			if mf.GetName() == "billy_mcp_audit_backlog" {
				for _, m := range mf.GetMetric() {
					backlog += m.GetGauge().GetValue()
				}
			}
		}
	}
	c.Detail = strconv.Itoa(int(backlog)) + " records waiting for the writers"
	if backlog > 1000 {
		c.Status = "degraded"
	}
	add(c, start)

	r.Status = "ok"
	for _, c := range r.Checks {
		if c.Status == "failing" {
			r.Status = "failing"
		} else if c.Status == "degraded" && r.Status == "ok" {
			r.Status = "degraded"
		}
	}
	return r
}

func callRunOpsCheck(ctx context.Context, check func(context.Context, string) OpsReport, req *pluginv1.CallToolRequest) (*pluginv1.CallToolResponse, error) {
	org := req.GetContext().GetCaller().GetOrganizationId()
	b, err := json.Marshal(check(ctx, org))
	if err != nil {
		return nil, errmodel.New(errmodel.Internal, "internal", "encoding the checks: %v", err)
	}
	return &pluginv1.CallToolResponse{StructuredContentJson: string(b), TextFromStructured: true}, nil
}
