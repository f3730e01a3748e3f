package cache

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"net/url"
	"slices"
	"strings"
	"time"
)

// This file holds what the cache knows of Billy's API (billy-api.md §2-§3,
// §6-§7): which kind a path names, what a read depends on, and what a write
// may change.

// Tags. A read depends on tags; a write moves the generations of tags.
const (
	tagOrg      = "*"  // the whole organization: moved only when writes could not be told to Redis
	tagAnyWrite = "w"  // moved by every write: what a read of unknown shape depends on
	pfxRecord   = "r:" // r:KIND:ID, one record
	pfxKind     = "k:" // k:KIND, every record of a kind (computed fields another kind feeds)
	pfxList     = "l:" // l:KIND, every list of a kind (and singletons such as /organization)
)

// aggregates lists, per kind written, the kinds whose records carry values
// computed from it or are replaced with it, so that a write of the first
// changes records of the second that Billy's answer may not name: an
// invoice's amounts and balance come from its lines, late fees and
// payments; a bill's from its lines and payments; a contact embeds its
// persons and a product its prices, both replaced by a PUT of the parent.
var aggregates = map[string][]string{
	"invoiceLines":           {"invoices"},
	"invoiceLateFees":        {"invoices"},
	"invoiceReminders":       {"invoices", "invoiceLateFees"},
	"bankPayments":           {"invoices", "bills", "balanceModifiers", "transactions", "postings", "contactBalancePostings"},
	"contactBalancePayments": {"invoices", "bills", "balanceModifiers", "contactBalancePostings"},
	"invoices":               {"invoiceLines", "transactions", "postings", "balanceModifiers"},
	"bills":                  {"billLines", "transactions", "postings", "balanceModifiers"},
	"billLines":              {"bills"},
	"contactPersons":         {"contacts"},
	"productPrices":          {"products"},
	"contacts":               {"contactPersons"}, // a PUT replaces the embedded persons
	"products":               {"productPrices"},  // and prices
	"daybookTransactions":    {"daybookTransactionLines", "transactions", "postings"},
	// Sending an e-invoice writes the invoice's log, which Billy's answer
	// to the delivery need not name (billy-api.md § 7.3.2).
	"invoiceDeliveries":       {"invoiceLogs", "invoices"},
	"daybookTransactionLines": {"daybookTransactions", "transactions", "postings"},
	"bankLineMatches":         {"bankLines", "postings"},
	"salesTaxPayments":        {"salesTaxReturns", "transactions", "postings"},
	"organizations":           {"organization"},
}

// includeKinds maps an include's property to the kind it brings in, where
// the property is not simply the kind's name or its singular.
var includeKinds = map[string]string{
	"lines":               "", // per parent, see lineKinds
	"associations":        "balanceModifiers",
	"lateFees":            "invoiceLateFees",
	"prices":              "productPrices",
	"rules":               "salesTaxRules",
	"deductionComponents": "taxRateDeductionComponents",
	"balanceAccounts":     "daybookBalanceAccounts",
	"subjectAssociations": "bankLineSubjectAssociations",
	"creditNotes":         "invoices",
	"nature":              "accountNatures",
	"group":               "accountGroups",
	"ruleset":             "salesTaxRulesets",
}

var lineKinds = map[string]string{
	"invoice": "invoiceLines", "bill": "billLines", "daybookTransaction": "daybookTransactionLines",
	"bankLineMatch": "bankLines",
}

// TTLs is how long answers stay fresh, per kind of record.
type TTLs struct {
	Default, Invoices, Contacts, Products, Payments, Accounts, TaxRates, Currencies, Countries, Organization time.Duration
}

// ttlOf picks the TTL for a kind.
func (t TTLs) ttlOf(kind string) time.Duration {
	var d time.Duration
	switch kind {
	case "invoices", "invoiceLines", "invoiceLateFees", "invoiceReminders", "invoiceLogs", "invoiceDeliveries":
		d = t.Invoices
	case "contacts", "contactPersons":
		d = t.Contacts
	case "products", "productPrices":
		d = t.Products
	case "bankPayments", "balanceModifiers", "contactBalancePayments", "contactBalancePostings":
		d = t.Payments
	case "accounts", "accountGroups", "accountNatures":
		d = t.Accounts
	case "taxRates", "salesTaxRulesets", "salesTaxRules", "taxRateDeductionComponents":
		d = t.TaxRates
	case "currencies":
		d = t.Currencies
	case "countries", "countryGroups", "locales", "states", "cities", "zipcodes":
		d = t.Countries
	case "organization", "organizations", "user":
		d = t.Organization
	}
	if d <= 0 {
		d = t.Default
	}
	return d
}

// max is the longest TTL, which bounds how long an answer can live.
func (t TTLs) max() time.Duration {
	return slices.Max([]time.Duration{t.Default, t.Invoices, t.Contacts, t.Products, t.Payments, t.Accounts,
		t.TaxRates, t.Currencies, t.Countries, t.Organization})
}

