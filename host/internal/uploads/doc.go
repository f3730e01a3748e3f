// Package uploads is the host's upload endpoint, POST /uploads: an HTTP
// client sends a file's bytes once, out of band, and gets a short-lived
// handle that a tool argument names instead of the bytes (integrations.md
// § 5.3; shaped after SEP-2631's authorizeUpload, so it can map onto it
// once that lands). Uploads live in the durable store, so a handle made
// on one instance is read on another; a plugin reads one through the
// host service (hostsvc ReadUpload), and only on behalf of the principal
// that uploaded it.
package uploads
