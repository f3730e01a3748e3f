// Package sandbox is a faithful fake of Billy.dk's REST API v2 with realistic
// Danish demo data. It is a module of its own: the host embeds it when no
// Billy token is configured (`make run`), and the billy-sandbox command (also
// `billy-mcp sandbox`) serves it standalone so that other clients and several
// hosts can share one. It depends on nothing of the host's.
//
// The host's Billy gateway talks to it over HTTP exactly as it talks to
// Billy, so the sandbox copies Billy's wire behaviour rather than inventing a
// nicer one. It follows shared/reference/billy-api.md; where that reference
// marks a behaviour as unknown or a guess, the choice made here is written
// next to the code as a "Billy:" or "Guess:" comment.
//
// # What it serves
//
// Under /v2 (X-Access-Token required, except for reference data):
//
//   - organization, organizations, user, user/organizations
//   - contacts, contactPersons, products, productPrices
//   - invoices (draft → approved → voided, credit notes, POST
//     /invoices/{id}/emails), invoiceLines, and a real PDF behind each
//     invoice's downloadUrl
//   - bankPayments and balanceModifiers (payments update balance and isPaid)
//   - transactions and postings written by approvals and payments
//   - bills and billLines (purchases at every Danish VAT treatment: input
//     VAT, EU goods and services and imports under reverse charge, domestic
//     reverse charge, restaurant 25 %, representation 0 %, mixed use 50 %,
//     no VAT), paid with bankPayments (cashSide credit), credited, voided
//     (bill_calc.go, bill_ops.go, h_bills.go)
//   - daybooks, daybookTransactions and daybookTransactionLines: journal
//     entries with contra accounts and VAT split out of lines with a tax
//     rate (daybook_ops.go)
//   - salesTaxReturns (GET, PUT isSettled: settling books the period's VAT
//     and duty balances to the settlement account) and salesTaxPayments
//     (salestax_ops.go); taxRateDeductionComponents, salesTaxMetaFields and
//     salesTaxAccounts, read-only (chart_books.go)
//   - files (raw upload, a download link) and attachments linking them to
//     bills, invoices and daybook transactions as vouchers (files.go)
//   - invoiceDeliveries (e-invoices to public buyers, logged at once as
//     received or failed for the common rejection causes) and invoiceLogs,
//     read-only (einvoice.go)
//   - taxRates, salesTaxRulesets, salesTaxRules, accounts, accountGroups,
//     accountNatures, currencies, countries, countryGroups, locales
//
// with Billy's envelope (singular or plural root keys plus meta), paging
// meta, include with sideload and embed, filters, sorting, the 401, 404,
// 405 and 422 error shapes and meta.deletedRecords.
//
// Under /_sandbox (no token, sandbox only): POST reset, GET/PUT faults, GET
// stats, POST restart and GET organizations (admin.go).
//
// # Faults, restarts and state
//
// Faults (faults.go) make the sandbox misbehave as a remote API does:
// latency, 500s, 429s with Retry-After, outages, slow requests, and the
// faults that leave a write's outcome unknown to its client: a write
// committed and then answered by dropping the connection, a write
// committed after its client's deadline, and a list cut off half way.
// Stats counts them. A sandbox served on a listener it owns (Serve,
// Listen, Start, billy-sandbox) can restart like a crashed server
// (Instance.Restart, POST /_sandbox/restart): every connection is cut,
// and it comes back on the same address with its data. With
// Options.StateFile the data also outlives the process (state_file.go).
//
// # Money
//
// Amounts, quantities, unit prices (up to 4 decimals) and rates are exact
// decimals on the wire and in every computation (money.go): a line is
// quantity × unit price less its discount, rounded to øre once, and VAT is
// computed per rate on the sum of the lines (invoice_calc.go). A cash
// discount larger than its line, or a unit price with more than 4
// decimals, is a 422.
//
// Guess: Billy's limits are unknown, so the sandbox chooses its own and
// refuses values past them with a 422 naming the field (bounds.go): money
// (unit and product prices, discounts, a line's amount, an invoice's or
// credit note's totals, a payment's cashAmount, feeAmount and what it
// settles) below 1,000,000,000,000 in its currency, quantities within
// ±1,000,000,000, exchange rates from 0.000001 to below 10,000. The ledger's
// int64 øre then never overflow, and the øre conversions panic rather than
// wrap if a value ever escaped.
//
// # Organizations and tokens
//
// Each business kind (freelancer, retail, service) is one organization with
// its own generated history. A Billy token belongs to exactly one company,
// and so does each organization's own token, "sbx-<business>-<hex>" (listed
// by Organizations and GET /_sandbox/organizations). The plain
// Options.Token acts like a user-level credential that reaches every
// organization: the request picks one with the organizationId query
// parameter, the X-Organization-Id header, or organizationId in the
// written record, and gets the default organization otherwise.
//
// # Determinism
//
// The data is a pure function of Options.Seed, Options.Business and the day
// of Options.Now at New. IDs of records created later come from a seeded
// source too, so the same sequence of requests gives the same answers,
// except downloadUrl, which changes on every read as Billy's does, and
// meta.time.
package sandbox
