package main

import "github.com/billy-mcp/billy-mcp/sdk"

// New declares the plugin. Keeping it separate from main lets the sdktest
// tests run exactly what the binary serves.
func New() *sdk.Plugin {
	return &sdk.Plugin{
		Name:        "moms",
		Version:     "0.1.0",
		Description: "Danish VAT (moms): VAT calculation, CVR and IBAN validation, VAT return deadlines.",
		Tools:       []sdk.Tool{calculateVATTool(), validateCVRTool(), validateIBANTool(), vatDeadlinesTool()},
	}
}

// pureSpec fills in what every tool of this part shares: they compute from
// their input alone, so they are read-only, idempotent and closed-world.
func pureSpec(s sdk.ToolSpec) sdk.ToolSpec {
	s.Effect = sdk.ReadOnly
	s.Idempotent = true
	s.ClosedWorld = true
	s.Category = "moms"
	// moms:read: billy:read and every role grant it; moms:file (reporting
	// VAT to SKAT) is for a tool that files.
	s.Scopes = []string{"moms:read"}
	return s
}
