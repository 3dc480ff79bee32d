// Package analyzer is marsad's one Arabic text analyzer: every stage that
// compares text (dedup, clustering, tags, search) goes through it, so that
// وزیر finds وزير, اطلاق finds إطلاق and والمفاوضات finds مفاوضات.
//
// It reads like a Lucene analyzer: char filters (NFC, letter folding,
// stripping of harakat, tatweel and invisible controls, digit folding) →
// tokenizer (Arabic words, Latin words, numbers, with byte offsets into the
// original text) → token filters (stopwords, light stemmer). The original
// text is never changed; analysis works on a copy.
package analyzer

import (
	"strings"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// Version identifies the rules that turn text into terms. Bump it whenever
// the terms produced for some text change: stores record it, and
// `marsad reindex` rebuilds indexes made with another version. 5: outlet
// spellings of one word index as one term (variants.txt: ترمب/ترامب,
// الكيماوي/الكيميائي, which no longer stems to كيم, Kim). 6: a nisba
// adjective and its feminine, plurals and feminine duals give one term
// (الفلسطينيون = الفلسطيني = الفلسطينيين = الفلسطينية). 7: a word that only
// reads as و or ف + a stopword is a term when the corpus writes it after a
// conjunction or preposition (conjword_gen.txt: ولي of ولي العهد, فهم).
const Version = 7

// TokenKind says what a token is made of.
type TokenKind uint8

// Token kinds.
const (
	Arabic TokenKind = iota + 1 // Arabic-script word
	Latin                       // word in any other script, lowercased
	Number                      // digits (any script) as ASCII, with . for a decimal point
)

// String returns the kind's name, for `marsad analyze --steps`.
func (k TokenKind) String() string {
	switch k {
	case Arabic:
		return "arabic"
	case Latin:
		return "latin"
	case Number:
		return "number"
	}
	return "unknown"
}

// Token is one word or number of a text.
type Token struct {
	Start, End int       // s[Start:End] is the original text of the token (for snippets)
	Norm       string    // normalized form
	Term       string    // index term (stemmed); "" for a stopword
	Kind       TokenKind // Arabic, Latin or Number
}

// Analyzer turns text into tokens and index terms. Its rules are fixed after
// New; it is safe for concurrent use (its only state is a cache of terms).
type Analyzer struct {
	cache   *termCache
	stop    map[string]struct{}
	keep    map[string]struct{} // whole words the stemmer leaves alone
	radical map[string]struct{} // stems whose first letter looks like a proclitic but is a root letter
	variant map[string]string   // spellings outlets differ on → one term (variants.txt)
}

// New returns the analyzer. Its tables are built once per process and
// shared, so New is cheap; each analyzer has its own term cache.
func New() *Analyzer {
	return &Analyzer{cache: newTermCache(), stop: stopwords, keep: keepWords, radical: radicalStems, variant: variantTerms}
}

// scanner walks s and yields tokens; buf holds the current token's
// normalized bytes so that scanning allocates nothing itself.
type scanner struct {
	s   string
	pos int
	buf []byte
}

// next finds the next token, leaving its normalized form in sc.buf.
func (sc *scanner) next() (start, end int, kind TokenKind, ok bool) {
	s := sc.s
	// Skip to the first rune that starts a token.
	var cls uint8
	var f rune
	var size int
	for sc.pos < len(s) {
		c := s[sc.pos]
		if c < utf8.RuneSelf {
			_, cls = foldRune(rune(c))
			size = 1
		} else {
			var r rune
			r, size = utf8.DecodeRuneInString(s[sc.pos:])
			_, cls = foldRune(r)
		}
		if cls == clsArabic || cls == clsLatin || cls == clsDigit {
			break
		}
		sc.pos += size
	}
	if sc.pos >= len(s) {
		return 0, 0, 0, false
	}
	start = sc.pos
	sc.buf = sc.buf[:0]
	needNFC := false
	switch cls {
	case clsArabic:
		kind = Arabic
	case clsLatin:
		kind = Latin
	default:
		kind = Number
	}
	end = start
	for sc.pos < len(s) {
		c := s[sc.pos]
		if c < utf8.RuneSelf {
			f, cls = foldRune(rune(c))
			size = 1
		} else {
			var r rune
			r, size = utf8.DecodeRuneInString(s[sc.pos:])
			f, cls = foldRune(r)
		}
		switch cls {
		case clsDrop:
			sc.pos += size
			continue
		case clsMark:
			if kind == Number {
				return start, end, kind, true
			}
			needNFC = true
			sc.buf = utf8.AppendRune(sc.buf, f)
		case clsArabic:
			if kind != Arabic {
				return sc.finish(start, end, kind, needNFC)
			}
			if f >= 0xFB50 {
				for _, c := range presentation[f] {
					sc.buf = appendArabic(sc.buf, c)
				}
			} else {
				sc.buf = appendArabic(sc.buf, f)
			}
		case clsLatin:
			if kind != Latin {
				return sc.finish(start, end, kind, needNFC)
			}
			sc.buf = utf8.AppendRune(sc.buf, f)
		case clsDigit:
			if kind != Number {
				return sc.finish(start, end, kind, needNFC)
			}
			sc.buf = append(sc.buf, byte(f))
		default: // clsBreak
			if kind == Number {
				if n := numberSeparator(s, sc.pos, size, f); n > 0 {
					if f == '.' || f == '٫' {
						sc.buf = append(sc.buf, '.')
					}
					sc.pos += size
					continue
				}
			}
			return sc.finish(start, end, kind, needNFC)
		}
		sc.pos += size
		end = sc.pos
	}
	return sc.finish(start, end, kind, needNFC)
}

// finish ends a token; a token that holds non-Arabic combining marks is
// re-read through NFC so that "é" typed as e + U+0301 matches "é".
func (sc *scanner) finish(start, end int, kind TokenKind, needNFC bool) (int, int, TokenKind, bool) {
	sc.pos = end
	if needNFC {
		sc.buf = sc.buf[:0]
		for _, r := range norm.NFC.String(sc.s[start:end]) {
			if f, cls := foldRune(r); cls != clsDrop && cls != clsBreak {
				sc.buf = utf8.AppendRune(sc.buf, f)
			}
		}
	}
	return start, end, kind, true
}

// numberSeparator reports whether the break rune f at s[pos:pos+size]
// continues a number: a decimal point (. or ٫) or a thousands separator
// (٬, or a comma followed by exactly three digits) between digits.
func numberSeparator(s string, pos, size int, f rune) int {
	if f != '.' && f != '٫' && f != '٬' && f != ',' {
		return 0
	}
	digits := 0
	for i := pos + size; i < len(s); {
		r, n := utf8.DecodeRuneInString(s[i:])
		if _, cls := foldRune(r); cls != clsDigit {
			break
		}
		digits++
		i += n
	}
	if digits == 0 || (f == ',' && digits != 3) {
		return 0
	}
	return size
}

// Tokenize returns every word and number token of s in order, with byte
// offsets into s itself (not into a normalized copy), its normalized form and
// its index term ("" for stopwords).
func (a *Analyzer) Tokenize(s string) []Token {
	toks := make([]Token, 0, len(s)/10+1) // about 10 bytes a word in Arabic news
	sc := scanner{s: s, buf: make([]byte, 0, 64)}
	for {
		start, end, kind, ok := sc.next()
		if !ok {
			return toks
		}
		var e cached
		if kind == Arabic {
			e = a.arabic(sc.buf)
		} else {
			nm := string(sc.buf)
			e = cached{nm, nm}
		}
		toks = append(toks, Token{Start: start, End: end, Norm: e.norm, Term: e.term, Kind: kind})
	}
}

// Terms returns the index terms of s in order: stopwords removed, stemmed.
func (a *Analyzer) Terms(s string) []string {
	return a.AppendTerms(nil, s)
}

// AppendTerms appends the index terms of s to dst and returns it; it lets hot
// paths reuse one slice.
func (a *Analyzer) AppendTerms(dst []string, s string) []string {
	var stack [64]byte
	sc := scanner{s: s, buf: stack[:0]}
	for {
		_, _, kind, ok := sc.next()
		if !ok {
			return dst
		}
		if t := a.termBytes(sc.buf, kind); t != "" {
			dst = append(dst, t)
		}
	}
}

// termBytes is termOf for a scratch buffer: it converts to a string only
// what is kept, so a stopword costs no allocation.
func (a *Analyzer) termBytes(b []byte, kind TokenKind) string {
	if kind != Arabic {
		return string(b)
	}
	if _, ok := a.stop[string(b)]; ok { // no allocation: map lookup by []byte conversion
		return ""
	}
	return a.arabic(b).term
}

// arabic returns the normalized form and the term of the Arabic word b,
// from the cache when it can.
func (a *Analyzer) arabic(b []byte) cached {
	if e, ok := a.cache.get(b); ok {
		return e
	}
	nm := string(b)
	e := cached{nm, a.termOf(nm, Arabic)} // "" for a stopword, also behind و or ف
	a.cache.put(e)
	return e
}

// termOf returns the index term of a normalized token.
func (a *Analyzer) termOf(nm string, kind TokenKind) string {
	if kind != Arabic {
		return nm
	}
	if a.IsStopword(nm) {
		return ""
	}
	return a.Stem(nm)
}

// Term returns the index term of one word ("" for a stopword). When word
// holds more than one token, the term of the first is returned.
func (a *Analyzer) Term(word string) string {
	sc := scanner{s: word, buf: make([]byte, 0, 32)}
	_, _, kind, ok := sc.next()
	if !ok {
		return ""
	}
	return a.termOf(string(sc.buf), kind)
}

// Step is what one stage of the analysis chain produced, for display.
type Step struct {
	Name   string // e.g. "nfc", "fold", "tokenize", "stopwords", "stem"
	Output string
}

// Steps runs the chain on s and reports what each step did: the char filters
// on the whole text, then the tokens, then the token filters.
func (a *Analyzer) Steps(s string) []Step {
	nfc := norm.NFC.String(s)
	steps := []Step{{Name: "nfc", Output: nfc}, {Name: "normalize", Output: a.Normalize(s)}}
	toks := a.Tokenize(s)
	var tk, sw, st []string
	for _, t := range toks {
		tk = append(tk, t.Norm+"/"+t.Kind.String())
		if t.Kind == Arabic && a.IsStopword(t.Norm) {
			continue
		}
		sw = append(sw, t.Norm)
		st = append(st, t.Term)
	}
	steps = append(steps,
		Step{Name: "tokenize", Output: strings.Join(tk, " ")},
		Step{Name: "stopwords", Output: strings.Join(sw, " ")},
		Step{Name: "stem", Output: strings.Join(st, " ")},
	)
	return steps
}
