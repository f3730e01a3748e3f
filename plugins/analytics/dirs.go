package analytics

import (
	"context"

	"github.com/billy-mcp/billy-mcp/sdk"
)

// deploymentDataDir is the plugin's private data directory from the host
// ("" when the host runs without one: the working set then lives in a
// temporary directory and is rebuilt after a restart).
//
// The working set does not use the deployment's DatabaseURL: it is a
// cache of Billy that any instance can rebuild, so each instance keeping
// its own SQLite copy is correct, only slower to warm up. Saved metrics,
// which every instance must share, do (metricStore).
func deploymentDataDir(ctx context.Context) string { return sdk.DeploymentFrom(ctx).DataDir }
