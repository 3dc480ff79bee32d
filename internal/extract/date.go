package extract

import (
	"regexp"
	"strconv"
	"strings"
	"time"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
)

// arabicMonths maps the month names of Arabic sites to months: the
// Egyptian/Gulf transliterations (يناير …) and the Levantine/Iraqi names
// (كانون الثاني …), in folded form (see foldMarker). Two-word names come
// first so that "تشرين الثاني" is not read as "الثاني".
var arabicMonths = []struct {
	name string
	m    time.Month
}{
	{"كانونالثاني", 1}, {"تشرينالاول", 10}, {"تشرينالثاني", 11}, {"كانونالاول", 12},
	{"يناير", 1}, {"فبراير", 2}, {"مارس", 3}, {"ابريل", 4}, {"مايو", 5}, {"يونيو", 6}, {"يونيه", 6},
	{"يوليو", 7}, {"يوليه", 7}, {"اغسطس", 8}, {"سبتمبر", 9}, {"اكتوبر", 10}, {"نوفمبر", 11}, {"ديسمبر", 12},
	{"شباط", 2}, {"اذار", 3}, {"نيسان", 4}, {"ايار", 5}, {"حزيران", 6}, {"تموز", 7}, {"اب", 8}, {"ايلول", 9},
	{"january", 1}, {"february", 2}, {"march", 3}, {"april", 4}, {"may", 5}, {"june", 6}, {"july", 7},
	{"august", 8}, {"september", 9}, {"october", 10}, {"november", 11}, {"december", 12},
}

var (
	reDayMonthYear = regexp.MustCompile(`(?:^|\s)(\d{1,2})\s+(\S+(?:\s+\S+)?)\s*(?:/\s*\S+\s+)?((?:19|20)\d\d)`)
	reMonthDayYear = regexp.MustCompile(`(?i)\b([a-z]+)\.?\s+(\d{1,2}),?\s+((?:19|20)\d\d)`)
	reNumericDate  = regexp.MustCompile(`\b((?:19|20)\d\d)[-/.](\d{1,2})[-/.](\d{1,2})\b|\b(\d{1,2})[-/.](\d{1,2})[-/.]((?:19|20)\d\d)\b`)
)

// asciiDigits turns Arabic-Indic and Persian digits into ASCII ones.
func asciiDigits(s string) string {
	return strings.Map(func(r rune) rune {
		switch {
		case r >= '٠' && r <= '٩':
			return '0' + (r - '٠')
		case r >= '۰' && r <= '۹':
			return '0' + (r - '۰')
		}
		return r
	}, s)
}

func monthByName(s string) time.Month {
	f := foldMarker(s)
	for _, m := range arabicMonths {
		if f == m.name || (len(m.name) >= 6 && strings.HasPrefix(f, m.name)) {
			return m.m
		}
	}
	// English abbreviations: "Nov", "Sept".
	if len(f) >= 3 {
		for _, m := range arabicMonths[len(arabicMonths)-12:] {
			if strings.HasPrefix(m.name, f) {
				return m.m
			}
		}
	}
	return 0
}

// parseTextDate reads a date written for readers: "الجمعة 24 نيسان / أبريل
// 2020", "الأربعاء، 07 أكتوبر 2020 - 12:09 م", "November 9, 2020",
// "24-04-2020". Zero when no date is found.
func parseTextDate(s string) time.Time {
	s = asciiDigits(strings.ReplaceAll(s, "،", " "))
	if t := parseDate(s); !t.IsZero() {
		return t
	}
	ok := func(y, mo, d int) time.Time {
		if mo < 1 || mo > 12 || d < 1 || d > 31 {
			return time.Time{}
		}
		return time.Date(y, time.Month(mo), d, 0, 0, 0, 0, time.UTC)
	}
	for _, m := range reDayMonthYear.FindAllStringSubmatch(s, -1) {
		d, _ := strconv.Atoi(m[1])
		y, _ := strconv.Atoi(m[3])
		// "آب/اغسطس", "نيسان / أبريل": either name will do.
		words := strings.FieldsFunc(m[2], func(r rune) bool { return r == ' ' || r == '/' || r == '-' })
		if mo := monthByName(strings.Join(words, "")); mo != 0 {
			return ok(y, int(mo), d)
		}
		for _, w := range words {
			if mo := monthByName(w); mo != 0 {
				return ok(y, int(mo), d)
			}
		}
	}
	if m := reMonthDayYear.FindStringSubmatch(s); m != nil {
		if mo := monthByName(m[1]); mo != 0 {
			d, _ := strconv.Atoi(m[2])
			y, _ := strconv.Atoi(m[3])
			return ok(y, int(mo), d)
		}
	}
	if m := reNumericDate.FindStringSubmatch(s); m != nil {
		if m[1] != "" {
			y, _ := strconv.Atoi(m[1])
			mo, _ := strconv.Atoi(m[2])
			d, _ := strconv.Atoi(m[3])
			return ok(y, mo, d)
		}
		d, _ := strconv.Atoi(m[4])
		mo, _ := strconv.Atoi(m[5])
		y, _ := strconv.Atoi(m[6])
		return ok(y, mo, d) // day first, as Arabic sites write it
	}
	return time.Time{}
}

var dateClass = regexp.MustCompile(`(?i)date|time|created|publish|posted|article_info|byline|meta`)

// findPageDate looks in the body for a publication date shown to readers:
// <time datetime>, or a short element whose class or id speaks of dates.
// The first one in document order wins: it is usually the article's own.
func findPageDate(doc *html.Node) time.Time {
	var found time.Time
	var walk func(*html.Node) bool
	walk = func(n *html.Node) bool {
		if n.Type == html.ElementNode {
			switch n.DataAtom {
			case atom.Script, atom.Style, atom.Head, atom.Nav, atom.Footer:
				return false
			case atom.Time:
				if t := parseTextDate(attr(n, "datetime")); !t.IsZero() {
					found = t
					return true
				}
			}
			if c := attr(n, "class") + " " + attr(n, "id") + " " + attr(n, "itemprop"); dateClass.MatchString(c) {
				if txt := textOf(n); len(txt) < 300 {
					if t := parseTextDate(collapseSpace(txt)); !t.IsZero() {
						found = t
						return true
					}
				}
			}
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			if walk(c) {
				return true
			}
		}
		return false
	}
	walk(doc)
	return found
}
