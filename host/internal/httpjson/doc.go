// Package httpjson writes the host's JSON answers over HTTP: the one place
// that knows the REST envelope of an error ({"success": false, "error":
// ...}), its status per category and its Retry-After header. The REST API,
// the health endpoints and the HTTP middleware all answer through it.
package httpjson
