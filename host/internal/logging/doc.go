// Package logging bridges libraries that log through log/slog (mcp-go's
// HTTP transport) into the host's hclog logger, so every line on stderr is
// one structured format with one level setting.
package logging
