package sandbox

// Reference data shared by every organization. IDs are readable codes, as in
// Billy (billy-api.md §2.3): ISO-2 countries, ISO-4217 currencies, locales
// like da_DK, account natures by name.

// currencies carry exchangeRate as DKK per unit, fixed so that the sandbox is
// deterministic.
var currencies = []*currency{
	{ID: "DKK", Name: "Danske kroner", ExchangeRate: numberOf(dec("1"))},
	{ID: "EUR", Name: "Euro", ExchangeRate: numberOf(dec("7.4605"))},
	{ID: "USD", Name: "Amerikanske dollar", ExchangeRate: numberOf(dec("6.8935"))},
	{ID: "SEK", Name: "Svenske kroner", ExchangeRate: numberOf(dec("0.6512"))},
	{ID: "NOK", Name: "Norske kroner", ExchangeRate: numberOf(dec("0.6398"))},
	{ID: "GBP", Name: "Britiske pund", ExchangeRate: numberOf(dec("8.6210"))},
}

var countries = []*country{
	{ID: "DK", Name: "Danmark", HasFiniteZipcodes: true, LocaleID: "da_DK", inEU: true},
	{ID: "AT", Name: "Østrig", LocaleID: "de_DE", inEU: true},
	{ID: "BE", Name: "Belgien", LocaleID: "nl_NL", inEU: true},
	{ID: "DE", Name: "Tyskland", LocaleID: "de_DE", inEU: true},
	{ID: "ES", Name: "Spanien", LocaleID: "en_US", inEU: true},
	{ID: "FI", Name: "Finland", LocaleID: "en_US", inEU: true},
	{ID: "FR", Name: "Frankrig", LocaleID: "fr_FR", inEU: true},
	{ID: "IE", Name: "Irland", LocaleID: "en_US", inEU: true},
	{ID: "IT", Name: "Italien", LocaleID: "en_US", inEU: true},
	{ID: "NL", Name: "Holland", LocaleID: "nl_NL", inEU: true},
	{ID: "PL", Name: "Polen", LocaleID: "en_US", inEU: true},
	{ID: "SE", Name: "Sverige", LocaleID: "en_US", inEU: true},
	{ID: "CH", Name: "Schweiz", LocaleID: "de_DE"},
	{ID: "GB", Name: "Storbritannien", LocaleID: "en_US"},
	{ID: "IS", Name: "Island", LocaleID: "en_US"},
	{ID: "NO", Name: "Norge", LocaleID: "en_US"},
	{ID: "US", Name: "USA", HasStates: true, HasFiniteStates: true, LocaleID: "en_US"},
}

var locales = []*locale{
	{ID: "da_DK", Name: "Dansk"},
	{ID: "en_US", Name: "English"},
	{ID: "de_DE", Name: "Deutsch"},
	{ID: "fr_FR", Name: "Français"},
	{ID: "nl_NL", Name: "Nederlands"},
}

var accountNatures = []*accountNature{
	{ID: "asset", Name: "Aktiver", ReportType: "balanceSheet", NormalBalance: "debit"},
	{ID: "liability", Name: "Passiver", ReportType: "balanceSheet", NormalBalance: "credit"},
	{ID: "equity", Name: "Egenkapital", ReportType: "balanceSheet", NormalBalance: "credit"},
	{ID: "revenue", Name: "Indtægter", ReportType: "incomeStatement", NormalBalance: "credit"},
	{ID: "expense", Name: "Udgifter", ReportType: "incomeStatement", NormalBalance: "debit"},
}

// euGroupID is the country group the sales tax rules use for "other EU
// countries".
const euGroupID = "eu"

var countryGroups = func() []*countryGroup {
	g := &countryGroup{ID: euGroupID, Name: "EU", Predefined: true}
	for _, c := range countries {
		if c.inEU {
			g.MemberIDs = append(g.MemberIDs, c.ID)
		}
	}
	return []*countryGroup{g}
}()

func init() {
	for _, c := range countries {
		c.Icon = "flag-" + lower(c.ID)
	}
	for _, l := range locales {
		l.Icon = "flag-" + lower(l.ID[3:])
	}
	countryGroups[0].Icon = "flag-eu"
}

func lower(s string) string {
	b := []byte(s)
	for i, c := range b {
		if c >= 'A' && c <= 'Z' {
			b[i] = c + 'a' - 'A'
		}
	}
	return string(b)
}

func findByID[T any](list []T, id string, idOf func(T) string) (T, bool) {
	for _, v := range list {
		if idOf(v) == id {
			return v, true
		}
	}
	var zero T
	return zero, false
}

func countryByID(id string) (*country, bool) {
	return findByID(countries, id, func(c *country) string { return c.ID })
}

func currencyByID(id string) (*currency, bool) {
	return findByID(currencies, id, func(c *currency) string { return c.ID })
}

func localeByID(id string) (*locale, bool) {
	return findByID(locales, id, func(l *locale) string { return l.ID })
}

func natureByID(id string) (*accountNature, bool) {
	return findByID(accountNatures, id, func(n *accountNature) string { return n.ID })
}

func countryGroupByID(id string) (*countryGroup, bool) {
	return findByID(countryGroups, id, func(g *countryGroup) string { return g.ID })
}
