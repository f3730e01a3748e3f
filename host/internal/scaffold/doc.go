// Package scaffold writes a new plugin module for `billy-mcp plugin new`: a
// go.mod, a main.go with one typed tool, a test that runs it through
// sdk/sdktest, and a README on building, checksumming and enabling it.
//
// The module is written outside the billy-mcp repository, as a third-party
// plugin would be, and builds and passes its test as written (after
// `go mod tidy`). Until the sdk is published under a version tag, its go.mod
// reaches the sdk through replace lines pointing at the billy-mcp checkout
// the command runs from (see Checkout).
//
// The templates are embedded, so the command works from a lone binary.
package scaffold
