package web

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"golang.org/x/text/feature/plural"
	"golang.org/x/text/language"
)

// Digits chooses how numbers are written on the pages.
type Digits string

const (
	Western     Digits = "latn" // 0123456789
	ArabicIndic Digits = "arab" // ٠١٢٣٤٥٦٧٨٩
)

// format writes numbers, dates and counted nouns in Arabic for one reader:
// a time zone and a choice of digits.
type format struct {
	zone   *time.Location
	digits Digits
	now    func() time.Time
}

// num writes an integer in the chosen digits.
func (f format) num(n int) string { return f.digitsOf(strconv.Itoa(n)) }

// digitsOf rewrites the ASCII digits of s (and the decimal point between
// digits) in the chosen digits.
func (f format) digitsOf(s string) string {
	if f.digits != ArabicIndic {
		return s
	}
	var b strings.Builder
	rs := []rune(s)
	for i, r := range rs {
		switch {
		case r >= '0' && r <= '9':
			b.WriteRune('٠' + (r - '0'))
		case r == '.' && i > 0 && i+1 < len(rs) && isDigit(rs[i-1]) && isDigit(rs[i+1]):
			b.WriteRune('٫')
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

func isDigit(r rune) bool { return r >= '0' && r <= '9' }

// noun holds the six forms Arabic uses to count a noun, chosen by the CLDR
// plural category of the number; %s is the number.
type noun struct {
	zero, one, two, few, many, other string
}

// nouns are the counted nouns of the pages, after the CLDR categories:
// zero (0), one (1), two (2), few (3–10, 103–110 …: plural, genitive),
// many (11–99, 111–199 …: singular, accusative tanween), other (100, 101,
// 102 …: singular, genitive).
var nouns = map[string]noun{
	"article": {"لا مقالات", "مقال واحد", "مقالان", "%s مقالات", "%s مقالاً", "%s مقال"},
	"other":   {"لا مقالات أخرى", "مقال آخر", "مقالان آخران", "%s مقالات أخرى", "%s مقالاً آخر", "%s مقال آخر"},
	"outlet":  {"لا مصادر", "مصدر واحد", "مصدران", "%s مصادر", "%s مصدراً", "%s مصدر"},
	"result":  {"لا نتائج", "نتيجة واحدة", "نتيجتان", "%s نتائج", "%s نتيجة", "%s نتيجة"},
	"story":   {"لا قصص", "قصة واحدة", "قصتان", "%s قصص", "%s قصة", "%s قصة"},
	"feed":    {"لا خلاصات", "خلاصة واحدة", "خلاصتان", "%s خلاصات", "%s خلاصة", "%s خلاصة"},
	"failure": {"لا إخفاق", "إخفاق واحد", "إخفاقان", "%s إخفاقات", "%s إخفاقاً", "%s إخفاق"},
	// After منذ (genitive): منذ دقيقتين, منذ ٣ دقائق, منذ ١١ دقيقة.
	"minute": {"لحظات", "دقيقة", "دقيقتين", "%s دقائق", "%s دقيقة", "%s دقيقة"},
	"hour":   {"أقل من ساعة", "ساعة", "ساعتين", "%s ساعات", "%s ساعة", "%s ساعة"},
	"day":    {"اليوم", "يوم", "يومين", "%s أيام", "%s يوماً", "%s يوم"},
}

// count writes n with the noun in the form Arabic grammar asks for.
func (f format) count(n int, what string) string {
	w, ok := nouns[what]
	if !ok {
		return f.num(n) + " " + what
	}
	var form string
	switch plural.Cardinal.MatchPlural(language.Arabic, n, 0, 0, 0, 0) {
	case plural.Zero:
		form = w.zero
	case plural.One:
		form = w.one
	case plural.Two:
		form = w.two
	case plural.Few:
		form = w.few
	case plural.Many:
		form = w.many
	default:
		form = w.other
	}
	if strings.Contains(form, "%s") {
		return fmt.Sprintf(form, f.num(n))
	}
	return form
}

var (
	months   = [...]string{"يناير", "فبراير", "مارس", "أبريل", "مايو", "يونيو", "يوليو", "أغسطس", "سبتمبر", "أكتوبر", "نوفمبر", "ديسمبر"}
	weekdays = [...]string{"الأحد", "الاثنين", "الثلاثاء", "الأربعاء", "الخميس", "الجمعة", "السبت"}
)

// zoneNames are the Arabic names of common readers' zones; others show
// their UTC offset.
var zoneNames = map[string]string{
	"Asia/Riyadh": "الرياض", "Africa/Cairo": "القاهرة", "Asia/Dubai": "دبي", "Asia/Qatar": "الدوحة",
	"Asia/Kuwait": "الكويت", "Asia/Baghdad": "بغداد", "Asia/Amman": "عمّان", "Asia/Beirut": "بيروت",
	"Asia/Damascus": "دمشق", "Africa/Casablanca": "الدار البيضاء", "Africa/Tunis": "تونس",
	"Africa/Algiers": "الجزائر", "Asia/Muscat": "مسقط", "Asia/Bahrain": "المنامة", "UTC": "غرينتش",
}

// zoneLabel names the reader's zone: "بتوقيت الرياض" or "UTC+3".
func (f format) zoneLabel(t time.Time) string {
	if n, ok := zoneNames[f.zone.String()]; ok {
		return "بتوقيت " + n
	}
	_, off := t.In(f.zone).Zone()
	s := "UTC"
	if off != 0 {
		h, m := off/3600, (off%3600)/60
		s += fmt.Sprintf("%+d", h)
		if m != 0 {
			s += fmt.Sprintf(":%02d", abs(m))
		}
	}
	return f.digitsOf(s)
}

func abs(n int) int {
	if n < 0 {
		return -n
	}
	return n
}

// day writes a date: "الثلاثاء ١١ سبتمبر ٢٠٢٤".
func (f format) day(t time.Time) string {
	t = t.In(f.zone)
	return fmt.Sprintf("%s %s %s %s", weekdays[t.Weekday()], f.num(t.Day()), months[t.Month()-1], f.num(t.Year()))
}

// full writes a date and time in the reader's zone:
// "الثلاثاء ١١ سبتمبر ٢٠٢٤، ١٢:٠٠ بتوقيت الرياض".
func (f format) full(t time.Time) string {
	if t.IsZero() {
		return "—"
	}
	lt := t.In(f.zone)
	return fmt.Sprintf("%s، %s %s", f.day(t), f.digitsOf(lt.Format("15:04")), f.zoneLabel(t))
}

// short writes a date without weekday: "١١ سبتمبر ٢٠٢٤".
func (f format) short(t time.Time) string {
	t = t.In(f.zone)
	return fmt.Sprintf("%s %s %s", f.num(t.Day()), months[t.Month()-1], f.num(t.Year()))
}

// clock writes the time of day in the reader's zone: "١٢:٠٠".
func (f format) clock(t time.Time) string { return f.digitsOf(t.In(f.zone).Format("15:04")) }

// relative writes how long ago t was ("منذ ٣ ساعات") within a week, and the
// date beyond (an archive's old article is dated, not "منذ ٩ سنوات").
func (f format) relative(t time.Time) string {
	if t.IsZero() {
		return "لم يحدث بعد"
	}
	d := f.now().Sub(t)
	switch {
	case d < -time.Minute:
		return f.short(t) // ahead of the clock: say the date, not "in 3 hours"
	case d < time.Minute:
		return "منذ لحظات"
	case d < time.Hour:
		return "منذ " + f.count(int(d/time.Minute), "minute")
	case d < 24*time.Hour:
		return "منذ " + f.count(int(d/time.Hour), "hour")
	case d < 7*24*time.Hour:
		return "منذ " + f.count(int(d/(24*time.Hour)), "day")
	}
	return f.short(t)
}
