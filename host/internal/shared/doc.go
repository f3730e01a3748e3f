// Package shared is the state several host instances share through Redis,
// so that any instance can serve any request: the Redis client itself (one
// server, Sentinel or Cluster from one configuration), the per-organization
// Billy token buckets, and MCP sessions of the stateful protocol revision
// (their IDs, and the client's capabilities from its initialize).
//
// Redis is never a single point of failure: every operation has a short
// timeout, and when one fails the caller carries on with what one instance
// knows (its own token bucket; a session ID of valid form), counted in
// billy_shared_fallbacks_total.
package shared
