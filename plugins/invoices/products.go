package invoices

import (
	"context"
	"fmt"
	"net/url"
	"strings"

	"github.com/billy-mcp/billy-mcp/sdk"
)

// Products (billy-api.md §7.4) carry one price per currency in an embedded
// prices array, which replaces the existing prices when it is saved.

// Price is a product's price in one currency.
type Price struct {
	UnitPrice  Number `json:"unitPrice"`
	CurrencyID string `json:"currencyId,omitempty" jsonschema:"default the base currency"`
}

// Product is a product as the tools show it.
type Product struct {
	ID                string  `json:"id"`
	Name              string  `json:"name"`
	ProductNo         string  `json:"productNo,omitempty"`
	Description       string  `json:"description,omitempty"`
	Prices            []Price `json:"prices"`
	AccountID         string  `json:"accountId,omitempty" jsonschema:"revenue account"`
	SalesTaxRulesetID string  `json:"salesTaxRulesetId,omitempty" jsonschema:"VAT rules; Billy derives each invoice line's VAT rate from it and the customer"`
	IsArchived        bool    `json:"isArchived,omitempty"`
}

func productOf(b billyProduct) Product {
	out := Product{ID: b.ID, Name: b.Name, ProductNo: b.ProductNo, Description: b.Description, AccountID: b.AccountID,
		SalesTaxRulesetID: b.SalesTaxRulesetID, IsArchived: b.IsArchived, Prices: []Price{}}
	for _, pr := range b.Prices {
		out.Prices = append(out.Prices, Price{UnitPrice: numberOf(pr.UnitPrice), CurrencyID: pr.CurrencyID})
	}
	return out
}

const productIncludes = "product.prices:embed"

func readProduct(ctx context.Context, call *sdk.Call, id string) (*Product, error) {
	var b billyProduct
	if _, err := getOne(ctx, call, kindProduct, id, url.Values{"include": {productIncludes}}, &b); err != nil {
		return nil, err
	}
	out := productOf(b)
	return &out, nil
}

// ---- list_products ----

// ListProductsInput filters products.
type ListProductsInput struct {
	Search          string `json:"search,omitempty" jsonschema:"name, product number or description"`
	IncludeArchived bool   `json:"includeArchived,omitempty"`
	Paging
}

// ListProductsOutput is one page of products.
type ListProductsOutput struct {
	Products   []Product `json:"products"`
	Total      int       `json:"total"`
	NextCursor string    `json:"next_cursor"`
}

func (p *plugin) listProductsTool() sdk.Tool {
	return sdk.NewTool(readSpec(sdk.ToolSpec{
		Name:  "list_products",
		Title: "List products",
		Description: "Lists products with their prices per currency, by name, optionally matching a search text. " +
			"Every invoice line needs a product: use this to find its ID.",
		Category: "products",
		Scopes:   []string{"products:read"},
		Examples: []sdk.Example{{Title: "Find a product", Arguments: ListProductsInput{Search: "rådgivning"}}},
	}), func(ctx context.Context, call *sdk.Call, in ListProductsInput) (ListProductsOutput, error) {
		out := ListProductsOutput{Products: []Product{}}
		q := url.Values{"include": {productIncludes}, "sortProperty": {"name"}, "sortDirection": {"ASC"}}
		if s := strings.TrimSpace(in.Search); s != "" {
			q.Set("q", s)
		}
		if !in.IncludeArchived {
			q.Set("isArchived", "false")
		}
		l, err := list(ctx, call, "list_products", "/products", "products", q, in.Paging)
		if err != nil {
			return out, err
		}
		ps, err := decodeAll[billyProduct](l)
		if err != nil {
			return out, err
		}
		for _, b := range ps {
			if !in.IncludeArchived && b.IsArchived {
				continue
			}
			out.Products = append(out.Products, productOf(b))
		}
		out.Total, out.NextCursor = l.total, l.nextCursor
		return out, nil
	})
}

// ---- get_product ----

// ProductIDInput names one product.
type ProductIDInput struct {
	ProductID string `json:"productId"`
}

func (p *plugin) getProductTool() sdk.Tool {
	return sdk.NewTool(readSpec(sdk.ToolSpec{
		Name:        "get_product",
		Title:       "Get a product",
		Description: "Returns one product with its prices per currency, revenue account and VAT rules.",
		Category:    "products",
		Scopes:      []string{"products:read"},
		Examples:    []sdk.Example{{Title: "One product", Arguments: ProductIDInput{ProductID: "Yk3rT9sLQ0a1bC2dE3fG4h"}}},
	}), func(ctx context.Context, call *sdk.Call, in ProductIDInput) (Product, error) {
		if err := checkID("productId", in.ProductID); err != nil {
			return Product{}, err
		}
		pr, err := readProduct(ctx, call, in.ProductID)
		if err != nil {
			return Product{}, err
		}
		return *pr, nil
	})
}

// ---- create_product / update_product ----

