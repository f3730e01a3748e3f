// Package reconcile makes the host's writes to Billy answerable when their
// answer is lost.
//
// Billy has no idempotency keys (billy-api.md §8): a POST whose connection
// breaks after sending may or may not have been saved, and sending it again
// may make a second invoice. So every create of a resource that keeps a
// field Billy lets clients filter by carries a marker in that field: an
// invoice's externalId is set to "bmcp-" and 26 base32 characters, unless
// the caller set externalId itself. When the answer is lost, Send looks the
// record up by its marker for a few seconds and answers with what Billy
// saved; only when it cannot tell is the answer write_outcome_unknown, and
// then it names the marker to look for.
//
// A marker follows from the call's journal (dispatch): random per call, or
// derived from the call's idempotency key, so the same write of a retried
// call carries the same marker. A retry that takes over a key whose first
// call ended unknown sends its writes in check-first mode: a marked create
// is looked up before it is sent, and one that cannot be looked up is not
// sent at all.
//
// Which resources carry a marker, and in which field, is markedResources:
// only invoices today, the one resource whose filter on a free field Billy
// documents. docs/operators.md lists it for people.
package reconcile
