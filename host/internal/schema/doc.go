// Package schema validates tool arguments against the JSON Schema a plugin
// declared for them, before the call leaves the host.
//
// Validating in the host gives every plugin, including third-party ones, the
// same clear errors: each violation names the field by its path
// ("lines[0].unitPrice") and says what is allowed, which is what a model
// needs to correct its call.
package schema