// Read is a read the gateway asks the cache about.
type Read struct {
	Org string
	// Credential identifies the Billy credential (see CredentialID).
	Credential string
	Path       string
	Query      url.Values
}

// Plan is what the cache needs to look a read up and store its answer.
type Plan struct {
	org, cred string
	path      string // path?query, the usage key
	key       string // in-process key
	resource  string // the kind, for metrics
	tags      []string
	derive    map[string]string // see readTags
	ttl       time.Duration
}

// Resource is the kind the read names (its first path segment).
func (p *Plan) Resource() string { return p.resource }

// Org is the organization the read is for.
func (p *Plan) Org() string { return p.org }

// CredentialID names a Billy credential in keys without holding it: a
// truncated SHA-256, enough to keep two tokens' answers apart.
func CredentialID(token string) string {
	sum := sha256.Sum256([]byte(token))
	return hex.EncodeToString(sum[:8])
}

// splitPath returns a checked path's kind, record ID and anything after.
func splitPath(path string) (kind, id string, rest []string) {
	segs := strings.Split(strings.TrimPrefix(path, "/"), "/")
	kind = segs[0]
	if len(segs) > 1 {
		id = segs[1]
	}
	if len(segs) > 2 {
		rest = segs[2:]
	}
	return kind, id, rest
}

// hasMany are the include properties that bring in a record's children
// (has-many). A write to a child names its parent in Billy's answer and in
// aggregates, so a read depends on the child kind as a whole. Every other
// include is a belongs-to (an invoice's contact, a product's account):
// the read depends on exactly the records the answer embeds or sideloads,
// found in the answer itself (derivedTags), so that renaming one contact
// does not drop every cached invoice.
var hasMany = map[string]bool{
	"lines": true, "prices": true, "contactPersons": true, "associations": true, "lateFees": true,
	"balanceModifiers": true, "attachments": true, "postings": true, "rules": true,
	"deductionComponents": true, "balanceAccounts": true, "subjectAssociations": true, "creditNotes": true,
}

// readTags lists the tags a read depends on before it is made, and derive:
// the keys under which the answer holds belongs-to records (the include's
// property when embedded, the kind's plural root when sideloaded), whose
// record tags are added from the answer.
func readTags(kind, id string, q url.Values) (tags []string, derive map[string]string) {
	tags = []string{tagOrg}
	if id != "" {
		tags = append(tags, pfxRecord+kind+":"+id, pfxKind+kind)
	} else {
		tags = append(tags, pfxList+kind)
	}
	for _, inc := range q["include"] {
		for _, item := range strings.Split(inc, ",") {
			k, ok := includeKind(item)
			if !ok {
				// An include the cache cannot place: any write may change it.
				tags = append(tags, tagAnyWrite)
				continue
			}
			prop := includeProp(item)
			if hasMany[prop] {
				tags = append(tags, pfxList+k, pfxKind+k)
				continue
			}
			if derive == nil {
				derive = map[string]string{}
			}
			derive[prop], derive[k] = k, k
		}
	}
	slices.Sort(tags)
	return slices.Compact(tags), derive
}

// includeProp is an include item's property ("invoice.contact:embed" →
// "contact").
func includeProp(item string) string {
	item = strings.TrimSpace(item)
	if i := strings.IndexByte(item, ':'); i >= 0 {
		item = item[:i]
	}
	_, prop, _ := strings.Cut(item, ".")
	return prop
}

// maxDerived bounds the record tags taken from one answer; beyond it the
// read depends on the kinds as a whole.
const maxDerived = 256

// derivedTags finds, in a read's answer, the belongs-to records it embeds
// or sideloads (objects with an id under a key of derive) and returns
// their record tags, sorted.
func derivedTags(body []byte, derive map[string]string) []string {
	if len(derive) == 0 {
		return nil
	}
	var root any
	if json.Unmarshal(body, &root) != nil {
		return coarse(derive)
	}
	set := map[string]bool{}
	var walk func(v any)
	addRec := func(kind string, v any) {
		if m, ok := v.(map[string]any); ok {
			if id, ok := m["id"].(string); ok && id != "" {
				set[pfxRecord+kind+":"+id] = true
			}
		}
	}
	walk = func(v any) {
		switch v := v.(type) {
		case map[string]any:
			for k, child := range v {
				if kind, ok := derive[k]; ok {
					if arr, ok := child.([]any); ok {
						for _, e := range arr {
							addRec(kind, e)
						}
					} else {
						addRec(kind, child)
					}
				}
				walk(child)
			}
		case []any:
			for _, e := range v {
				walk(e)
			}
		}
	}
	walk(root)
	if len(set) > maxDerived {
		return coarse(derive)
	}
	out := make([]string, 0, len(set))
	for t := range set {
		out = append(out, t)
	}
	slices.Sort(out)
	return out
}

