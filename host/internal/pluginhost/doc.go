// Package pluginhost supervises the host's plugins (the tool groups in the
// repository's plugins/ folder, and third parties'): it verifies each
// binary's SHA-256 before launching it, starts it as a go-plugin subprocess
// with AutoMTLS and
// none of the host's environment, asks it what it offers (Describe), hands
// it its config section and a broker connection to host services
// (Configure), registers its catalog, health-checks it, and restarts it with
// capped exponential backoff when it dies, while its tools answer a clear
// retryable error. The supervision follows Nomad's driver manager.
//
// Plugin stdout and stderr never reach the host's stdout (which belongs to
// the MCP stdio transport): stderr carries the plugin's structured logs into
// the host's logger, stdout is logged at debug level.
package pluginhost