// productBody is a product as Billy takes it.
type productBody struct {
	Name              string      `json:"name,omitempty"`
	Description       *string     `json:"description,omitempty"`
	ProductNo         *string     `json:"productNo,omitempty"`
	AccountID         string      `json:"accountId,omitempty"`
	SalesTaxRulesetID string      `json:"salesTaxRulesetId,omitempty"`
	IsArchived        *bool       `json:"isArchived,omitempty"`
	Prices            []priceBody `json:"prices,omitempty"`
}

type priceBody struct {
	UnitPrice  Exact  `json:"unitPrice"`
	CurrencyID string `json:"currencyId"`
}

// ProductFields are the writable fields shared by create and update, with
// v1's aliases: price (one DKK price) for prices, account for accountId.
type ProductFields struct {
	Description       *string `json:"description,omitempty"`
	ProductNo         *string `json:"productNo,omitempty"`
	Prices            []Price `json:"prices,omitempty" jsonschema:"one per currency"`
	Price             *Number `json:"price,omitempty" jsonschema:"alias: one price in the base currency"`
	AccountID         string  `json:"accountId,omitempty" jsonschema:"revenue account (list_accounts)"`
	Account           string  `json:"account,omitempty" jsonschema:"alias of accountId"`
	SalesTaxRulesetID string  `json:"salesTaxRulesetId,omitempty" jsonschema:"VAT rules; default the organization's"`
}

// body validates the fields and builds Billy's; baseCurrency is what a v1
// single price and a price without currency mean.
func (f ProductFields) body(baseCurrency string) (productBody, error) {
	var b productBody
	acct, err := alias("accountId", f.AccountID, "account", f.Account)
	if err != nil {
		return b, err
	}
	if err := firstErr(checkOptionalID("accountId", acct), checkOptionalID("salesTaxRulesetId", f.SalesTaxRulesetID)); err != nil {
		return b, err
	}
	b.AccountID, b.SalesTaxRulesetID, b.Description, b.ProductNo = acct, f.SalesTaxRulesetID, f.Description, f.ProductNo
	prices := f.Prices
	if f.Price != nil {
		single := []Price{{UnitPrice: *f.Price, CurrencyID: baseCurrency}}
		if prices != nil && !samePrices(prices, single, baseCurrency) {
			return b, aliasConflict("prices", fmt.Sprint(prices), "price", *f.Price)
		}
		prices = single
	}
	seen := map[string]bool{}
	for i, pr := range prices {
		cur := strings.ToUpper(pr.CurrencyID)
		if cur == "" {
			cur = baseCurrency
		}
		if err := firstErr(checkUnitPrice(fmt.Sprintf("prices[%d].unitPrice", i), pr.UnitPrice.Dec()), checkCurrency(fmt.Sprintf("prices[%d].currencyId", i), cur)); err != nil {
			return b, err
		}
		if seen[cur] {
			return b, sdk.Invalid(fmt.Sprintf("prices[%d].currencyId", i), "%s is given twice; a product has one price per currency", cur)
		}
		seen[cur] = true
		b.Prices = append(b.Prices, priceBody{UnitPrice: exact(pr.UnitPrice.Dec()), CurrencyID: cur})
	}
	return b, nil
}

func samePrices(a, b []Price, base string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		ca, cb := strings.ToUpper(a[i].CurrencyID), strings.ToUpper(b[i].CurrencyID)
		if ca == "" {
			ca = base
		}
		if cb == "" {
			cb = base
		}
		if !a[i].UnitPrice.Dec().Equal(b[i].UnitPrice.Dec()) || ca != cb {
			return false
		}
	}
	return true
}

// baseCurrency is the organization's base currency, what a price without
// currency is in.
func baseCurrency(ctx context.Context, call *sdk.Call) (string, error) {
	org, err := readOrganization(ctx, call)
	if err != nil {
		return "", err
	}
	if org.BaseCurrencyID == "" {
		return "DKK", nil
	}
	return org.BaseCurrencyID, nil
}

// needsBase says whether any price lacks a currency (only then is the
// organization read).
func (f ProductFields) needsBase() bool {
	if f.Price != nil {
		return true
	}
	for _, p := range f.Prices {
		if p.CurrencyID == "" {
			return true
		}
	}
	return false
}

// CreateProductInput is a new product.
type CreateProductInput struct {
	Name string `json:"name"`
	ProductFields
	DryRunOption
}

