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
	// DataDir is a directory that belongs to this plugin alone (mode 0700,
	// under the host's data_dir), kept across restarts: where to keep your
	// own files, such as a SQLite database. Empty when the host has no
	// data_dir, or is too old to send one: keep state in memory then.
	DataDir string
	// DatabaseURL is the deployment's PostgreSQL URL, given only when the
	// operator grants this plugin the database (plugins.<name>.database)
	// and the deployment has one; empty otherwise, and then DataDir is the
	// place. Every instance of a deployment gets the same URL, so state
	// kept there is shared by them. It is a secret: never log or return
	// it. Keep your tables in a schema named after your plugin, so they
	// never meet the host's or another plugin's.
	DatabaseURL string
}

type deploymentKey struct{}

// DeploymentFrom returns the Deployment in the context Plugin.Configure is
// called with (the zero value elsewhere).
func DeploymentFrom(ctx context.Context) Deployment {
	d, _ := ctx.Value(deploymentKey{}).(Deployment)
	return d
}
