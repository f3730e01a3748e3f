// Package economic is a fake of e-conomic's REST API (restapi.e-conomic.com,
// the legacy API e-conomic keeps under feature freeze) for tests and demos
// of migrate_from_economic: the read side of one or more agreements, with
// e-conomic's envelopes, its paging, its auth headers and its error bodies.
//
// What it serves, all GET (a migration only reads):
//
//	/self                                   the agreement: company name and CVR
//	/customers /suppliers /products         collections of the registers
//	/customer-groups /supplier-groups       with each group's control account
//	/product-groups                         product groups
//	/product-groups/{n}/sales-accounts      a group's sales account per VAT zone
//	/payment-terms /vat-accounts /accounts  payment terms, VAT codes, chart of accounts
//	/accounting-years                       the accounting years
//	/accounting-years/{year}/totals         each account's total for the year
//	/invoices/booked /invoices/unpaid       booked invoices; those with a remainder
//
// Shapes, and where they come from (e-conomic's public REST docs, the
// e-conomic/slate repository, and client libraries' fixtures):
//
//   - A collection is {"collection": [...], "pagination": {...}, "self": url}.
//     pagination has maxPageSizeAllowed (1000), skipPages, pageSize, results,
//     resultsWithoutFilter, firstPage, lastPage and, when there is one more
//     page, nextPage. Pages are chosen by ?skippages=N&pagesize=M; the
//     default page size is 20. [documented]
//   - Every resource and collection carries "self", an absolute URL on the
//     server's base. References to other resources are objects with the
//     other resource's number and self ({"customerNumber": 1, "self": ...}).
//     [documented]
//   - Auth: both X-AppSecretToken and X-AgreementGrantToken on every
//     request; a missing or unknown token is HTTP 401. [documented; the 401
//     body's errorCode is a GUESS]
//   - Errors are {"message", "errorCode", "developerHint", "logId",
//     "httpStatusCode", "logTime"}. [documented for validation errors; the
//     error codes used here for 401, 404, 400 and 429 are GUESSES]
//   - Rate limiting: HTTP 429 with Retry-After (e-conomic rolls out
//     token-bucket limiting from December 2025; its exact headers are a
//     GUESS). Options.RateLimitAfter and Server.FailNext inject it.
//   - Accounts: accountNumber, accountType (heading, headingStart,
//     profitAndLoss, status, totalFrom, sumInterval, sumAlpha), name,
//     debitCredit, balance, blockDirectEntries, barred, vatAccount {vatCode},
//     totalFromAccount for sums. [documented]
//   - Accounting years: year ("2025"), fromDate, toDate, closed; their
//     totals: account {accountNumber}, fromDate, toDate, totalInBaseCurrency.
//     [documented]. That a status account's total for a year is its balance
//     at the year's end (the year's primo entry carries the balance in) is
//     how e-conomic's year-end closing works; the fake's seed follows it.
//   - VAT accounts: vatCode, name, ratePercentage, account, contraAccount,
//     vatType, barred. [documented]
//   - Booked invoices: bookedInvoiceNumber, date, dueDate, currency,
//     exchangeRate, netAmount, vatAmount, grossAmount,
//     grossAmountInBaseCurrency, remainder, remainderInBaseCurrency,
//     customer, recipient, paymentTerms. /invoices/unpaid lists those with a
//     remainder (a convenience endpoint under /invoices; its name is as the
//     docs' root lists it, its paging as the other collections').
//   - Product groups' sales accounts per VAT zone (sub-collection
//     sales-accounts: {salesAccount: {accountNumber}, vatZone:
//     {vatZoneNumber}}) are a GUESS from the docs' description of product
//     groups "carrying the accounts".
//   - Supplier open items (supplier invoices) are not in the legacy REST
//     API as far as its docs show; the fake has none.
//
// Demo returns a seeded agreement of a small Danish company whose 2025
// closing balance balances to the øre; tests change it before New.
package economic
