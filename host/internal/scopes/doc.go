// Package scopes is the host's scope vocabulary: what a principal (an API
// key, an OAuth token) may do, and which scope satisfies which.
//
// A scope is "resource:action". Tools declare the narrow scopes they need
// (invoices:read, payments:write, invoices:approve); principals are given
// broad ones (billy:read, billy:write, billy:approve) or a role that names
// a set. A broader scope satisfies a narrower one (MCP 2026-07-28 requires
// the server to honour such a hierarchy):
//
//   - admin satisfies every scope ("*" is its old spelling, v1's key);
//   - on one resource, approve ⊇ write ⊇ read (invoices:approve satisfies
//     invoices:write and invoices:read);
//   - billy:<action> satisfies <resource>:<action> (and every lesser action)
//     for every resource of the books in Billy (BillyResources), so
//     billy:write satisfies customers:write and invoices:read;
//   - file is its own action, satisfied only by itself and admin: moms:file
//     (reporting VAT to SKAT) is never implied by billy:approve; it
//     satisfies moms:read.
//
// Everything about scopes goes through this package, so the HTTP layer's
// 403 challenge, the dispatcher's check, tools/list filtering and the
// host's Billy service agree.
package scopes
