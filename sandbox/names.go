package sandbox

import (
	"fmt"
	"math/rand/v2"
	"strings"
)

// Danish (and a few foreign) names and addresses for the generator. The
// postcodes and towns are real pairs; the streets are common Danish street
// names, so every address is plausible without being anyone's.

var firstNames = []string{
	"Anne", "Mette", "Kirsten", "Hanne", "Helle", "Susanne", "Lene", "Camilla", "Louise", "Maria",
	"Sofie", "Ida", "Emma", "Freja", "Line", "Julie", "Marianne", "Pia", "Tina", "Charlotte",
	"Peter", "Jens", "Lars", "Michael", "Henrik", "Thomas", "Søren", "Jesper", "Niels", "Rasmus",
	"Morten", "Anders", "Martin", "Jan", "Christian", "Mads", "Frederik", "Mikkel", "Jonas", "Kasper",
}

var lastNames = []string{
	"Jensen", "Nielsen", "Hansen", "Pedersen", "Andersen", "Christensen", "Larsen", "Sørensen",
	"Rasmussen", "Jørgensen", "Petersen", "Madsen", "Kristensen", "Olsen", "Thomsen", "Christiansen",
	"Poulsen", "Johansen", "Møller", "Mortensen", "Knudsen", "Jakobsen", "Lauridsen", "Holm",
	"Kjær", "Bak", "Dahl", "Lund", "Vestergaard", "Østergaard", "Frandsen", "Bertelsen",
}

var streets = []string{
	"Vestergade", "Østergade", "Nørregade", "Søndergade", "Algade", "Jernbanegade", "Skolevej",
	"Kirkevej", "Bredgade", "Strandvejen", "Industrivej", "Hovedgaden", "Møllevej", "Engvej",
	"Birkevej", "Egevej", "Bøgevej", "Rosenvænget", "Vinkelvej", "Havnegade", "Torvegade",
	"Slotsgade", "Fabriksvej", "Parkvej", "Åboulevarden", "Frederiksberg Allé", "Kongensgade",
}

type place struct{ zip, city string }

var danishPlaces = []place{
	{"1050", "København K"}, {"1620", "København V"}, {"2100", "København Ø"}, {"2200", "København N"},
	{"2300", "København S"}, {"2400", "København NV"}, {"2500", "Valby"}, {"2600", "Glostrup"},
	{"2800", "Kongens Lyngby"}, {"2900", "Hellerup"}, {"3000", "Helsingør"}, {"3400", "Hillerød"},
	{"4000", "Roskilde"}, {"4700", "Næstved"}, {"5000", "Odense C"}, {"5700", "Svendborg"},
	{"6000", "Kolding"}, {"6700", "Esbjerg"}, {"7100", "Vejle"}, {"7400", "Herning"},
	{"8000", "Aarhus C"}, {"8200", "Aarhus N"}, {"8600", "Silkeborg"}, {"8700", "Horsens"},
	{"8900", "Randers C"}, {"9000", "Aalborg"}, {"9800", "Hjørring"}, {"7500", "Holstebro"},
}

// foreignCompany is a plausible customer abroad.
type foreignCompany struct {
	country, name, street, zip, city, domain string
}

var foreignCompanies = []foreignCompany{
	{"DE", "Müller Logistik GmbH", "Speicherstraße 14", "20457", "Hamburg", "mueller-logistik.de"},
	{"DE", "Schneider Software GmbH", "Leopoldstraße 52", "80802", "München", "schneider-software.de"},
	{"SE", "Lindqvist Design AB", "Stortorget 9", "211 22", "Malmö", "lindqvistdesign.se"},
	{"SE", "Bergström Handel AB", "Drottninggatan 41", "111 21", "Stockholm", "bergstromhandel.se"},
	{"NL", "Van Dijk Media B.V.", "Keizersgracht 210", "1016 DX", "Amsterdam", "vandijkmedia.nl"},
	{"FI", "Virtanen Solutions Oy", "Mannerheimintie 12", "00100", "Helsinki", "virtanensolutions.fi"},
	{"IE", "Liffey Analytics Ltd", "12 Grand Canal Quay", "D02 X576", "Dublin", "liffeyanalytics.ie"},
	{"NO", "Fjordkraft Handel AS", "Karl Johans gate 22", "0159", "Oslo", "fjordkrafthandel.no"},
	{"GB", "Thames Digital Ltd", "48 Southwark Street", "SE1 1UN", "London", "thamesdigital.co.uk"},
	{"US", "Brightline Studios Inc.", "350 5th Avenue", "10118", "New York, NY", "brightlinestudios.com"},
}

