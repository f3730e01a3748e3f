package invoices

import (
	"context"
	"fmt"
	"net/url"
	"strings"

	"github.com/billy-mcp/billy-mcp/sdk"
)

// Contact persons belong to a customer and hold the email addresses
// invoices are sent to (billy-api.md §7.2); Billy keeps phone numbers on the
// customer itself.

// ---- contact persons ----

// ListContactPersonsInput names the customer whose persons to list.
type ListContactPersonsInput struct {
	CustomerIDInput
	Paging
}

// ListContactPersonsOutput is one page of contact persons.
type ListContactPersonsOutput struct {
	ContactPersons []ContactPerson `json:"contactPersons"`
	Total          int             `json:"total"`
	NextCursor     string          `json:"next_cursor"`
}

func (p *plugin) listContactPersonsTool() sdk.Tool {
	return sdk.NewTool(readSpec(sdk.ToolSpec{
		Name:        "list_contact_persons",
		Title:       "List a customer's contact persons",
		Description: "Lists a customer's contact persons with their email and which one is primary; send_invoice emails one of them.",
		Category:    "customers",
		Scopes:      []string{"customers:read"},
		Examples:    []sdk.Example{{Title: "Persons at a customer", Arguments: ListContactPersonsInput{CustomerIDInput: CustomerIDInput{ContactID: "PGKzNtzARISFRfQy0KkoLQ"}}}},
	}), func(ctx context.Context, call *sdk.Call, in ListContactPersonsInput) (ListContactPersonsOutput, error) {
		out := ListContactPersonsOutput{ContactPersons: []ContactPerson{}}
		id, err := in.id()
		if err != nil {
			return out, err
		}
		// Billy answers 400 to a contactPersons list without contactId
		// (§4.2), so it is always sent.
		l, err := list(ctx, call, "list_contact_persons", "/contactPersons", "contactPersons", url.Values{"contactId": {id}}, in.Paging)
		if err != nil {
			return out, err
		}
		ps, err := decodeAll[billyContactPerson](l)
		if err != nil {
			return out, err
		}
		for _, cp := range ps {
			if cp.ContactID == id || cp.ContactID == "" {
				out.ContactPersons = append(out.ContactPersons, personOf(cp))
			}
		}
		out.Total, out.NextCursor = l.total, l.nextCursor
		return out, nil
	})
}

// CreateContactPersonInput adds a person to a customer.
type CreateContactPersonInput struct {
	CustomerIDInput
	Name      string `json:"name,omitempty" jsonschema:"name or email required"`
	Email     string `json:"email,omitempty"`
	IsPrimary bool   `json:"isPrimary,omitempty" jsonschema:"make this the default invoice recipient"`
	DryRunOption
}

func (p *plugin) createContactPersonTool() sdk.Tool {
	return sdk.NewTool(additiveSpec(sdk.ToolSpec{
		Name:  "create_contact_person",
		Title: "Add a contact person",
		Description: "Adds a contact person (name and email) to a customer, e.g. so that send_invoice has someone to email. " +
			"Phone numbers belong on the customer.",
		Category: "customers",
		Scopes:   []string{"customers:write"},
		Examples: []sdk.Example{{Title: "Add the bookkeeper", Arguments: CreateContactPersonInput{CustomerIDInput: CustomerIDInput{ContactID: "PGKzNtzARISFRfQy0KkoLQ"},
			Name: "Mette Hansen", Email: "mette@hansen.dk", IsPrimary: true}}},
	}, false), func(ctx context.Context, call *sdk.Call, in CreateContactPersonInput) (WriteResult[ContactPerson], error) {
		var out WriteResult[ContactPerson]
		id, err := in.id()
		if err != nil {
			return out, err
		}
		name, email := strings.TrimSpace(in.Name), strings.TrimSpace(in.Email)
		if name == "" && email == "" {
			return out, sdk.Invalid("name", "a contact person needs a name or an email")
		}
		if err := checkEmail("email", email); err != nil {
			return out, err
		}
		body := personBody{ContactID: id, Name: name, Email: email}
		if in.IsPrimary {
			body.IsPrimary = ptr(true)
		}
		req := BillyCall{Method: "POST", Path: "/contactPersons", Body: map[string]any{"contactPerson": body}}
		return runWrite(ctx, p, call, writeSpec[ContactPerson]{
			tool: "create_contact_person", effect: sdk.Additive, dryRun: in.DryRun,
			plan: func(ctx context.Context) (*plan, error) {
				return &plan{requests: []BillyCall{req}, preview: Preview{Action: fmt.Sprintf("Add contact person %s <%s> to customer %s", name, email, id),
					Changes: []string{"a new contact person"}, Undo: "It can be edited or deleted in Billy."}}, nil
			},
			readBack: func(ctx context.Context, answers []*envelope) (*ContactPerson, error) {
				pid, err := answers[0].createdID("contactPersons", nil)
				if err != nil {
					return nil, err
				}
				var cp billyContactPerson
				if _, err := getOne(ctx, call, kindContactPerson, pid, nil, &cp); err != nil {
					return nil, err
				}
				r := personOf(cp)
				return &r, nil
			},
		})
	})
}
