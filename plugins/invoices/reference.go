package invoices

import (
	"context"
	"fmt"
	"net/url"

	"github.com/billy-mcp/billy-mcp/sdk"
)

// Reference data the invoicing tools refer to: tax rates (an invoice
// line's VAT) and accounts (a payment's bank account, a product's revenue
// account).

// TaxRate is a VAT rate.
type TaxRate struct {
	ID                 string `json:"id"`
	Name               string `json:"name"`
	Abbreviation       string `json:"abbreviation,omitempty"`
	Description        string `json:"description,omitempty"`
	Rate               Number `json:"rate" jsonschema:"as a fraction: 0.25 is 25%"`
	RatePercent        Number `json:"ratePercent"`
	AppliesToSales     bool   `json:"appliesToSales"`
	AppliesToPurchases bool   `json:"appliesToPurchases"`
	IsActive           bool   `json:"isActive"`
}

// ListTaxRatesInput filters tax rates.
type ListTaxRatesInput struct {
	AppliesTo       string `json:"appliesTo,omitempty" jsonschema:"sales or purchases; default both"`
	IncludeInactive bool   `json:"includeInactive,omitempty"`
	Paging
}

// ListTaxRatesOutput is one page of tax rates.
type ListTaxRatesOutput struct {
	TaxRates   []TaxRate `json:"taxRates"`
	Total      int       `json:"total"`
	NextCursor string    `json:"next_cursor"`
}

func (p *plugin) listTaxRatesTool() sdk.Tool {
	return sdk.NewTool(readSpec(sdk.ToolSpec{
		Name:  "list_tax_rates",
		Title: "List VAT rates",
		Description: "Lists the organization's VAT rates (moms). Billy sets each invoice line's rate from the product and the customer; " +
			"use this to explain or check VAT.",
		Category: "reference",
		Scopes:   []string{"reference:read"},
		Examples: []sdk.Example{{Title: "Sales VAT rates", Arguments: ListTaxRatesInput{AppliesTo: "sales"}}},
	}), func(ctx context.Context, call *sdk.Call, in ListTaxRatesInput) (ListTaxRatesOutput, error) {
		out := ListTaxRatesOutput{TaxRates: []TaxRate{}}
		if err := oneOf("appliesTo", in.AppliesTo, "sales", "purchases"); err != nil {
			return out, err
		}
		q := url.Values{}
		switch in.AppliesTo {
		case "sales":
			q.Set("appliesToSales", "true")
		case "purchases":
			q.Set("appliesToPurchases", "true")
		}
		if !in.IncludeInactive {
			q.Set("isActive", "true")
		}
		l, err := list(ctx, call, "list_tax_rates", "/taxRates", "taxRates", q, in.Paging)
		if err != nil {
			return out, err
		}
		rates, err := decodeAll[billyTaxRate](l)
		if err != nil {
			return out, err
		}
		for _, r := range rates {
			if (in.AppliesTo == "sales" && !r.AppliesToSales) || (in.AppliesTo == "purchases" && !r.AppliesToPurchases) || (!in.IncludeInactive && !r.IsActive) {
				continue // a filter Billy did not apply
			}
			out.TaxRates = append(out.TaxRates, TaxRate{ID: r.ID, Name: r.Name, Abbreviation: r.Abbreviation, Description: r.Description,
				Rate: numberOf(r.Rate), RatePercent: numberOf(r.Rate.Mul(decHundred)), AppliesToSales: r.AppliesToSales,
				AppliesToPurchases: r.AppliesToPurchases, IsActive: r.IsActive})
		}
		out.Total, out.NextCursor = l.total, l.nextCursor
		return out, nil
	})
}

// Account is an account in the chart of accounts.
type Account struct {
	ID               string `json:"id"`
	AccountNo        int    `json:"accountNo"`
	Name             string `json:"name"`
	Nature           string `json:"nature" jsonschema:"asset, liability, equity, revenue or expense"`
	SystemRole       string `json:"systemRole,omitempty"`
	CurrencyID       string `json:"currencyId,omitempty"`
	IsBankAccount    bool   `json:"isBankAccount"`
	IsPaymentEnabled bool   `json:"isPaymentEnabled" jsonschema:"payments can be recorded on it (cashAccountId)"`
	IsArchived       bool   `json:"isArchived,omitempty"`
}

// ListAccountsInput filters accounts.
type ListAccountsInput struct {
	BankAccountsOnly bool   `json:"bankAccountsOnly,omitempty"`
	Nature           string `json:"nature,omitempty" jsonschema:"asset, liability, equity, revenue or expense"`
	IncludeArchived  bool   `json:"includeArchived,omitempty"`
	Search           string `json:"search,omitempty" jsonschema:"name or number"`
	Paging
}

// ListAccountsOutput is one page of accounts.
type ListAccountsOutput struct {
	Accounts   []Account `json:"accounts"`
	Total      int       `json:"total"`
	NextCursor string    `json:"next_cursor"`
	Warning    string    `json:"warning,omitempty"`
}

func (p *plugin) listAccountsTool() sdk.Tool {
	return sdk.NewTool(readSpec(sdk.ToolSpec{
		Name:        "list_accounts",
		Title:       "List accounts",
		Description: "Lists the chart of accounts by number: bank accounts (cashAccountId of payments), revenue accounts (of products) and the rest.",
		Category:    "reference",
		Scopes:      []string{"reference:read"},
		Examples:    []sdk.Example{{Title: "Bank accounts", Arguments: ListAccountsInput{BankAccountsOnly: true}}},
	}), func(ctx context.Context, call *sdk.Call, in ListAccountsInput) (ListAccountsOutput, error) {
		out := ListAccountsOutput{Accounts: []Account{}}
		if err := oneOf("nature", in.Nature, "asset", "liability", "equity", "revenue", "expense"); err != nil {
			return out, err
		}
		q := url.Values{"sortProperty": {"accountNo"}, "sortDirection": {"ASC"}}
		if in.BankAccountsOnly {
			q.Set("isBankAccount", "true")
		}
		if in.Nature != "" {
			q.Set("natureId", in.Nature)
		}
		if !in.IncludeArchived {
			q.Set("isArchived", "false")
		}
		if in.Search != "" {
			q.Set("q", in.Search)
		}
		l, err := list(ctx, call, "list_accounts", "/accounts", "accounts", q, in.Paging)
		if err != nil {
			return out, err
		}
		accts, err := decodeAll[billyAccount](l)
		if err != nil {
			return out, err
		}
		dropped := 0
		for _, a := range accts {
			if (in.BankAccountsOnly && !a.IsBankAccount) || (in.Nature != "" && a.NatureID != in.Nature) || (!in.IncludeArchived && a.IsArchived) {
				dropped++
				continue
			}
			out.Accounts = append(out.Accounts, Account{ID: a.ID, AccountNo: a.AccountNo, Name: a.Name, Nature: a.NatureID, SystemRole: a.SystemRole,
				CurrencyID: a.CurrencyID, IsBankAccount: a.IsBankAccount, IsPaymentEnabled: a.IsPaymentEnabled, IsArchived: a.IsArchived})
		}
		if dropped > 0 {
			out.Warning = fmt.Sprintf("Billy did not apply all filters: %d account(s) on this page did not match and were left out; total may count them", dropped)
		}
		out.Total, out.NextCursor = l.total, l.nextCursor
		return out, nil
	})
}
