package invoices

import (
	"context"
	"errors"
	"net/url"
	"strings"
	"time"

	"github.com/billy-mcp/billy-mcp/sdk"
)

// readOrganization reads the caller's organization. The host authenticates
// the caller for one organization and the gateway uses that
// organization's token; /organizations/{id} names it explicitly, and the
// token-bound /organization serves a host that has no organization ID (a
// single-token deployment).
func readOrganization(ctx context.Context, call *sdk.Call) (billyOrganization, error) {
	var org billyOrganization
	path := "/organization"
	if id := call.Caller.OrganizationID; id != "" {
		path = "/organizations/" + url.PathEscape(id)
	}
	env, err := do(ctx, call, sdk.BillyRequest{Method: "GET", Path: path})
	if err != nil {
		return org, withContext(err, "reading the organization from Billy")
	}
	return org, env.decodeRoot("organization", &org)
}

// ---- validate_auth ----

// AuthStatus says whose books the credentials open.
type AuthStatus struct {
	Valid            bool   `json:"valid"`
	OrganizationID   string `json:"organizationId"`
	OrganizationName string `json:"organizationName"`
	BaseCurrency     string `json:"baseCurrency"`
	CountryID        string `json:"countryId,omitempty"`
	RegistrationNo   string `json:"registrationNo,omitempty" jsonschema:"the organization's CVR number"`
	LatencyMS        int64  `json:"latencyMs" jsonschema:"how long Billy took to answer"`
	Message          string `json:"message"`
}

func (p *plugin) validateAuthTool() sdk.Tool {
	return sdk.NewTool(readSpec(sdk.ToolSpec{
		Name:  "validate_auth",
		Title: "Check Billy access",
		Description: "Checks that the credentials open a Billy organization and returns its name, ID, base currency and CVR. " +
			"Fails as unauthorized when Billy rejects the token.",
		Category: "diagnostics",
		Scopes:   []string{"organization:read"},
		Examples: []sdk.Example{{Title: "Check access", Arguments: struct{}{}}},
	}), func(ctx context.Context, call *sdk.Call, _ struct{}) (AuthStatus, error) {
		start := time.Now()
		org, err := readOrganization(ctx, call)
		if err != nil {
			return AuthStatus{}, err
		}
		if org.ID == "" {
			return AuthStatus{}, unexpected("the organization has no id")
		}
		msg := "the access token works for " + org.Name
		if org.IsLocked || org.IsTerminated {
			msg += "; note: Billy marks the organization as locked or terminated, so writes may be refused"
		}
		return AuthStatus{Valid: true, OrganizationID: org.ID, OrganizationName: org.Name, BaseCurrency: org.BaseCurrencyID,
			CountryID: org.CountryID, RegistrationNo: org.RegistrationNo, LatencyMS: time.Since(start).Milliseconds(), Message: msg}, nil
	})
}

// ---- test_connection ----

// TestConnectionInput picks what to probe (v1's endpoint parameter).
type TestConnectionInput struct {
	Endpoint string `json:"endpoint,omitempty" jsonschema:"organization (default), contacts, products or invoices"`
}

// ConnectionStatus reports one probe of Billy.
type ConnectionStatus struct {
	Endpoint         string `json:"endpoint"`
	Reachable        bool   `json:"reachable" jsonschema:"Billy's API answered"`
	Authenticated    bool   `json:"authenticated" jsonschema:"Billy accepted the access token"`
	LatencyMS        int64  `json:"latencyMs"`
	OrganizationName string `json:"organizationName,omitempty"`
	BaseCurrency     string `json:"baseCurrency,omitempty"`
	RecordCount      *int   `json:"recordCount,omitempty" jsonschema:"for a list endpoint: how many records it holds"`
	ErrorCode        string `json:"errorCode,omitempty"`
	ErrorCategory    string `json:"errorCategory,omitempty"`
	Retryable        bool   `json:"retryable,omitempty"`
	Message          string `json:"message"`
}

func (p *plugin) testConnectionTool() sdk.Tool {
	return sdk.NewTool(readSpec(sdk.ToolSpec{
		Name:  "test_connection",
		Title: "Test the connection to Billy",
		Description: "Probes Billy: whether it answers and accepts the token, and the latency. " +
			"It reports failures as a result: use it to diagnose when other tools fail.",
		Category: "diagnostics",
		Scopes:   []string{"organization:read"},
		Examples: []sdk.Example{{Title: "Probe Billy", Arguments: TestConnectionInput{}}, {Title: "Probe invoices", Arguments: TestConnectionInput{Endpoint: "invoices"}}},
	}), func(ctx context.Context, call *sdk.Call, in TestConnectionInput) (ConnectionStatus, error) {
		ep := in.Endpoint
		if ep == "" {
			ep = "organization"
		}
		if err := oneOf("endpoint", ep, "organization", "contacts", "products", "invoices"); err != nil {
			return ConnectionStatus{}, err
		}
		out := ConnectionStatus{Endpoint: ep}
		start := time.Now()
		var err error
		if ep == "organization" {
			var org billyOrganization
			if org, err = readOrganization(ctx, call); err == nil {
				out.OrganizationName, out.BaseCurrency = org.Name, org.BaseCurrencyID
			}
		} else {
			var env *envelope
			if env, err = listPage(ctx, call, "/"+ep, nil, 1, 1); err == nil && env.meta.Paging != nil {
				n := env.meta.Paging.Total
				out.RecordCount = &n
			}
		}
		out.LatencyMS = time.Since(start).Milliseconds()
		if err == nil {
			out.Reachable, out.Authenticated, out.Message = true, true, "Billy answered and accepted the access token"
			return out, nil
		}
		if ctx.Err() != nil {
			return out, ctx.Err()
		}
		e := sdk.AsError(err)
		out.ErrorCode, out.ErrorCategory, out.Retryable, out.Message = e.Code, string(e.Category), e.Retryable, e.Message
		switch {
		case e.Category == sdk.CategoryUpstreamUnavailable || strings.HasPrefix(e.Code, "upstream_") || e.Code == "write_outcome_unknown":
			// Billy did not answer (or the host's circuit breaker is open).
		case e.Category == sdk.CategoryUnauthorized:
			out.Reachable = true
		case e.Category == sdk.CategoryRateLimited:
			out.Reachable, out.Authenticated = true, true
		case errors.Is(err, context.DeadlineExceeded):
		default:
			out.Reachable, out.Authenticated = true, e.Category != sdk.CategoryForbidden
		}
		return out, nil
	})
}