func (p *plugin) createProductTool() sdk.Tool {
	return sdk.NewTool(additiveSpec(sdk.ToolSpec{
		Name:  "create_product",
		Title: "Create a product",
		Description: "Creates a product with prices per currency; every invoice line needs one. " +
			"Its VAT rules set the VAT of its lines (default the organization's, normally 25%).",
		Category: "products",
		Scopes:   []string{"products:write"},
		Examples: []sdk.Example{{Title: "Consulting hour", Arguments: CreateProductInput{Name: "Rådgivning (time)",
			ProductFields: ProductFields{Prices: []Price{{UnitPrice: 950, CurrencyID: "DKK"}, {UnitPrice: 128, CurrencyID: "EUR"}}}}}},
	}, false), func(ctx context.Context, call *sdk.Call, in CreateProductInput) (WriteResult[Product], error) {
		var out WriteResult[Product]
		name := strings.TrimSpace(in.Name)
		if name == "" {
			return out, sdk.Invalid("name", "is required")
		}
		return runWrite(ctx, p, call, writeSpec[Product]{
			tool: "create_product", effect: sdk.Additive, dryRun: in.DryRun,
			plan: func(ctx context.Context) (*plan, error) {
				base := "DKK"
				if in.needsBase() {
					var err error
					if base, err = baseCurrency(ctx, call); err != nil {
						return nil, err
					}
				}
				body, err := in.body(base)
				if err != nil {
					return nil, err
				}
				body.Name = name
				return &plan{requests: []BillyCall{{Method: "POST", Path: "/products", Body: map[string]any{"product": body}}},
					preview: Preview{Action: fmt.Sprintf("Create product %q", name), Changes: []string{"a new product"},
						Undo: "Edit it with update_product or archive it (isArchived)."}}, nil
			},
			readBack: func(ctx context.Context, answers []*envelope) (*Product, error) {
				id, err := answers[0].createdID("products", nil)
				if err != nil {
					return nil, err
				}
				return readProduct(ctx, call, id)
			},
		})
	})
}

// UpdateProductInput changes a product; absent fields stay as they are.
type UpdateProductInput struct {
	ProductID  string `json:"productId"`
	Name       string `json:"name,omitempty"`
	IsArchived *bool  `json:"isArchived,omitempty" jsonschema:"true hides it from new invoices"`
	ProductFields
	DryRunOption
}

func (p *plugin) updateProductTool() sdk.Tool {
	return sdk.NewTool(additiveSpec(sdk.ToolSpec{
		Name:  "update_product",
		Title: "Edit a product",
		Description: "Changes the given fields of a product; prices, if given, replace all its prices. " +
			"Existing invoices are not affected.",
		Category: "products",
		Scopes:   []string{"products:write"},
		Examples: []sdk.Example{{Title: "New price", Arguments: UpdateProductInput{ProductID: "Yk3rT9sLQ0a1bC2dE3fG4h",
			ProductFields: ProductFields{Prices: []Price{{UnitPrice: 1050, CurrencyID: "DKK"}}}}}},
	}, true), func(ctx context.Context, call *sdk.Call, in UpdateProductInput) (WriteResult[Product], error) {
		var out WriteResult[Product]
		if err := checkID("productId", in.ProductID); err != nil {
			return out, err
		}
		return runWrite(ctx, p, call, writeSpec[Product]{
			tool: "update_product", effect: sdk.Additive, dryRun: in.DryRun,
			plan: func(ctx context.Context) (*plan, error) {
				// Read the one product (v1 listed them all to find it).
				cur, err := readProduct(ctx, call, in.ProductID)
				if err != nil {
					return nil, err
				}
				base := "DKK"
				if in.needsBase() {
					if base, err = baseCurrency(ctx, call); err != nil {
						return nil, err
					}
				}
				body, err := in.body(base)
				if err != nil {
					return nil, err
				}
				body.Name, body.IsArchived = strings.TrimSpace(in.Name), in.IsArchived
				var changes []string
				if body.Name != "" {
					changes = append(changes, fmt.Sprintf("name: %q → %q", cur.Name, body.Name))
				}
				if body.Prices != nil {
					changes = append(changes, fmt.Sprintf("prices: %s → %s (all replaced)", priceList(cur.Prices), priceBodyList(body.Prices)))
				}
				if body.Description != nil || body.ProductNo != nil || body.AccountID != "" || body.SalesTaxRulesetID != "" || body.IsArchived != nil {
					changes = append(changes, "other fields as given")
				}
				if len(changes) == 0 {
					return nil, sdk.Invalid("productId", "nothing to change: give at least one of name, description, productNo, prices (or price), accountId, salesTaxRulesetId or isArchived")
				}
				return &plan{requests: []BillyCall{{Method: "PUT", Path: "/products/" + url.PathEscape(in.ProductID), Body: map[string]any{"product": body}}},
					preview: Preview{Action: fmt.Sprintf("Edit product %q", cur.Name), Current: cur, Changes: changes,
						Undo: "Edit it again with update_product."}}, nil
			},
			readBack: func(ctx context.Context, _ []*envelope) (*Product, error) {
				return readProduct(ctx, call, in.ProductID)
			},
		})
	})
}

// priceList shows prices for people: "950,00 kr., 128,00 EUR".
func priceList(ps []Price) string {
	parts := make([]string, 0, len(ps))
	for _, p := range ps {
		parts = append(parts, unitMoney(p.UnitPrice.Dec(), p.CurrencyID))
	}
	if len(parts) == 0 {
		return "none"
	}
	return strings.Join(parts, ", ")
}

func priceBodyList(ps []priceBody) string {
	out := make([]Price, 0, len(ps))
	for _, p := range ps {
		out = append(out, Price{UnitPrice: numberOf(p.UnitPrice.Dec()), CurrencyID: p.CurrencyID})
	}
	return priceList(out)
}
