package integrations

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// FuzzCheckEinvoiceXML: the parse-back and rule check take any bytes:
// never a panic, every finding has a rule, a severity (fatal or warning),
// a location and a message, and the same bytes give the same findings
// (no map order leaks into them). The goldens are the seeds, and they get
// no findings.
func FuzzCheckEinvoiceXML(f *testing.F) {
	files, _ := filepath.Glob("testdata/ubl/*.xml")
	for _, name := range files {
		b, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		if got := checkEinvoiceXML(b); len(got) != 0 {
			f.Fatalf("%s: %v", name, got)
		}
		f.Add(b)
	}
	f.Add([]byte(`<Invoice xmlns="urn:oasis:names:specification:ubl:schema:xsd:Invoice-2"/>`))
	f.Add([]byte(`<CreditNote xmlns="urn:oasis:names:specification:ubl:schema:xsd:CreditNote-2" xmlns:cbc="urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2"><cbc:CustomizationID>OIOUBL-2.1</cbc:CustomizationID></CreditNote>`))
	f.Fuzz(func(t *testing.T, b []byte) {
		got := checkEinvoiceXML(b)
		for _, x := range got {
			if x.Rule == "" || (x.Severity != "fatal" && x.Severity != "warning") || x.Location == "" || x.Message == "" {
				t.Fatalf("incomplete finding %+v", x)
			}
		}
		if d := cmp.Diff(got, checkEinvoiceXML(b)); d != "" {
			t.Fatalf("a second check differs:\n%s", d)
		}
	})
}
