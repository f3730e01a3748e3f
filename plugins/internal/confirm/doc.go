// Package confirm issues and redeems the confirmation tokens of the
// safe-write confirmation, for every built-in plugin that writes: a
// destructive call first answers with a preview and a token bound to the
// tool, the arguments, the caller and the state of the records, and only
// the identical call with that token writes. One definition, so the
// invoices and integrations plugins' tokens behave alike (the plugins are
// separate programs; this package is compiled into each).
package confirm
