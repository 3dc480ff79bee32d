package analyzer

import (
	_ "embed"
	"strings"
	"unicode/utf8"
)

//go:embed keep.txt
var keepTxt string

//go:embed radical.txt
var radicalTxt string

//go:embed radical_gen.txt
var radicalGenTxt string

//go:embed variants.txt
var variantsTxt string

// variantTerms maps each spelling in variants.txt to its line's term.
var variantTerms = loadVariants(variantsTxt)

// loadVariants reads lines of spellings of one word; every spelling maps to
// the first, all normalized.
func loadVariants(txt string) map[string]string {
	out := map[string]string{}
	var a Analyzer
	for _, line := range strings.Split(txt, "\n") {
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		f := strings.Fields(line)
		term := a.Normalize(f[0])
		for _, w := range f {
			out[a.Normalize(w)] = term
		}
	}
	return out
}

// keepWords are whole words no rule touches (الله, names like بلينكن).
var keepWords = loadWordSet(keepTxt)

// radicalStems holds the suffix-stripped form of words whose first letter
// looks like a proclitic but belongs to the root (وزير, فريق, بيان, سياسة,
// التزام). Prefix rules consult it before stripping a letter.
var radicalStems = loadStems(radicalTxt + "\n" + radicalGenTxt)

// loadStems is loadWordSet with each entry also reduced by the suffix rules,
// so that one entry covers its inflected forms.
func loadStems(txt string) map[string]struct{} {
	set := loadWordSet(txt)
	out := make(map[string]struct{}, 2*len(set))
	for w := range set {
		out[w] = struct{}{}
		out[stripSuffixes(w, false)] = struct{}{}
	}
	return out
}

// Arabic letters are two bytes in UTF-8 (U+0600..U+07FF), so affixes are
// matched and cut on bytes; rune counts use utf8.RuneCountInString.
const (
	alef = "ا"
	waw  = "و"
	faa  = "ف"
	baa  = "ب"
	kaf  = "ك"
	lam  = "ل"
	seen = "س"
	al   = "ال"
)

func runes(s string) int { return utf8.RuneCountInString(s) }

// Stem returns the stem of an already-normalized word (see Normalize). It is
// a light stemmer: it removes proclitics (و ف, ب ك ل, the article, future س)
// and suffixes (pronouns, dual and plural endings, ta marbuta, nisba, verb
// subject endings) but never below three letters, and never a first letter
// that a word list says belongs to the root (وزير stays وزير).
func (a *Analyzer) Stem(w string) string {
	if runes(w) < 3 {
		return w
	}
	if _, ok := a.keep[w]; ok {
		return w
	}
	if t, ok := a.variant[w]; ok {
		return t
	}
	// A doubled initial alef is the interrogative hamza before a hamza
	// (أأنت, أأباد): no word starts with two alefs.
	if strings.HasPrefix(w, alef+alef) {
		w = w[len(alef):]
	}
	w, future, done := a.stripPrefixes(w)
	if done || a.isKept(w) {
		return w
	}
	if t, ok := a.variant[w]; ok {
		return t
	}
	return stripSuffixes(w, future)
}

// isRadical reports whether w's first letter belongs to the root according
// to the radical word list.
func (a *Analyzer) isRadical(w string) bool {
	if _, ok := a.radical[w]; ok {
		return true
	}
	_, ok := a.radical[stripSuffixes(w, false)]
	return ok
}

// isKept reports whether w is a whole word to leave alone.
func (a *Analyzer) isKept(w string) bool {
	_, ok := a.keep[w]
	return ok
}

// stripPrefixes removes, in their fixed order, a conjunction (و ف), then
// either the article with an optional preposition (ال بال كال لل) or a
// preposition (ب ك ل) or the future س before an imperfect verb. future
// reports the future prefix (it licenses verb endings); done that w is a
// kept word and must not be reduced further.
func (a *Analyzer) stripPrefixes(w string) (out string, future, done bool) {
	n := runes(w)
	if (strings.HasPrefix(w, waw) || strings.HasPrefix(w, faa)) && n-1 >= 3 && !a.isRadical(w) {
		w, n = w[2:], n-1
		if a.isKept(w) {
			return w, false, true
		}
	}
	switch {
	case strings.HasPrefix(w, al):
		if n-2 >= 2 && !a.isRadical(w) {
			return w[4:], false, false
		}
		return w, false, false
	case strings.HasPrefix(w, lam+lam):
		// ل + ال with the alef dropped (للطالب), unless the word itself
		// starts with a radical lam (للبنان = ل + لبنان).
		if a.isRadical(w[2:]) {
			return w[2:], false, false
		}
		if n-2 >= 2 {
			return w[4:], false, false
		}
		return w, false, false
	case strings.HasPrefix(w, baa+al) || strings.HasPrefix(w, kaf+al):
		if a.isKept(w[2:]) {
			return w[2:], false, true
		}
		// The radical list may name the whole word (بالستي): then ب
		// is no preposition and ال no article.
		if n-3 >= 2 && !a.isRadical(w[2:]) && !a.isRadical(w) {
			return w[6:], false, false
		}
	}
	if (strings.HasPrefix(w, baa) || strings.HasPrefix(w, kaf) || strings.HasPrefix(w, lam)) && n-1 >= 3 && !a.isRadical(w) {
		return w[2:], false, false
	}
	if strings.HasPrefix(w, seen) && n-1 >= 4 && !a.isRadical(w) {
		switch w[2:4] {
		case "ي", "ت", "ن", alef:
			return w[2:], true, false
		}
	}
	return w, false, false
}

