package app

import (
	"context"
	"net/http"
	"slices"
	"time"

	"github.com/billy-mcp/billy-mcp/host/internal/audit"
	"github.com/billy-mcp/billy-mcp/host/internal/auth"
	"github.com/billy-mcp/billy-mcp/host/internal/dispatch"
	"github.com/billy-mcp/billy-mcp/host/internal/mfa"
	"github.com/billy-mcp/billy-mcp/host/internal/scopes"
	"github.com/billy-mcp/billy-mcp/proto/errmodel"
)

// MFA for the sensitive (auth.mfa): a dispatch stage, after authorization
// and tenancy, that lets an admin operation (auth.mfa.admin) or a
// destructive call on a listed organization (auth.mfa.
// destructive_organizations) run only under an approval its principal
// gave with a fresh TOTP code on the host's approval page (package mfa).
// Without one, the call fails with mfa_required and the page's link, and
// the same call retried after approval runs once. The unauthenticated
// local operator of a loopback host has no principal to ask and passes.

// newApprovals builds the approvals (nil when auth.mfa asks for none).
func (a *App) newApprovals(master []byte) *mfa.Approvals {
	cfg := a.Config.Auth
	if !cfg.MFA.Admin && len(cfg.MFA.DestructiveOrganizations) == 0 {
		return nil
	}
	base := "http://" + a.Config.HTTP.Addr
	if cfg.OAuth.Audience != "" {
		base = cfg.Server.IssuerOr(cfg.OAuth.Audience)
	}
	ap := &mfa.Approvals{TOTP: a.totp(), BaseURL: base, Key: deriveKey(master, "mfa approvals"), TTL: cfg.MFA.ApprovalTTL,
		Store: func() mfa.ApprovalStore {
			if a.store == nil {
				return nil
			}
			if s := a.store.get(); s != nil {
				return s
			}
			return nil
		}}
	if a.security != nil {
		ap.ClientIP = a.security.ClientIP
	}
	return ap
}

// mfaStage is the dispatch stage; argsKey is the audit's arguments key,
// so that an approval's arguments hash is the audit record's.
func (a *App) mfaStage(argsKey []byte) dispatch.Middleware {
	cfg := a.Config.Auth.MFA
	return func(next dispatch.Handler) dispatch.Handler {
		return func(ctx context.Context, op *dispatch.Op) (*dispatch.Outcome, error) {
			if op.Kind != dispatch.CallTool || op.Caller.Auth == auth.MethodLocal || !sensitive(cfg.Admin, cfg.DestructiveOrganizations, op) {
				return next(ctx, op)
			}
			id, p, err := a.approvals.Check(ctx, mfa.Binding{Principal: op.Caller.Subject, Organization: op.Caller.OrganizationID,
				Tool: op.Name, ArgsHash: audit.ArgsHash(argsKey, op.Arguments)})
			if err != nil {
				a.Logger.Error("mfa: approvals cannot be checked", "error", err.Error())
				e := errmodel.New(errmodel.UpstreamUnavailable, "mfa_unavailable", "this call needs an MFA approval, and approvals cannot be checked right now; retry shortly")
				e.Retryable = true
				return nil, e
			}
			if id == "" {
				// The MCP front offers the page as a URL elicitation to
				// clients that take one (package mcpserver); every
				// other caller reads the link in the message.
				op.NeedApproval(p.ID, p.URL)
				return nil, errmodel.New(errmodel.Forbidden, "mfa_required",
					"%s needs a fresh one-time code from %s's authenticator app: open %s, enter the code, then call %s again with the same arguments (the approval is good for this exact call, once)",
					op.Name, op.Caller.Subject, p.URL, op.Name)
			}
			op.SetApproval(id)
			return next(ctx, op)
		}
	}
}

// sensitive reports whether op needs an approval.
func sensitive(admin bool, orgs []string, op *dispatch.Op) bool {
	if admin && slices.Contains(op.ToolScopes(), scopes.Admin) {
		return true
	}
	return op.Destructive() && (slices.Contains(orgs, "*") || slices.Contains(orgs, op.Caller.OrganizationID))
}

// auditApprovalAttempt records a code submitted on an approval page in the
// audit log (op mfa/approve, the approval named): approvals given, and
// refused codes, which are attempts on a principal's second factor.
func (a *App) auditApprovalAttempt(r *http.Request, principal, organization, id string, start time.Time, code string) {
	caller := dispatch.Caller{Subject: principal, OrganizationID: organization, Transport: "web", Auth: "totp"}
	if a.security != nil {
		caller.ClientAddr = a.security.ClientIP(r)
	}
	var err error
	switch code {
	case "":
	case mfa.AttemptLocked:
		err = errmodel.New(errmodel.RateLimited, code, "too many wrong codes")
	case mfa.AttemptUnavailable:
		err = errmodel.New(errmodel.UpstreamUnavailable, code, "the code could not be checked")
	case mfa.AttemptExpired:
		err = errmodel.New(errmodel.Conflict, code, "the approval expired or was used")
	default:
		err = errmodel.New(errmodel.Unauthorized, code, "the code was refused")
	}
	a.Dispatcher.AuditApproval(r.Context(), caller, id, start, err)
}
