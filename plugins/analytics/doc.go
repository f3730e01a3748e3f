// Package analytics is the billy-mcp plugin that reports on an
// organization's real books: it copies invoices, credit notes, payments,
// bills and postings from Billy into a local working set (package books),
// incrementally, and answers reports, a dashboard and exports from it.
// Forecasts, anomalies, recommendations, custom metrics and v1's analysis
// tools are added by tools_models.go and tools_v1.go.
//
// It is built in and enabled by default:
//
//	plugins:
//	  analytics: {path: billy-mcp-plugin-analytics}
package analytics