// suffix is one ending rule: the ending, the shortest stem it may leave, and
// when it applies.
type suffix struct {
	s    string
	min  int
	when uint8
}

const (
	always     = iota
	afterOther // only once another suffix was removed (ta of ة before a pronoun: وزارته)
	verbShape  // only on a verb-looking word (أفعل/استفعل, or after future س)
)

// suffixes are tried in this order (longer first) on each round.
var suffixes = []suffix{
	{"كما", 3, always}, {"هما", 3, always}, {"تما", 3, always},
	{"يتين", 3, always}, {"يتان", 3, always},
	{"يون", 3, always}, {"يات", 3, always}, {"يين", 3, always}, {"تين", 3, always}, {"تان", 3, always},
	{"تمو", 3, afterOther},
	{"كم", 3, always}, {"كن", 3, always}, {"هم", 3, always}, {"هن", 3, always},
	{"ها", 3, always}, {"نا", 3, always}, {"ني", 3, verbShape}, {"ات", 3, always},
	{"ين", 4, always}, {"ون", 4, always}, {"ان", 4, always},
	{"وا", 3, always}, {"تم", 3, always}, {"تن", 3, always},
	{"ك", 3, always}, {"ه", 3, always}, {"ي", 3, always}, {"ا", 3, always},
	{"ت", 3, afterOther}, {"و", 3, afterOther}, {"ن", 4, verbShape},
}

// suffixesByLast indexes suffixes by their last letter (U+0620..U+065F),
// keeping their order, so a round tests only the few that can match.
var suffixesByLast = func() (idx [64][]suffix) {
	for _, sf := range suffixes {
		r, _ := utf8.DecodeLastRuneInString(sf.s)
		idx[r-0x0620] = append(idx[r-0x0620], sf)
	}
	return idx
}()

// stripSuffixes removes up to five stacked endings (بتأثريتيهما: هما, ي, ت,
// ي), each time keeping at least its rule's minimum of letters.
func stripSuffixes(w string, future bool) string {
	n := runes(w)
	prev := ""
	for round := 0; round < 5; round++ {
		found := false
		last, _ := utf8.DecodeLastRuneInString(w)
		if last < 0x0620 || last >= 0x0660 {
			break
		}
		for _, sf := range suffixesByLast[last-0x0620] {
			if !strings.HasSuffix(w, sf.s) {
				continue
			}
			k := len(sf.s) / 2
			if n-k < sf.min {
				continue
			}
			rest := w[:len(w)-len(sf.s)]
			if !suffixAllowed(sf, rest, n-k, prev, future) {
				continue
			}
			w, n, prev, found = rest, n-k, sf.s, true
			if nisbaPlural(sf.s) {
				// The plural or dual of a nisba adjective: what is left is
				// what the singular leaves once its ي is removed, so the
				// rounds go on as they do for the singular (الفلسطينيون,
				// الفلسطينيين, الفلسطينية and الفلسطيني give one term; so
				// do النمساويون and النمساوي).
				prev = "ي"
			}
			break
		}
		if _, ok := keepWords[w]; ok {
			break // a kept word inside an inflected one (الباكستانية)
		}
		if !found || closing(prev) {
			break
		}
	}
	return w
}

// nisbaPlural reports the plural and dual endings of a nisba adjective
// (-يون, -يين, -يات, -يتان, -يتين): the ي is the nisba's, the rest the
// plural's.
func nisbaPlural(sf string) bool {
	switch sf {
	case "يون", "يين", "يات", "يتان", "يتين":
		return true
	}
	return false
}

// closing reports endings after which no further ending is removed: the
// dual and plural endings sit right on the stem (ملايين is ملاي+ين, and its
// ي is no nisba).
func closing(sf string) bool {
	switch sf {
	case "ين", "ون", "ان", "ات", "تين", "تان":
		return true
	}
	return false
}

