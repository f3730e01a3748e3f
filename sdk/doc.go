// Package sdk is what a billy-mcp plugin author imports.
//
// A plugin is a small Go program whose main function is one call:
//
//	func main() {
//		sdk.Serve(&sdk.Plugin{
//			Name:    "hello",
//			Version: "1.0.0",
//			Tools:   []sdk.Tool{greetTool},
//		})
//	}
//
// Tools are declared with typed handlers (see NewTool); their input and output
// JSON Schemas are derived from the Go types, so the schema the model sees and
// the struct the handler receives cannot drift apart. A handler reaches Billy,
// other tools, progress, logging and the user only through the Host it is
// handed: plugins hold no credentials and need no network access.
//
// The host starts the binary as a hashicorp/go-plugin subprocess and talks
// gRPC to it; none of that is visible here. Package sdktest runs a plugin
// in-process, over the same gRPC contract, for unit tests.
package sdk
