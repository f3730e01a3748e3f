package integrations

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/billy-mcp/billy-mcp/sdk"
	"github.com/billy-mcp/billy-mcp/sdk/sdktest"
)

// standInXSD is NOT the UBL schema: a schema of ours that declares the
// UBL 2.1 Invoice root and takes any content, only so that the tests can
// drive the xmllint hook through a valid and an invalid document. The
// official schemas are run by TestXMLAgainstOfficialXSD.
const standInXSD = `<?xml version="1.0" encoding="UTF-8"?>
<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema" targetNamespace="urn:oasis:names:specification:ubl:schema:xsd:Invoice-2" elementFormDefault="qualified">
  <xs:element name="Invoice">
    <xs:complexType>
      <xs:sequence><xs:any processContents="skip" minOccurs="0" maxOccurs="unbounded"/></xs:sequence>
    </xs:complexType>
  </xs:element>
</xs:schema>
`

func writeStandIn(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	if err := os.MkdirAll(filepath.Join(dir, "maindoc"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "maindoc", "UBL-Invoice-2.1.xsd"), []byte(standInXSD), 0o644); err != nil {
		t.Fatal(err)
	}
	return dir
}

// TestRunXSDNotRun: without schemas, without the document's schema, or
// without xmllint, the XSD step says it did not run, and why.
func TestRunXSDNotRun(t *testing.T) {
	doc := []byte(golden(t, "peppol-invoice"))
	standIn := writeStandIn(t)
	saved := lookPath
	defer func() { lookPath = saved }()
	for _, tc := range []struct {
		name, dir, root string
		noXmllint       bool
		note            string
	}{
		{"not configured", "", "Invoice", false, "no official schemas are configured"},
		{"no such schema", standIn, "CreditNote", false, "holds no UBL-CreditNote-2.1.xsd"},
		{"no xmllint", standIn, "Invoice", true, "xmllint is not installed"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			lookPath = saved
			if tc.noXmllint {
				lookPath = func(string) (string, error) { return "", exec.ErrNotFound }
			}
			got := runXSD(context.Background(), tc.dir, formatPeppol, tc.root, doc)
			if got.Ran || got.Valid || !strings.Contains(got.Note, tc.note) || got.why == "" {
				t.Errorf("got %+v, want not run with %q", got, tc.note)
			}
		})
	}
}

// TestRunXSDXmllint: with xmllint installed, the hook runs it and reads
// its verdict: a valid document, and one whose root the schema does not
// declare, with xmllint's message. Skipped without xmllint.
func TestRunXSDXmllint(t *testing.T) {
	if _, err := lookPath("xmllint"); err != nil {
		t.Skip("xmllint is not installed (Debian: libxml2-utils); the hook's xmllint path is not tested")
	}
	dir := writeStandIn(t)
	ok := runXSD(context.Background(), dir, formatPeppol, "Invoice", []byte(golden(t, "peppol-invoice")))
	if !ok.Ran || !ok.Valid || len(ok.Findings) != 0 || ok.Schema != filepath.Join(dir, "maindoc", "UBL-Invoice-2.1.xsd") {
		t.Errorf("valid document: %+v", ok)
	}
	bad := runXSD(context.Background(), dir, formatPeppol, "Invoice", []byte(golden(t, "peppol-creditnote")))
	if !bad.Ran || bad.Valid || len(bad.Findings) == 0 || !strings.Contains(strings.Join(bad.Findings, "\n"), "CreditNote") {
		t.Errorf("invalid document: %+v", bad)
	}
}

