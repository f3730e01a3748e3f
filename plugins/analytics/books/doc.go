// Package books is the analytics plugin's working set: each organization's
// invoices (with lines), credit notes, payment allocations, bills, postings
// and the reference records they point to (contacts, products, accounts,
// tax rates), copied from Billy through the host's gateway into a local
// SQLite database and kept up to date incrementally.
//
// Why SQLite and not DuckDB or the host's store: the plugin holds no
// credentials and may not open the host's database, a pure-Go SQLite
// driver (modernc.org/sqlite) is already a dependency of the repository,
// needs no cgo and no server, and aggregates 100,000 invoices in SQL with
// flat memory. DuckDB would need cgo.
//
// Money is stored as integer hundredths ("cents", øre for DKK): Billy's
// amounts have at most two decimals, so integer sums in SQL are exact and
// nothing is ever a float. Rates and quantities are decimal strings.
//
// Billy has no updatedTime (billy-api.md §9), so "only what changed" is
// built from what Billy does offer: records created since the last sync
// (createdTime, newest first, until the previous high-water mark), every
// record that is still open (isPaid=false: drafts, unpaid invoices, whose
// balance changes), the voided ones, and postings from the earliest entry
// date any new transaction touched. See Sync.
package books
