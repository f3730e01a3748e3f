// Package integrations is the billy-mcp plugin that brings other systems'
// data into Billy.dk (issue 14; the facts it relies on are in
// reference/integrations.md).
//
// Bank statements: match_bank_statement reads a Danish bank's CSV export
// (Danske Bank, Nordea, Jyske Bank, Nykredit, Sydbank, Lunar, BEC and
// Portalbank banks, recognised by their header signature or, without a
// header, their row shape), a CSV under a generic column mapping, or an
// ISO 20022 camt.053 statement, and matches money in to open invoices by
// FIK +71 code, invoice number and customer, never by the amount alone. It
// writes nothing. record_bank_payments records the matched lines as bank
// payments after a preview and a single-use confirmation token bound to the
// exact payments (as the invoices plugin's destructive writes do).
//
// Receipts and vouchers: attach_voucher uploads a PDF or photo to Billy
// and attaches it to a bill, invoice or daybook transaction;
// receipt_to_bill creates a draft bill with the receipt attached. Both are
// confirmed first (Billy keeps uploaded files for good), with the file's
// SHA-256 bound into the confirmation and registered, so the same file
// twice is recognised.
//
// einvoice_preflight checks an invoice for the known rejection causes of
// e-invoices to Danish public buyers before Billy sends it; send_einvoice
// sends one that passes through Billy's invoice deliveries after a
// confirmation, and einvoice_status reads its delivery log
// (einvoice_send.go). einvoice_xml renders an invoice or credit note as
// Peppol BIS 3 or OIOUBL 2.1 XML for preview (ubl.go, ubl_render.go) and
// checks the generated XML, parsed back, against the rules that need no
// schematron (ubl_check.go: our own check, not the official validation);
// the official XSDs run through xmllint only where an operator configured
// them (ubl_xsd.go).
//
// Webshop orders: import_webshop_order makes a draft invoice from one
// Shopify, WooCommerce or generic order (orders.go, orders_parse.go):
// the customer by CVR or e-mail, lines by SKU to product number, shipping
// and discount on configured products, the shop's incl./excl. moms kept as
// the invoice's taxMode. The order number is stored as the invoice's
// externalId and looked up first, so an order is invoiced once.
// credit_webshop_refund makes a draft credit note of that invoice from
// one of the order's refunds, keyed by the refund's id the same way, and
// refuses a refund beyond what is left to credit. summarise_webshop_day
// books a day's orders as one draft daybook transaction instead
// (daily.go): the receivable on the payment provider against revenue and
// shipping per VAT rate, to the øre, once per shop and day.
// migrate_from_dinero (dinero.go, dinero_parse.go) moves a Dinero data
// export into Billy: contacts and products it lacks, matched by CVR, name
// and product number, and a year's closing balance as a draft daybook
// transaction, after a report of the account and VAT-code mapping.
// migrate_from_economic (economic.go, economic_client.go) does the same
// from an e-conomic agreement read over e-conomic's REST API, its
// credentials in the plugin's config, and reports its open invoices
// reconciled against the receivables instead of booking them; the parts
// both migrations share are in migrate_common.go.
//
// A bank file is read whole or refused whole: one unreadable row (a bad date or
// amount, a quote that never closes, bytes of another encoding) refuses
// the file with the line and the reason, so a statement is never
// half-imported. Amounts are decimals from the text, never floats.
package integrations
