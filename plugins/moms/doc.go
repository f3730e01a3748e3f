// Package moms is the billy-mcp plugin for Danish VAT (moms). This first part
// is pure computation and needs no Billy access: VAT amounts, CVR and IBAN
// checks, and VAT filing deadlines.
//
// The rules and test vectors come from the shared compliance reference
// (reference/danish-compliance.md, researched Nov 2026); comments cite the
// section and the legal source it names.
package moms
