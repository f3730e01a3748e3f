// Package testkit holds the helpers the host's tests share, so that each is
// written once: a buffer safe for a subprocess's concurrent writes, a value's
// JSON as clients decode it, and an HTTP round trip through a handler with
// its JSON answer decoded. Only tests import it.
package testkit