// coarse is the fallback dependency on whole kinds.
func coarse(derive map[string]string) []string {
	var out []string
	for _, k := range derive {
		out = append(out, pfxList+k, pfxKind+k)
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// includeKind finds the kind one include item ("invoice.lines:embed")
// brings in.
func includeKind(item string) (string, bool) {
	item = strings.TrimSpace(item)
	if i := strings.IndexByte(item, ':'); i >= 0 {
		item = item[:i]
	}
	parent, prop, ok := strings.Cut(item, ".")
	if !ok || prop == "" {
		return "", false
	}
	if prop == "lines" {
		k, ok := lineKinds[parent]
		return k, ok
	}
	if k, ok := includeKinds[prop]; ok && k != "" {
		return k, true
	}
	if knownKinds[prop] {
		return prop, true
	}
	if knownKinds[prop+"s"] {
		return prop + "s", true
	}
	if strings.HasSuffix(prop, "y") && knownKinds[strings.TrimSuffix(prop, "y")+"ies"] {
		return strings.TrimSuffix(prop, "y") + "ies", true
	}
	return "", false
}

// writeTags lists the tags a write may have changed. body is Billy's answer
// to it (nil when the outcome is unknown): it names every record the write
// changed, of any kind, and the IDs it deleted.
func writeTags(path string, body []byte) []string {
	kind, id, _ := splitPath(path)
	tags := []string{tagAnyWrite, pfxList + kind}
	if id != "" {
		tags = append(tags, pfxRecord+kind+":"+id)
	}
	if body == nil {
		// Unknown outcome: every record of the kind may have changed.
		tags = append(tags, pfxKind+kind)
	}
	for _, a := range aggregates[kind] {
		tags = append(tags, pfxList+a, pfxKind+a)
	}
	tags = append(tags, changedRecords(body)...)
	slices.Sort(tags)
	return slices.Compact(tags)
}

// changedRecords reads the records a write's answer lists: every root key
// holding an array of records with IDs, and meta.deletedRecords.
func changedRecords(body []byte) []string {
	if len(body) == 0 {
		return nil
	}
	var root map[string]json.RawMessage
	if json.Unmarshal(body, &root) != nil {
		return nil
	}
	var tags []string
	add := func(kind string, ids []string) {
		if !validKind(kind) {
			return
		}
		tags = append(tags, pfxList+kind)
		for _, id := range ids {
			if id != "" {
				tags = append(tags, pfxRecord+kind+":"+id)
			}
		}
	}
	for k, raw := range root {
		if k == "meta" {
			continue
		}
		var recs []struct {
			ID string `json:"id"`
		}
		if json.Unmarshal(raw, &recs) != nil {
			continue
		}
		ids := make([]string, 0, len(recs))
		for _, r := range recs {
			ids = append(ids, r.ID)
		}
		add(k, ids)
	}
	var meta struct {
		Meta struct {
			DeletedRecords map[string]json.RawMessage `json:"deletedRecords"`
		} `json:"meta"`
	}
	if json.Unmarshal(body, &meta) == nil {
		for k, raw := range meta.Meta.DeletedRecords {
			var ids []string
			if json.Unmarshal(raw, &ids) == nil {
				add(k, ids)
			}
		}
	}
	return tags
}

// validKind keeps made-up root keys (a plugin's fake, a future field) to a
// sane shape: they only ever name tags.
func validKind(k string) bool {
	if k == "" || len(k) > 64 {
		return false
	}
	for i := 0; i < len(k); i++ {
		c := k[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9') {
			return false
		}
	}
	return true
}

// knownKinds are Billy's resources (billy-api.md §6.2).
var knownKinds = map[string]bool{
	"organization": true, "organizations": true, "user": true,
	"contacts": true, "contactPersons": true, "products": true, "productPrices": true,
	"invoices": true, "invoiceLines": true, "invoiceLateFees": true, "invoiceReminders": true,
	"invoiceDeliveries": true, "invoiceLogs": true,
	"bills": true, "billLines": true, "bankPayments": true, "balanceModifiers": true,
	"contactBalancePayments": true, "contactBalancePostings": true,
	"accounts": true, "accountGroups": true, "accountNatures": true,
	"taxRates": true, "salesTaxRulesets": true, "salesTaxRules": true, "salesTaxAccounts": true,
	"salesTaxMetaFields": true, "taxRateDeductionComponents": true, "salesTaxReturns": true,
	"salesTaxPayments": true,
	"daybooks":         true, "daybookBalanceAccounts": true, "daybookTransactions": true,
	"daybookTransactionLines": true, "transactions": true, "postings": true,
	"bankLines": true, "bankLineMatches": true, "bankLineSubjectAssociations": true,
	"files": true, "attachments": true,
	"currencies": true, "countries": true, "countryGroups": true, "locales": true,
	"states": true, "cities": true, "zipcodes": true,
}

// resourceLabel bounds the metrics' resource label to Billy's kinds.
func resourceLabel(kind string) string {
	if knownKinds[kind] {
		return kind
	}
	return "other"
}
