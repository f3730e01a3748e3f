package sdk_test

import (
	"context"
	"encoding/json"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/billy-mcp/billy-mcp/sdk"
	"github.com/billy-mcp/billy-mcp/sdk/sdktest"
)

// TestDeploymentReachesConfigure: what the host says about the deployment
// (over gRPC, as a real host sends it) is what Configure reads.
func TestDeploymentReachesConfigure(t *testing.T) {
	key := make([]byte, 32)
	key[0] = 7
	tests := []struct {
		name string
		opts []sdktest.Option
		want sdk.Deployment
	}{
		{"no storage", []sdktest.Option{sdktest.WithSigningKey(key)},
			sdk.Deployment{Environment: "test", SigningKey: key}},
		{"a folder and a database", []sdktest.Option{sdktest.WithSigningKey(key), sdktest.WithDataDir("/var/lib/billy-mcp/plugins/p"),
			sdktest.WithDatabaseURL("postgres://u:p@db/billy")},
			sdk.Deployment{Environment: "test", SigningKey: key, DataDir: "/var/lib/billy-mcp/plugins/p", DatabaseURL: "postgres://u:p@db/billy"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got sdk.Deployment
			p := &sdk.Plugin{Name: "p", Version: "1.0.0", Configure: func(ctx context.Context, _ json.RawMessage) error {
				got = sdk.DeploymentFrom(ctx)
				return nil
			}}
			sdktest.New(t, p, tt.opts...)
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("deployment (-want +got):\n%s", diff)
			}
		})
	}
}
