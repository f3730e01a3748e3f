// Package dkfmt writes numbers, amounts and dates for Danish readers: the
// text of messages, previews and summaries (1.250,00 kr., 16. november
// 2026). A Dane reads "1,250.00" as one and a quarter. Structured content
// keeps machine formats (ISO dates, plain decimals beside a currency
// code), so the two never mix in one field. One definition for the
// shipped plugins, which each had their own copy.
package dkfmt
