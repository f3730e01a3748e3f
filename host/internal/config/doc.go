// Package config loads, checks and explains the host's configuration.
//
// The host runs in two very different places: on a newcomer's laptop with no
// configuration at all (sandbox mode, loopback, the default plugins) and in
// production behind a load balancer, configured by a YAML file and by
// environment variables set in a deployment dashboard. Both must start from
// the same rules, and a mistake must stop the host at start with a message
// that names the key and says what is allowed, not surface later as a
// confusing failure in the middle of a tool call.
//
// So the package keeps three promises:
//
//   - One precedence, layered with koanf: built-in defaults (Default), then
//     the YAML file, then the environment. Environment variables are
//     BILLY_MCP_<KEY> (the key path upper-cased, "." written as "_"), plus
//     the names v1 used (BILLY_API_KEY, BILLY_ORGANIZATION_ID or
//     BILLY_ORG_ID, BILLY_API_BASE, MCP_API_KEY, LOG_LEVEL) so existing
//     deployments keep working; a BILLY_MCP_ name beats its v1 name.
//   - Strictness with good errors: an unknown key or variable, a value of
//     the wrong type and a value out of range are all errors, each naming
//     the key (or variable) and what is allowed, and all of them are
//     reported at once. A typo must never silently fall back to a default.
//   - Safe defaults that are derived, not guessed: with no Billy token the
//     host is in sandbox mode and writes go straight to the fake Billy; with
//     a token it is in production and writes need confirmation; without
//     API keys the host refuses any address but loopback.
//
// The rules live in one place, the JSON Schema generated from the Go types
// (schema.go), published as configs/billy-mcp.schema.json so that editors
// check a YAML file as it is typed, and used by the host to check the file,
// the environment and Validate alike; a test keeps the published file in
// step with the types (go test ./internal/config -update rewrites it).
//
// A file's plugins section adds to the built-in plugin set (invoices,
// moms) rather than replacing it, so that enabling a third-party plugin
// never silently switches off the accounting tools; plugin_set: replace
// asks for exactly the listed plugins, and enabled: false switches one off.
//
// Plugin binaries themselves are not looked at here: the plugin manager
// verifies and starts them. A plugin's own "config" section is free-form and
// validated by the plugin.
package config
