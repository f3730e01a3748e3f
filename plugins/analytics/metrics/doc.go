// Package metrics is the custom-metric language of the analytics plugin:
// formulas over a period of an organization's working set, written in
// expr (github.com/expr-lang/expr), saved per organization.
//
// The language is expr's, narrowed to what a metric needs and made safe
// to run for anyone with read access:
//
//   - The environment is Env: the period's aggregates (revenue_net,
//     receivables, …) and its records (invoices, payments). Nothing else is
//     reachable: no clock (now, date are disabled), no files, no network, no
//     methods worth calling (Money hides decimal.Decimal's).
//   - Amounts are exact decimals (Money), never float64: + − * / and the
//     comparisons are overloaded for them; amount ÷ amount is a plain ratio.
//     sum and avg are our own, exact, over lists of amounts or numbers.
//   - Cost is bounded: at most MaxLength characters and MaxNodes syntax
//     nodes; no list function inside another's predicate (no loops nested
//     over the records); a memory budget that grows with the records, so a
//     formula can pass over them a bounded number of times; and a timeout.
//
// A bad formula is an *Error whose message names what is wrong (an unknown
// name, a type mismatch, a nested loop) and whose Allowed lists the fields,
// functions and operators.
//
// Store keeps definitions per organization: SQLite in the plugin's data
// directory, or the deployment's PostgreSQL when the operator grants it.
package metrics
