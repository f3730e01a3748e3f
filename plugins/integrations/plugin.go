package integrations

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/json"
	"io"
	"net/http"
	"path/filepath"
	"time"

	"github.com/billy-mcp/billy-mcp/plugins/internal/confirm"
	"github.com/billy-mcp/billy-mcp/sdk"
)

// config is the plugin's section of the host's config file:
//
//	plugins:
//	  integrations:
//	    config:
//	      inbox_dir: /home/me/billy-inbox  # files given by path (stdio only); empty: path is off
//	      max_file_bytes: 10485760         # the largest file read, from any source
//	      shipping_product_id: <id>        # the Billy product webshop orders' shipping goes on
//	      discount_product_id: <id>        # the Billy product webshop orders' discounts go on
//	      einvoice:
//	        schema_dir: /srv/ubl-xsd       # the official UBL 2.1 / OIOUBL XSDs, for einvoice_xml (with xmllint)
//	      economic:                        # migrate_from_economic (economic_client.go)
//	        base_url: https://restapi.e-conomic.com
//	        app_secret_token: <the app's X-AppSecretToken>   # or app_secret_token_file
//	        agreement_grant_tokens: {<billy organization id>: <X-AgreementGrantToken>}  # or agreement_grant_tokens_file
type config struct {
	InboxDir          string `json:"inbox_dir,omitempty"`
	MaxFileBytes      int    `json:"max_file_bytes,omitempty"`
	ShippingProductID string `json:"shipping_product_id,omitempty"`
	DiscountProductID string `json:"discount_product_id,omitempty"`
	Einvoice          struct {
		SchemaDir string `json:"schema_dir,omitempty"`
	} `json:"einvoice,omitempty"`
	Economic *economicConfig `json:"economic,omitempty"`
}

const (
	defaultMaxFileBytes = 10 << 20
	// hardMaxFileBytes: Billy's own upload limit is not documented; 25 MiB
	// is far past any statement or receipt.
	hardMaxFileBytes = 25 << 20
)

// plugin holds what the tools share.
type plugin struct {
	now      func() time.Time
	tokens   *confirm.Tokens
	cfg      config
	ledger   *ledger
	vouchers *store[uploadedFile]
	// economicHTTP and economicSleep replace the e-conomic client's HTTP
	// client and its waits between retries in tests; nil: the defaults.
	economicHTTP  *http.Client
	economicSleep func(ctx context.Context, d time.Duration) error
}

// New declares the plugin.
func New() *sdk.Plugin { return newPlugin(time.Now, rand.Reader).declare() }

func newPlugin(now func() time.Time, random io.Reader) *plugin {
	return &plugin{now: now, tokens: confirm.NewTokens("integrations", now, random), cfg: config{MaxFileBytes: defaultMaxFileBytes}, ledger: newLedger(""),
		vouchers: newStore[uploadedFile]("", "vouchers.json")}
}

func (p *plugin) declare() *sdk.Plugin {
	return &sdk.Plugin{
		Name:      "integrations",
		Version:   "0.1.0",
		Configure: p.configure,
		Description: "Bringing other systems' data into Billy.dk: bank statements (Danish bank CSV exports and camt.053) matched to open invoices " +
			"and recorded as payments after confirmation; receipts and vouchers attached to bills, invoices and daybook transactions, or turned into draft bills; a preflight of invoices before they are sent as e-invoices to public buyers, their sending through Billy and their delivery status, and a preview of their e-invoice XML (Peppol BIS 3 or OIOUBL 2.1) with our own check of the rules; webshop orders (Shopify, WooCommerce, generic) as draft invoices, once per order, and their refunds as draft credit notes, once per refund, or a day of orders as one journal entry; a migration from a Dinero data export (contacts, products and the opening balance, after a report of the account and VAT-code mapping), and the same from e-conomic over its REST API, with the open invoices reconciled.",
		Tools: []sdk.Tool{p.matchBankStatementTool(), p.recordBankPaymentsTool(), p.attachVoucherTool(), p.receiptToBillTool(), p.einvoicePreflightTool(), p.importWebshopOrderTool(), p.creditWebshopRefundTool(), p.summariseWebshopDayTool(), p.sendEinvoiceTool(), p.einvoiceStatusTool(), p.migrateFromDineroTool(), p.einvoiceXMLTool(), p.migrateFromEconomicTool()},
	}
}

func (p *plugin) configure(ctx context.Context, raw json.RawMessage) error {
	d := sdk.DeploymentFrom(ctx)
	p.tokens.UseKey(d.SigningKey)
	p.ledger = newLedger(d.DataDir)
	p.vouchers = newStore[uploadedFile](d.DataDir, "vouchers.json")
	c := config{MaxFileBytes: defaultMaxFileBytes}
	if len(bytes.TrimSpace(raw)) > 0 && string(bytes.TrimSpace(raw)) != "null" {
		dec := json.NewDecoder(bytes.NewReader(raw))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&c); err != nil {
			return sdk.Invalid("config", "the integrations config takes inbox_dir, max_file_bytes, shipping_product_id, discount_product_id, einvoice.schema_dir and economic: %v", err)
		}
	}
	if c.Economic != nil {
		if err := c.Economic.load(); err != nil {
			return err
		}
	}
	if c.MaxFileBytes == 0 {
		c.MaxFileBytes = defaultMaxFileBytes
	}
	if c.MaxFileBytes < 1024 || c.MaxFileBytes > hardMaxFileBytes {
		return sdk.Invalid("max_file_bytes", "must be between 1024 and %d, got %d", hardMaxFileBytes, c.MaxFileBytes)
	}
	if c.InboxDir != "" {
		if !filepath.IsAbs(c.InboxDir) {
			return sdk.Invalid("inbox_dir", "must be an absolute path, got %q", c.InboxDir)
		}
		c.InboxDir = filepath.Clean(c.InboxDir)
	}
	if d := c.Einvoice.SchemaDir; d != "" {
		if !filepath.IsAbs(d) {
			return sdk.Invalid("einvoice.schema_dir", "must be an absolute path to the official UBL 2.1 / OIOUBL XSDs, got %q", d)
		}
		c.Einvoice.SchemaDir = filepath.Clean(d)
	}
	p.cfg = c
	return nil
}
