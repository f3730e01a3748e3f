package dispatch

// For the MFA stage (package app): what it needs of the call, and where it
// records the approval the call ran under (the audit record's approval).

// Destructive reports whether the called tool says it destroys or
// irreversibly changes data (MCP's destructiveHint).
func (op *Op) Destructive() bool {
	return op.tool != nil && op.tool.Annotations.Destructive != nil && *op.tool.Annotations.Destructive
}

// SetApproval records the MFA approval the call runs under, for its
// audit record.
func (op *Op) SetApproval(id string) { op.approval = id }
