package scopes

import "testing"

// FuzzForBilly: no request makes ForBilly panic; a read needs nothing, and
// anything else needs a scope of the vocabulary that only a writing scope
// satisfies (so a read-only principal can never be let through).
func FuzzForBilly(f *testing.F) {
	f.Add("POST", "/invoices", `{"invoice":{"state":"approved"}}`)
	f.Add("PUT", "/contacts/1", `{"contact":{}}`)
	f.Add("GET", "/bankPayments", ``)
	f.Add("DELETE", "//", `[1,2]`)
	f.Add("PATCH", "/salesTaxReturns/x", `{"state":7}`)
	f.Fuzz(func(t *testing.T, method, path, body string) {
		need := ForBilly(method, path, []byte(body))
		switch method {
		case "GET", "HEAD", "OPTIONS":
			if need != "" {
				t.Fatalf("a read needs %q", need)
			}
			return
		}
		if !Valid(need) || !Writes(need) {
			t.Fatalf("%s %s needs %q, not a writing scope", method, path, need)
		}
		if Has([]string{BillyRead, MomsRead, AuditRead, Metrics}, need) {
			t.Fatalf("%s %s is allowed to a read-only principal (needs %q)", method, path, need)
		}
	})
}
