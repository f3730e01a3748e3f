// Package docspage serves the interactive docs at /docs: a catalog of the
// tools the visitor may call, drawn from the live registry (categories,
// search, descriptions, annotations, schemas, examples), generated client
// snippets (curl for REST, MCP JSON, the official TypeScript, Python and Go
// SDKs, a desktop client's stdio config) and a try-it form that calls a tool
// through the REST API. The page is static HTML, JavaScript and CSS
// embedded in the binary (no CDN, no build step); its data comes from
// /docs/catalog.json. The try-it form is offered only in sandbox mode or to
// an authenticated caller, never to the anonymous local operator of a
// production deployment. Authentication is the edge's (package
// httpserver), as for every other path.
package docspage
