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

// NeedApproval records that the call was refused for want of an MFA
// approval (error mfa_required): id is the pending approval (the URL
// elicitation's elicitationId), url the host's own approval page. The MCP
// front offers it to clients that take URL-mode elicitations; every other
// caller reads the link in the error's message.
func (op *Op) NeedApproval(id, url string) { op.pendingApproval = [2]string{id, url} }

// PendingApproval is what NeedApproval recorded; ok is false when the call
// was not refused for an approval.
func (op *Op) PendingApproval() (id, url string, ok bool) {
	return op.pendingApproval[0], op.pendingApproval[1], op.pendingApproval[0] != ""
}