// pronoun reports the attached pronouns; they are the outermost ending, so
// they are removed only first (المملكة keeps its ك after ة is removed).
func pronoun(sf string) bool {
	switch sf {
	case "كما", "هما", "كم", "كن", "هم", "هن", "ها", "ك", "ه":
		return true
	}
	return false
}

// verbStem reports the perfect-verb shapes أفعل and استفعل, after which a
// bare ت or ن is a subject ending (أسقطت, استنتجن), not a root letter
// (انترنت, الكويت).
func verbStem(rest string, n int) bool {
	if strings.HasSuffix(rest, alef) || strings.HasSuffix(rest, "و") || strings.HasSuffix(rest, "ي") {
		return false // a weak final letter: a noun like ايرا(ن) more likely
	}
	return strings.HasPrefix(rest, alef) && !strings.HasPrefix(rest, al) &&
		(n == 4 || (n == 6 && strings.HasPrefix(rest, alef+seen+"ت")))
}

// suffixAllowed applies the conditions that keep root letters from being
// taken for endings; prev is the ending removed just before ("" if none).
func suffixAllowed(sf suffix, rest string, n int, prev string, future bool) bool {
	if prev != "" && pronoun(sf.s) {
		return false
	}
	switch sf.s {
	case "ي", "يون", "يين", "يات", "يتان", "يتين":
		// ي after alef is a root letter (ولاية, نهاية, رعاية; ملايين is
		// ملاي+ين), not a nisba.
		if strings.HasSuffix(rest, alef) {
			return false
		}
	case "ني":
		// The object pronoun "me" sits on verbs: after a subject ending
		// (أسقطوني, أسقطتني, أسقطاني) or on a bare أفعل; otherwise ي is a
		// nisba after a root ن (الأردني, الإيراني).
		if prev != "" {
			return false
		}
		l := rest[len(rest)-2:]
		if (l == "و" || l == "ت" || l == "ا" || l == "ن") && verbStem(rest[:len(rest)-2], n-1) {
			return true
		}
		if (l == "و" || l == "ت" || l == "ن") && n >= 5 && strings.HasPrefix(rest, alef) && !strings.HasPrefix(rest, al) {
			return true // أسخطتموني, أسخطتنني
		}
	case "ك":
		// "your" is rare in news, while ك ends many stems: broken plurals
		// فعول (بنوك, ملوك, شكوك), تحرك, شريك, تبوك, and words in رك
		// (معارك, يشارك, مشترك, نيويورك). So a bare ك goes only when four
		// letters remain and it does not follow ر (كتابك → كتاب).
		if n < 4 || strings.HasSuffix(rest, "ر") {
			return false
		}
	case "ين", "ون", "ان":
		// Dual and plural endings come right after the stem, so after
		// another ending they are stem letters (بريطانيا → بريطاني →
		// بريطان, not بريط).
		if prev != "" {
			return false
		}
	case "ات":
		if prev != "" && !pronoun(prev) {
			return false
		}
	case "ن":
		// ان is a dual or a root (ايران, المان), never a verb ending here.
		if strings.HasSuffix(rest, alef) {
			return false
		}
	case "ت":
		// After a nisba ي only in the long -يتي forms (اسلاميتي), so
		// كويتي keeps the ت of الكويت.
		if prev == "ي" && n < 4 {
			return false
		}
	}
	switch sf.when {
	case afterOther:
		return prev != "" || (sf.s == "ت" && verbStem(rest, n))
	case verbShape:
		return future || verbStem(rest, n)
	}
	return true
}

// Proclitics reports how many leading letters of the normalized word nm are
// a conjunction or preposition the stemmer removes (و, ف, ب, ك, ل; never the
// article, never a root letter the word lists vouch for), whether an
// article's alef was elided after ل (للرياض is ل + الرياض), and whether
// the word carries the future س (وستعلن: a verb). Tags use it to show
// والرياض as الرياض and to leave verbs out.
func (a *Analyzer) Proclitics(nm string) (letters int, elided, future bool) {
	if runes(nm) < 3 || a.isKept(nm) {
		return 0, false, false
	}
	if _, ok := a.variant[nm]; ok {
		return 0, false, false
	}
	out, future, _ := a.stripPrefixes(nm)
	removed := nm[:len(nm)-len(out)]
	switch {
	case future:
		return runes(removed) - 1, false, true
	case strings.HasSuffix(removed, al):
		return runes(removed) - 2, false, false
	case strings.HasSuffix(removed, lam+lam):
		return runes(removed) - 1, true, false
	}
	return runes(removed), false, false
}