// TestEinvoiceSchemaDirConfig: the key is read from the plugin's config
// and must be absolute.
func TestEinvoiceSchemaDirConfig(t *testing.T) {
	p := newPlugin(time.Now, rand.Reader)
	err := p.configure(context.Background(), []byte(`{"einvoice":{"schema_dir":"xsd"}}`))
	var e *sdk.Error
	if !errors.As(err, &e) || !strings.Contains(fmt.Sprint(e.Message, e.Fields), "schema_dir") {
		t.Errorf("relative schema_dir: %v", err)
	}
	if err := p.configure(context.Background(), []byte(`{"einvoice":{"schema_dir":"/srv/ubl/"}}`)); err != nil || p.cfg.Einvoice.SchemaDir != "/srv/ubl" {
		t.Errorf("absolute schema_dir: %v, %q", err, p.cfg.Einvoice.SchemaDir)
	}
	// Through the harness: the tool reports the configured schemas' run.
	if _, err := lookPath("xmllint"); err != nil {
		return
	}
	dir := writeStandIn(t)
	base := preflightBilly(
		map[string]any{"id": "i1", "invoiceNo": "1042", "type": "invoice", "state": "approved", "contactId": "c1", "orderNo": "PO-77", "entryDate": "2026-11-20", "currencyId": "DKK"},
		map[string]any{"name": "Region Midtjylland", "ean": "5798000000001", "countryId": "DK", "street": "Skottenborg 26", "zipcodeText": "8800", "cityText": "Viborg"},
		map[string]any{"name": "Rådgivning ApS", "registrationNo": "12345678", "countryId": "DK", "street": "Banegårdspladsen 1", "zipcode": "8000", "city": "Aarhus C"},
		[]any{map[string]any{"description": "Konsulent", "quantity": 2, "unitPrice": 500, "amount": 1000, "tax": 250, "taxRateId": "t1"}}, nil)
	billy := func(ctx context.Context, req sdk.BillyRequest) (*sdk.BillyResponse, error) {
		if req.Path == "/taxRates" {
			return &sdk.BillyResponse{Status: 200, Body: []byte(`{"taxRates":[{"id":"t1","rate":0.25,"predefinedTag":"dk_sales_25"}],"meta":{"paging":{"pageCount":1}}}`)}, nil
		}
		return base(ctx, req)
	}
	h := sdktest.New(t, New(), sdktest.WithConfig(map[string]any{"einvoice": map[string]any{"schema_dir": dir}}), sdktest.WithBilly(billy))
	var got EinvoiceXMLResult
	if err := h.CallToolInto(context.Background(), "einvoice_xml", map[string]any{"invoice_id": "i1"}, &got); err != nil {
		t.Fatal(err)
	}
	if !got.XSD.Ran || !got.XSD.Valid || !strings.Contains(got.Summary, "XSD-validering: gyldig") {
		t.Errorf("xsd %+v; summary %s", got.XSD, got.Summary)
	}
}

// TestXMLAgainstOfficialXSD validates the three golden documents against
// the official schemas, which are not in this repository (they could not
// be obtained where it is built). Point BILLY_MCP_UBL_XSD_DIR at the OASIS
// UBL 2.1 package (the directory holding maindoc/UBL-Invoice-2.1.xsd) or a
// directory with ubl/ and oioubl/ packages; xmllint must be installed.
func TestXMLAgainstOfficialXSD(t *testing.T) {
	dir := os.Getenv("BILLY_MCP_UBL_XSD_DIR")
	if dir == "" {
		t.Skip("BILLY_MCP_UBL_XSD_DIR is not set: the official UBL 2.1 / OIOUBL XSDs are not in the repository, so the XSD validation is not run (see plugins/integrations/README.md)")
	}
	if _, err := lookPath("xmllint"); err != nil {
		t.Fatalf("BILLY_MCP_UBL_XSD_DIR is set but xmllint is not installed (Debian: libxml2-utils)")
	}
	for _, tc := range []struct{ name, format, root string }{
		{"peppol-invoice", formatPeppol, "Invoice"},
		{"peppol-creditnote", formatPeppol, "CreditNote"},
		{"oioubl-invoice", formatOIOUBL, "Invoice"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := runXSD(context.Background(), dir, tc.format, tc.root, []byte(golden(t, tc.name)))
			if !got.Ran || !got.Valid {
				t.Errorf("%s: %s\n%s", tc.name, got.Note, strings.Join(got.Findings, "\n"))
			}
		})
	}
}
