package sdk

import "context"

// Deployment is what the host tells a plugin about where it runs, when it
// configures it.
type Deployment struct {
	// Environment is "sandbox", "production" or "test".
	Environment string
	// SigningKey (32 bytes) signs what the plugin hands to clients to bring
	// back later, such as confirmation tokens. The host derives it for this
	// plugin from the deployment's signing key, so it is the same on every
	// instance and after restarts: a token issued by one process is good in
	// the next. Nil from a host too old to send one; draw a key then.
	SigningKey []byte
}

type deploymentKey struct{}

// DeploymentFrom returns the Deployment in the context Plugin.Configure is
// called with (the zero value elsewhere).
func DeploymentFrom(ctx context.Context) Deployment {
	d, _ := ctx.Value(deploymentKey{}).(Deployment)
	return d
}
