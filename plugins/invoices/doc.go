// Package invoices is the billy-mcp plugin for invoicing in Billy.dk:
// invoices and credit notes, customers (contacts) and their contact persons,
// products, payments, revenue, the reference data those need (tax rates,
// accounts) and connection diagnostics.
//
// It keeps v1's tool names and parameters (list_invoices, mark_invoice_paid,
// ...; v1's drifted parameter names are accepted as aliases, see aliases.go)
// but does what v1 only claimed to do: send_invoice emails through Billy,
// cancel_invoice voids, mark_invoice_paid records a bank payment, lists page
// through Billy instead of fetching everything.
//
// # Safe writes
//
// Every write honours the deployment's write policy (sdk.Call.WritesMode):
//
//   - off: every write is refused; dry_run still shows what would be sent.
//   - confirm: additive writes (creating or editing drafts, customers,
//     products, contact persons) run directly, because they can be undone
//     by another edit. Destructive ones (approve, send, void, payments,
//     credit notes) first return a preview with a single-use confirmation
//     token, or ask the user through an elicitation form when the client
//     supports it. See confirm.go and tokens.go.
//   - direct: writes run directly.
//
// Confirmation tokens are signed with a key drawn at process start and the
// used ones are remembered in memory, so a plugin restart invalidates every
// outstanding token: the caller simply repeats the call without a token to
// get a fresh preview.
package invoices
