package sandbox

// handler serves one operation on one resource. It runs with the Server's
// mutex held (shared for reads, exclusive for writes) and returns records
// that are rendered before the mutex is released.
type handler func(c *call) (*result, error)

// action is a special route such as POST /invoices/{id}/emails.
type action struct {
	method string
	root   string // the body's root key
	h      handler
}

// relation is a has-many or belongs-to relation that include can sideload
// or embed (billy-api.md §3). A belongs-to relation named "contact" reads
// the record's "contactId"; a has-many one lists its children.
type relation struct {
	target   string // plural name of the related resource
	many     bool
	children func(c *call, parentID string) []string
}

// resource is one of Billy's resources. A nil operation answers 405.
type resource struct {
	plural, singular string
	public           bool // reference data readable without credentials (§1.2)
	singleton        bool // /organization and /user: GET without an ID
	rawUpload        bool // POST takes the raw bytes of a file, not JSON (files)
	sub              *resource

	list, get, create, update, del handler
	actions                        map[string]action

	// lookup finds a record for include; relations are what include may name.
	lookup    func(c *call, id string) (any, bool)
	relations map[string]relation
}

// resources is every route the sandbox knows, by plural name; anything else
// under /v2 answers 404 UNKNOWN_RESOURCE, as Billy does for /webhooks,
// /reports, /recurringInvoices, /bankAccounts and the like (§6.3).
var resources = map[string]*resource{}

// bySingular finds resources by the singular names used in include paths.
var bySingular = map[string]*resource{}

func register(rs ...*resource) {
	for _, r := range rs {
		resources[r.plural] = r
		if r.singular != "" {
			bySingular[r.singular] = r
		}
	}
}

func init() {
	register(organizationResources()...)
	register(contactResources()...)
	register(productResources()...)
	register(invoiceResources()...)
	register(paymentResources()...)
	register(ledgerResources()...)
	register(referenceResources()...)
	register(billResources()...)
	register(fileResources()...)
	register(bookResources()...)
	register(einvoiceResources()...)
}

// Relation helpers.

func belongsTo(target string) relation { return relation{target: target} }

func hasMany(target string, children func(c *call, parentID string) []string) relation {
	return relation{target: target, many: true, children: children}
}

// lookupIn adapts an organization table to resource.lookup.
func lookupIn[T any](tab func(o *orgState) *table[T]) func(c *call, id string) (any, bool) {
	return func(c *call, id string) (any, bool) {
		v, ok := tab(c.org).get(id)
		return v, ok
	}
}

// getFrom is a GET /{plural}/{id} handler for an organization table.
func getFrom[T any](singular, plural string, tab func(o *orgState) *table[T]) handler {
	return func(c *call) (*result, error) {
		v, ok := tab(c.org).get(c.id)
		if !ok {
			return nil, errNotFound(singular, c.id)
		}
		return one(singular, plural, v), nil
	}
}

// listFrom is a GET /{plural} handler for an organization table.
func listFrom[T any](plural string, tab func(o *orgState) *table[T], spec func(c *call) listSpec[T]) handler {
	return func(c *call) (*result, error) {
		return listOf(c, plural, tab(c.org).all(), spec(c))
	}
}

// listOf filters, sorts and pages items.
func listOf[T any](c *call, plural string, items []T, spec listSpec[T]) (*result, error) {
	page, size, err := parsePaging(c.q)
	if err != nil {
		return nil, err
	}
	items, err = spec.apply(c, items)
	if err != nil {
		return nil, err
	}
	items, pg := paginate(items, page, size, c.base+c.r.URL.Path, c.q)
	recs := make([]any, len(items))
	for i, v := range items {
		recs[i] = v
	}
	return &result{key: plural, plural: plural, many: recs, paging: pg}, nil
}

// staticList serves read-only reference data.
func staticList[T any](plural string, items []T, spec listSpec[T]) handler {
	return func(c *call) (*result, error) { return listOf(c, plural, append([]T(nil), items...), spec) }
}

func staticGet[T any](singular, plural string, find func(id string) (T, bool)) handler {
	return func(c *call) (*result, error) {
		v, ok := find(c.id)
		if !ok {
			return nil, errNotFound(singular, c.id)
		}
		return one(singular, plural, v), nil
	}
}

func staticLookup[T any](find func(id string) (T, bool)) func(c *call, id string) (any, bool) {
	return func(c *call, id string) (any, bool) { return find(id) }
}
