// Package mcpcontent converts plugin content (the wire contract's Content
// and ResourceContents) to MCP content. MCP results and the REST API's
// "content" both use it, so the two show the same items.
package mcpcontent
