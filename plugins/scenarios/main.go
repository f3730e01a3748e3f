// Command scenarios is the billy-mcp plugin with v1's test tools, for the
// sandbox: list_test_scenarios, run_test_scenario (creates a business
// kind's customers, products and a draft invoice in the sandbox, and can
// remove them again) and generate_test_data (realistic Danish records,
// returned, not written).
//
// It refuses to write anywhere but the sandbox: v1's run_test_scenario
// wrote real data into the production organization, and its "cleanup" did
// nothing. Enable it per deployment:
//
//	plugins:
//	  scenarios: {path: billy-mcp-plugin-scenarios}
package main

import "github.com/billy-mcp/billy-mcp/sdk"

func main() {
	sdk.Serve(New())
}
