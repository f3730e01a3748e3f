// Package billy is the host's gateway to Billy.dk's REST API v2: the only
// code in the system that talks to Billy and the only holder of Billy access
// tokens. Plugins reach it through the host and never see a token.
//
// One Gateway serves every organization. For each request it
//
//   - checks the request: the path must be a plain path below the configured
//     base URL (no scheme, host, "..", empty segment or escape), so a plugin
//     can never point the access token at another host; redirects are never
//     followed for the same reason;
//   - fails fast while the organization's circuit breaker is open
//     (sony/gobreaker; only network errors, timeouts and 5xx count);
//   - waits for the organization's token bucket (golang.org/x/time/rate);
//   - sends it over one pooled http.Client with X-Access-Token, Accept,
//     Content-Type on writes, a billy-mcp User-Agent and X-Correlation-ID;
//   - retries reads (GET) on network errors, timeouts, 429 and 5xx with
//     exponential backoff and full jitter, honouring Retry-After, bounded by
//     RetryPolicy.MaxAttempts, RetryPolicy.MaxElapsed and the caller's ctx;
//   - never retries writes: Billy has no idempotency keys, so a write whose
//     answer was lost is reported as "write_outcome_unknown" (not retryable)
//     and the caller must read back before trying again;
//   - folds concurrent identical reads (same organization, path and query)
//     into one upstream request; writes are never folded;
//   - maps Billy's error envelope (errorCode, errorMessage,
//     validationErrors) to *errmodel.Error, and returns successful bodies
//     verbatim: the gateway neither reshapes Billy's envelope nor pages.
//
// # Writes answered 5xx
//
// A write that Billy answers with 429 or 503 was refused before it was
// processed (that is what those statuses mean, and what load balancers and
// maintenance pages send), so the error is retryable: rate_limited or
// upstream_unavailable. A write answered 500, 502, 504 or any other 5xx may
// have been committed before the failure (500: the application failed
// somewhere while handling it; 502/504: a proxy lost the answer of an
// upstream that may have finished), so it is "write_outcome_unknown" like a
// lost connection. The gateway still retries none of them itself.
//
// A write whose connection failed before its headers were written (the dial
// failed, say) certainly did not reach Billy: that is "upstream_unreachable",
// retryable. A write whose caller gave up after it was sent is
// "write_outcome_unknown" rather than ctx.Err(), because the caller then
// needs to know that Billy may have done it.
//
// # Metrics and label cardinality
//
// Labels are kept bounded: "resource" is the first path segment only when it
// is one of Billy's known resources (otherwise "other"), "method" is one of
// five, "status" is an HTTP status code or "error". Organization IDs appear
// only on billy_upstream_breaker_state, verbatim (they are opaque Billy IDs,
// not personal data, and an operator must be able to find the organization
// whose breaker is open), for at most Options.MaxOrganizationSeries
// organizations, non-closed breakers first; billy_upstream_breakers{state}
// always counts all of them.
//
// # Logging
//
// One debug line per attempt, a warning per retry and per breaker change.
// Tokens, request and response bodies and query values (a search text can
// be a person's name) are never logged; query keys are.
package billy