var foreignPeople = map[string][][2]string{
	"SE": {{"Karin", "Lindberg"}, {"Erik", "Johansson"}, {"Anna", "Karlsson"}},
	"DE": {{"Lena", "Fischer"}, {"Jonas", "Weber"}, {"Sabine", "Wagner"}},
	"NO": {{"Ingrid", "Haugen"}, {"Ola", "Berg"}},
}

var foreignStreetCity = map[string]place{
	"SE": {"211 40", "Malmö"}, "DE": {"24937", "Flensburg"}, "NO": {"0250", "Oslo"},
}

func pick[T any](rng *rand.Rand, xs []T) T { return xs[rng.IntN(len(xs))] }

func danishStreet(rng *rand.Rand) string {
	return fmt.Sprintf("%s %d", pick(rng, streets), 1+rng.IntN(140))
}

func danishPhone(rng *rand.Rand) string {
	return fmt.Sprintf("+45 %d%d %02d %02d %02d", 2+rng.IntN(8), rng.IntN(10), rng.IntN(100), rng.IntN(100), rng.IntN(100))
}

// slug turns a name into a plausible e-mail domain part.
func slug(name string) string {
	r := strings.NewReplacer("æ", "ae", "ø", "oe", "å", "aa", "Æ", "ae", "Ø", "oe", "Å", "aa", "ü", "ue", "ö", "oe", "ä", "ae", "&", "og")
	s := strings.ToLower(r.Replace(name))
	for _, suffix := range []string{" aps", " a/s", " i/s", " ivs"} {
		s = strings.TrimSuffix(s, suffix)
	}
	var b strings.Builder
	for _, c := range s {
		if c >= 'a' && c <= 'z' || c >= '0' && c <= '9' {
			b.WriteRune(c)
		} else if c == ' ' || c == '-' {
			b.WriteByte('-')
		}
	}
	return strings.Trim(strings.ReplaceAll(b.String(), "--", "-"), "-")
}

func emailLocal(first, last string) string {
	return slug(first) + "." + slug(last)
}

// Danish company names for B2B customers: trade words combined with towns
// and surnames, with a legal form.
var tradeWords = []string{
	"Tømrer", "VVS", "El-service", "Maskinfabrik", "Revision", "Advokatfirma", "Arkitekter", "Tandklinik",
	"Bageri", "Auto", "Malerfirma", "Rengøring", "Transport", "Ejendomme", "Reklamebureau", "Boligselskab",
	"Blomster", "Fysioterapi", "Entreprise", "Consult", "Logistik", "Byg", "Catering", "Trykkeri",
}

func danishCompanyName(rng *rand.Rand) string {
	form := pick(rng, []string{"ApS", "ApS", "ApS", "A/S", "I/S"})
	switch rng.IntN(3) {
	case 0:
		return fmt.Sprintf("%s %s %s", pick(rng, lastNames), pick(rng, tradeWords), form)
	case 1:
		town := strings.Fields(pick(rng, danishPlaces).city)[0]
		return fmt.Sprintf("%s %s %s", town, pick(rng, tradeWords), form)
	}
	return fmt.Sprintf("%s & %s %s %s", pick(rng, lastNames), pick(rng, lastNames), pick(rng, tradeWords), form)
}
