package analytics

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/billy-mcp/billy-mcp/sdk"
	"github.com/billy-mcp/billy-mcp/sdk/sdktest"
)

// metricsHarness is the plugin as one instance of a deployment runs it:
// its own data folder, the deployment's database when url is given.
func metricsHarness(t *testing.T, org, url string) *sdktest.Harness {
	t.Helper()
	p := &Plugin{now: func() time.Time { return anchor }}
	opts := []sdktest.Option{sdktest.WithDataDir(t.TempDir()),
		sdktest.WithCaller(sdk.Caller{Subject: "u", OrganizationID: org, Scopes: []string{"billy:read", "reports:write"}})}
	if url != "" {
		opts = append(opts, sdktest.WithDatabaseURL(url))
	}
	h, err := sdktest.Start(t, p.declare(), opts...)
	if err != nil {
		t.Fatal(err)
	}
	return h
}

// TestMetricsSharedThroughTheDatabase: granted the deployment's database,
// every instance sees a metric defined on any of them (each with a data
// folder of its own, as on separate machines).
func TestMetricsSharedThroughTheDatabase(t *testing.T) {
	url := os.Getenv("BILLY_TEST_POSTGRES_URL")
	if url == "" {
		if testing.Short() {
			t.Skip("-short: no PostgreSQL")
		}
		t.Fatal("BILLY_TEST_POSTGRES_URL is not set (make test starts a PostgreSQL; -short skips this)")
	}
	org := fmt.Sprintf("org-%d", time.Now().UnixNano())
	ctx := context.Background()
	a, b := metricsHarness(t, org, url), metricsHarness(t, org, url)
	var def DefineMetricOutput
	if err := a.CallToolInto(ctx, "define_metric", DefineMetricInput{Name: "net", Expression: "revenue_net"}, &def); err != nil {
		t.Fatal(err)
	}
	if !def.Durable {
		t.Errorf("a metric in the database is not durable: %+v", def)
	}
	var list ListMetricsOutput
	if err := b.CallToolInto(ctx, "list_metrics", ListMetricsInput{}, &list); err != nil {
		t.Fatal(err)
	}
	if len(list.Metrics) != 1 || list.Metrics[0].Name != "net" {
		t.Errorf("the other instance lists %+v, want the metric defined on the first", list.Metrics)
	}
}

// TestMetricsDatabaseDown: a database that cannot be reached is a
// retryable failure that names neither its host nor its user.
func TestMetricsDatabaseDown(t *testing.T) {
	h := metricsHarness(t, "org-1", "postgres://analytics_user:s3cret@127.0.0.1:1/billy?connect_timeout=1")
	var e *sdk.Error
	err := h.CallToolInto(context.Background(), "list_metrics", ListMetricsInput{}, &ListMetricsOutput{})
	if !errors.As(err, &e) || e.Code != "metrics_store_unavailable" || e.Category != sdk.CategoryUpstreamUnavailable {
		t.Fatalf("list_metrics with the database down: %v", err)
	}
	for _, leak := range []string{"s3cret", "analytics_user", "127.0.0.1"} {
		if strings.Contains(e.Message, leak) {
			t.Errorf("the error shows %q: %s", leak, e.Message)
		}
	}
}
