package registry

import (
	"encoding/json"
	"fmt"
)

// OrganizationArg is the argument the host adds to every tool for callers
// who may act on several Billy organizations, and keeps for itself: it
// picks the organization of the call (dispatch's tenancy stage checks it
// against the caller's memberships) and is taken out before the plugin is
// called. A plugin may not declare it.
const OrganizationArg = "organization"

// MaxOrganizationID bounds an organization ID: Billy's are 22 characters.
const MaxOrganizationID = 100

// organizationSchema is the argument as clients see it: short, because a
// caller with several organizations pays for it once per tool.
var organizationSchema = json.RawMessage(fmt.Sprintf(`{"type":"string","maxLength":%d,"description":"Billy organization ID to act on; required when you have several"}`, MaxOrganizationID))

// WithOrganization returns schema, an object schema, with the organization
// property added. A schema that declares the property itself is refused:
// the name is the host's.
func WithOrganization(schema json.RawMessage) (json.RawMessage, error) {
	var top map[string]json.RawMessage
	if err := json.Unmarshal(schema, &top); err != nil {
		return nil, err
	}
	props := map[string]json.RawMessage{}
	if raw, ok := top["properties"]; ok {
		if err := json.Unmarshal(raw, &props); err != nil {
			return nil, fmt.Errorf("properties: %w", err)
		}
	}
	if _, ok := props[OrganizationArg]; ok {
		return nil, fmt.Errorf("declares %q, which the host adds to every tool (the Billy organization a call acts on) and keeps for itself; rename it", OrganizationArg)
	}
	props[OrganizationArg] = organizationSchema
	raw, err := marshalPlain(props)
	if err != nil {
		return nil, err
	}
	top["properties"] = raw
	return marshalPlain(top)
}
