// Package anomaly finds what an accountant should look at in an
// organization's invoices and payments, each finding with its reason (the
// figures) and the records:
//
//   - Amounts: an invoice far from the same customer's usual amount (the
//     modified z-score of Iglewicz and Hoaglin over the customer's other
//     invoices, |z| > 3.5, which a few large invoices cannot mask the way
//     they mask a mean and standard deviation).
//   - VATRates: a VAT rate that does not fit the customer's country and
//     kind (Danish 25 %; EU business 0 % under reverse charge or zero
//     rating; EU consumer never 0 %; business outside the EU 0 %).
//   - Discounts: half or more off, or a first-ever discount for a regular.
//   - Duplicates: the same invoice apparently entered twice.
//   - LatePayers: a customer paying well beyond its own habit.
//   - RevenueDips: a month below the 95 % forecast interval built from the
//     months before it (package forecast).
//
// Recommend turns findings, open invoices and the VAT period into a short
// list of actions with their evidence.
//
// The package computes on plain values; the analytics plugin fills them
// from the working set.
package anomaly
