package e2e

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/billy-mcp/billy-mcp/sandbox"
	"github.com/mark3labs/mcp-go/mcp"
)

// TestEinvoiceXML (issue 14, item 4): einvoice_xml through the real host
// and the integrations plugin against the sandbox: an approved invoice to a
// public buyer rendered as Peppol BIS 3 and as OIOUBL 2.1, our rule check
// passing, the Danish summary as a second text item, and the plugin's
// einvoice.schema_dir read from the host's config file. The schema there is
// a stand-in of ours (not the UBL schema: it declares the Invoice root and
// takes any content), so what is tested is the plumbing: with xmllint
// installed the XSD step runs, without it the result says why it did not.
func TestEinvoiceXML(t *testing.T) {
	org, base := serveSandbox(t, "e2e-einvoice-xml", sandbox.BusinessService)
	id := sandboxAPI{t: t, base: base, token: org.AccessToken}.publicBuyerInvoice(org.ID)

	schemas := t.TempDir()
	if err := os.MkdirAll(filepath.Join(schemas, "maindoc"), 0o755); err != nil {
		t.Fatal(err)
	}
	standIn := `<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema" targetNamespace="urn:oasis:names:specification:ubl:schema:xsd:Invoice-2" elementFormDefault="qualified">
  <xs:element name="Invoice"><xs:complexType><xs:sequence><xs:any processContents="skip" minOccurs="0" maxOccurs="unbounded"/></xs:sequence></xs:complexType></xs:element>
</xs:schema>
`
	if err := os.WriteFile(filepath.Join(schemas, "maindoc", "UBL-Invoice-2.1.xsd"), []byte(standIn), 0o644); err != nil {
		t.Fatal(err)
	}
	h := startHost(t, "plugins:\n  integrations:\n    path: billy-mcp-plugin-integrations\n    config:\n      einvoice: {schema_dir: "+schemas+"}\n",
		sandboxEnv(org, base)...)
	h.waitReady(20 * time.Second)
	c := h.mcpHTTP()
	initialize(t, c)

	// The plugin runs with no environment (no PATH): it finds xmllint in
	// /usr/bin, /usr/local/bin or /bin.
	xmllint, xmllintErr := exec.LookPath("xmllint")
	if xmllintErr == nil && !strings.Contains(" /usr/bin /usr/local/bin /bin ", " "+filepath.Dir(xmllint)+" ") {
		t.Skipf("xmllint is at %s, where the plugin (which gets no PATH) does not look", xmllint)
	}
	for _, format := range []string{"peppol", "oioubl"} {
		res := callTool(t, c, "einvoice_xml", map[string]any{"invoice_id": id, "format": format})
		var got struct {
			Format       string
			DocumentType string `json:"document_type"`
			Lines        int
			Totals       struct{ Payable string }
			RuleCheck    struct {
				Passed   bool
				Findings []any
			} `json:"rule_check"`
			XSD struct {
				Ran, Valid bool
				Note       string
			}
			XML string
		}
		decode(t, structured(t, res), &got)
		if got.DocumentType != "Invoice" || got.Lines != 1 || got.Totals.Payable != "2375.00" || !got.RuleCheck.Passed || len(got.RuleCheck.Findings) != 0 {
			t.Errorf("%s: %+v", format, got)
		}
		if !strings.Contains(got.XML, `schemeID="0088">5798000000001<`) && !strings.Contains(got.XML, `schemeID="GLN">5798000000001<`) {
			t.Errorf("%s: the buyer's GLN endpoint is not in the XML", format)
		}
		switch {
		case xmllintErr == nil && (!got.XSD.Ran || !got.XSD.Valid):
			t.Errorf("%s: with xmllint and a schema configured, the XSD step: %+v", format, got.XSD)
		case xmllintErr != nil && (got.XSD.Ran || !strings.Contains(got.XSD.Note, "xmllint is not installed")):
			t.Errorf("%s: without xmllint, the XSD step: %+v", format, got.XSD)
		}
		if len(res.Content) != 2 {
			t.Fatalf("%s: %d content items, want the JSON and the Danish summary", format, len(res.Content))
		}
		if s, _ := res.Content[1].(mcp.TextContent); !strings.HasPrefix(s.Text, "Faktura ") || !strings.Contains(s.Text, "2.375,00 DKK") {
			t.Errorf("%s: summary %q", format, s.Text)
		}
	}
}
