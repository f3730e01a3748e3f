package dispatch

import (
	"bytes"
	"context"
	"encoding/json"
	"slices"
	"strings"

	"github.com/billy-mcp/billy-mcp/host/internal/registry"
	"github.com/billy-mcp/billy-mcp/host/internal/scopes"
	"github.com/billy-mcp/billy-mcp/proto/errmodel"
)

// Tenancy. A principal may act on one or more Billy organizations
// (Caller.Organizations; none listed means the deployment's own). A tool
// call names the one it acts on in the host's organization argument
// (registry.OrganizationArg), which a principal of several organizations
// must give; the tenancy stage takes it out of the arguments, checks it
// against the principal's memberships and makes it the call's
// Caller.OrganizationID, which everything after it keys on: host services'
// Billy token, the cache, the idempotency keys, confirmation tokens, audit.
//
// An organization the principal is not a member of answers not_found, the
// same answer as one that does not exist (OWASP API1: no oracle telling a
// caller which organizations the deployment serves).

// MayActOn reports whether c may act on organization org.
func (c Caller) MayActOn(org string) bool {
	if org == "" {
		return false
	}
	if len(c.Organizations) == 0 {
		return org == c.OrganizationID
	}
	return slices.Contains(c.Organizations, org)
}

// ChoosesOrganization reports whether c names the organization of each
// call: a principal of several organizations. tools/list shows such a
// caller the organization argument.
func (c Caller) ChoosesOrganization() bool { return len(c.Organizations) > 1 }

// MayCall reports whether c holds every scope t needs.
func (c Caller) MayCall(t *registry.Tool) bool {
	return len(scopes.Missing(c.Scopes, t.Scopes)) == 0
}

// VisibleTools returns the tools of tools that c may call, as c should see
// them: a caller who names an organization per call gets each tool's
// input schema with the organization argument. tools/list and REST's
// listing show a caller only these (what it cannot call would only invite
// a refused call).
func VisibleTools(c Caller, tools []*registry.Tool) []*registry.Tool {
	out := make([]*registry.Tool, 0, len(tools))
	for _, t := range tools {
		if !c.MayCall(t) {
			continue
		}
		if c.ChoosesOrganization() && t.OrgInputSchema != nil {
			cp := *t
			cp.InputSchema = t.OrgInputSchema
			t = &cp
		}
		out = append(out, t)
	}
	return out
}

// organizationNotFound is the answer for an organization the caller may
// not act on, whether or not it exists.
func organizationNotFound(org string) *errmodel.Error {
	return errmodel.New(errmodel.NotFound, "organization_not_found",
		"there is no organization %q among those you may act on", org)
}

// tenancy fixes the organization the op acts on (see the comment above).
func (d *Dispatcher) tenancy(next Handler) Handler {
	return func(ctx context.Context, op *Op) (*Outcome, error) {
		if op.Kind == CallTool {
			org, given, e := takeOrganization(op)
			if e != nil {
				e.Message = op.Name + ": " + e.Message
				return nil, e
			}
			if given {
				if !op.Caller.MayActOn(org) {
					return nil, organizationNotFound(org)
				}
				op.Caller.OrganizationID = org
			}
		}
		switch {
		case op.Caller.OrganizationID == "" && op.Caller.ChoosesOrganization():
			if op.Kind != CallTool {
				return nil, errmodel.New(errmodel.Validation, "organization_required",
					"you may act on several organizations (%s), and a %s names none: call a tool with its organization argument instead",
					strings.Join(op.Caller.Organizations, ", "), op.Kind)
			}
			return nil, errmodel.InvalidField(registry.OrganizationArg,
				"is required: you may act on several organizations (%s); name the one this call is for", strings.Join(op.Caller.Organizations, ", "))
		case op.Caller.OrganizationID != "" && len(op.Caller.Organizations) > 0 && !op.Caller.MayActOn(op.Caller.OrganizationID):
			// A transport that put a foreign organization in the caller:
			// refused as any foreign organization is.
			return nil, organizationNotFound(op.Caller.OrganizationID)
		}
		return next(ctx, op)
	}
}

// takeOrganization moves the organization argument out of op's
// arguments, reporting whether one was given.
func takeOrganization(op *Op) (string, bool, *errmodel.Error) {
	if !bytes.Contains(op.Arguments, []byte(`"`+registry.OrganizationArg+`"`)) {
		return "", false, nil
	}
	var args map[string]json.RawMessage
	if err := json.Unmarshal(op.Arguments, &args); err != nil {
		return "", false, nil // not an object: the schema stage says so
	}
	raw, ok := args[registry.OrganizationArg]
	if !ok {
		return "", false, nil
	}
	var org string
	if err := json.Unmarshal(raw, &org); err != nil {
		return "", false, errmodel.InvalidField(registry.OrganizationArg, "must be a string: a Billy organization ID")
	}
	if org == "" || len(org) > registry.MaxOrganizationID {
		return "", false, errmodel.InvalidField(registry.OrganizationArg, "must be a Billy organization ID of 1 to %d characters", registry.MaxOrganizationID)
	}
	delete(args, registry.OrganizationArg)
	stripped, err := json.Marshal(args)
	if err != nil {
		return "", false, errmodel.InvalidField(registry.OrganizationArg, "the arguments could not be read: %v", err)
	}
	op.Arguments = stripped
	return org, true, nil
}
