package moms

import (
	"fmt"
	"time"
)

// The Danish business-day calendar for deadlines (reference R8, § 5.5):
// Saturdays, Sundays, the church's public holidays (helligdage) and the
// banks' closing days (banklukkedage) are not business days. Skattestyrelsen
// moves VAT deadlines off all of them (§ 1.6).

// date returns midnight UTC of a calendar day; all dates here are civil
// dates, so UTC only keeps arithmetic free of daylight-saving jumps.
func date(year int, month time.Month, day int) time.Time {
	return time.Date(year, month, day, 0, 0, 0, 0, time.UTC)
}

// easterSunday returns Easter Sunday in the Gregorian calendar, by the
// anonymous Gregorian algorithm (Meeus/Jones/Butcher), valid for every year
// from 1583. Checked against reference TV9 and Nationalbanken's 2026 and
// 2027 closing-day lists.
func easterSunday(year int) time.Time {
	a := year % 19
	b, c := year/100, year%100
	d, e := b/4, b%4
	f := (b + 8) / 25
	g := (b - f + 1) / 3
	h := (19*a + b - d - g + 15) % 30
	i, k := c/4, c%4
	l := (32 + 2*e + 2*i - h - k) % 7
	m := (a + 11*h + 22*l) / 451
	month := (h + l - 7*m + 114) / 31
	day := (h+l-7*m+114)%31 + 1
	return date(year, time.Month(month), day)
}

// closedDay is a non-weekend reason for a day not to be a business day.
type closedDay struct {
	date time.Time
	name string
	bank bool // a bank closing day rather than a public holiday
}

// closedDays lists a year's public holidays and bank closing days, in date
// order. Holidays on weekends are listed too; they do no harm.
func closedDays(year int) []closedDay {
	easter := easterSunday(year)
	rel := func(days int) time.Time { return easter.AddDate(0, 0, days) }
	// Public holidays: reference § 5.5 (valutaomregneren.dk, sagapedia.com),
	// consistent with Nationalbanken's lists.
	days := []closedDay{
		{date: date(year, time.January, 1), name: "Nytårsdag"},
		{date: rel(-3), name: "Skærtorsdag"},
		{date: rel(-2), name: "Langfredag"},
		{date: rel(0), name: "Påskedag"},
		{date: rel(1), name: "2. påskedag"},
	}
	// Store Bededag (Easter + 26) was abolished from 1 Jan 2024 (act passed
	// 28 Feb 2023); reference § 5.5 and TV9.
	if year <= 2023 {
		days = append(days, closedDay{date: rel(26), name: "Store Bededag"})
	}
	days = append(days,
		closedDay{date: rel(39), name: "Kristi himmelfartsdag"},
		// Bank closing days (reference § 5.5, Nationalbanken): the Friday
		// after Ascension, Grundlovsdag, Christmas Eve and New Year's Eve.
		closedDay{date: rel(40), name: "the Friday after Kristi himmelfartsdag", bank: true},
		closedDay{date: rel(49), name: "Pinsedag"},
		closedDay{date: rel(50), name: "2. pinsedag"},
		closedDay{date: date(year, time.June, 5), name: "Grundlovsdag", bank: true},
		closedDay{date: date(year, time.December, 24), name: "Juleaftensdag", bank: true},
		closedDay{date: date(year, time.December, 25), name: "Juledag"},
		closedDay{date: date(year, time.December, 26), name: "2. juledag"},
		closedDay{date: date(year, time.December, 31), name: "Nytårsaftensdag", bank: true},
	)
	return days
}

// whyClosed says why d is not a business day, or returns "" if it is one.
func whyClosed(d time.Time) string {
	if wd := d.Weekday(); wd == time.Saturday || wd == time.Sunday {
		return fmt.Sprintf("%s is a %s", d.Format(time.DateOnly), wd)
	}
	for _, c := range closedDays(d.Year()) {
		if c.date.Equal(d) {
			kind := "a public holiday"
			if c.bank {
				kind = "a bank closing day"
			}
			return fmt.Sprintf("%s is %s (%s)", d.Format(time.DateOnly), c.name, kind)
		}
	}
	return ""
}

// nextBusinessDay returns d if it is a business day, otherwise the first
// business day after it, with the reason each skipped day was skipped.
func nextBusinessDay(d time.Time) (time.Time, []string) {
	var skipped []string
	for why := whyClosed(d); why != ""; why = whyClosed(d) {
		skipped = append(skipped, why)
		d = d.AddDate(0, 0, 1)
	}
	return d, skipped
}
