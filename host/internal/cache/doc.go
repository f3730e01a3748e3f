// Package cache keeps Billy's answers to reads so that tool calls need not
// wait for Billy, and drops them when a write may have changed them. The
// Billy gateway is its only user: plugins benefit without knowing of it.
//
// # Tiers
//
// Every read is looked up in-process first (otter, bounded by the bytes it
// holds), then in Redis when one is configured (go-redis's universal
// client: one server, Sentinel or Cluster). A Redis hit is copied into the
// in-process tier. A miss goes to Billy and the answer is stored in both.
//
// # Keys
//
// An answer is stored under its organization, a hash of the Billy
// credential that read it (a token that may see less must never be served
// what another saw), its path and its whole query (lists are cached by
// their full query: filters, sort, page). In Redis every key of an
// organization carries the organization in a hash tag, so that one
// organization's keys share a Cluster slot and a lookup is one round trip.
//
// # Invalidation by generations
//
// Each answer depends on tags: the record it is (r:invoices:ID), the lists
// of its kind (l:invoices), the kinds of the children it includes (an
// invoice's lines), the belongs-to records it embeds or sideloads, found
// in the answer itself (its contact: r:contacts:ID, so renaming another
// contact keeps it), and the organization as a whole (*). Each tag has a generation: a number from the
// organization's clock, which only grows. A write sets the generation of
// every tag it may affect to a new clock value: its own record and kind,
// every record Billy's answer says it changed (Billy returns them all,
// other kinds included, and lists deleted IDs), and the kinds that embed or
// aggregate it (lines into invoices, payments into invoice balances). An
// answer is stored with the generations its read saw before it went to
// Billy, and is valid while no tag's generation is newer. So:
//
//   - a write invalidates on every instance at once for the Redis tier (the
//     generations live there), and for the in-process tiers as soon as the
//     write's message on Redis pub/sub arrives (the propagation delay,
//     measured as billy_cache_invalidation_delay_seconds);
//   - a read that raced a write never stores the answer it got before the
//     write: storing is a compare-and-set on the generations it saw at the
//     start (a Lua script in Redis, a lock in-process), and an answer that
//     slipped in before the write's generations moved is invalid after.
//     The tags found in the answer were not known at the start; for them
//     the read remembers the organization's clock when it started, and a
//     tag moved past it (by a write since) refuses the store.
//
// Generations are forgotten (they expire) only after the longest an answer
// can live, so a forgotten generation never makes an old answer valid again.
//
// # Stale answers
//
// An answer lives in the cache past its TTL, up to Options.StaleMaxAge, as
// a fallback: when Billy is down, failing, slower than Options.StaleAfter
// or paused by the circuit breaker, the gateway serves it marked stale
// with its age and the reason. An answer a write invalidated is never
// served, stale or not.
//
// # Redis trouble
//
// Redis is an accelerator, never a dependency: every Redis operation has a
// short timeout, and after an error the cache stops asking Redis for a
// moment (RetryAfter) and carries on in-process, counting it. Writes made
// meanwhile are remembered and replayed to Redis when it is back; and since
// pub/sub messages may have been missed, the in-process tier is emptied
// whenever the subscription is re-established.
package cache
