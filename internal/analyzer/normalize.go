package analyzer

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// Rune classes used by the char filters and the tokenizer. A rune's class
// says whether it belongs to a word, a number, is dropped without breaking
// a word (harakat, tatweel, joiners, bidi controls), or separates tokens.
const (
	clsBreak  = iota // punctuation, space, symbols: ends a token
	clsDrop          // removed from the analysis copy, does not end a word
	clsArabic        // Arabic-script letter (after folding)
	clsLatin         // any other letter (lowercased)
	clsDigit         // a digit of any supported script (value in fold)
	clsMark          // a non-Arabic combining mark: kept, asks for NFC
)

// arabicFold maps U+0600..U+06FF to the folded rune and its class. Built at
// init and never written again.
var arabicFold = buildArabicFold()

type foldEntry struct {
	r   rune
	cls uint8
}

// presentation holds the NFKC decomposition (already folded) of Arabic
// presentation forms (U+FB50..U+FDFF, U+FE70..U+FEFF), which some sites still
// emit; NFC alone would leave them apart from the ordinary letters.
var presentation = buildPresentation()

func buildArabicFold() *[256]foldEntry {
	var arabicFold [256]foldEntry
	for i := range arabicFold {
		r := rune(0x0600 + i)
		e := &arabicFold[i]
		switch {
		case r >= 0x0660 && r <= 0x0669: // Arabic-Indic digits
			e.r, e.cls = '0'+r-0x0660, clsDigit
		case r >= 0x06F0 && r <= 0x06F9: // Persian digits
			e.r, e.cls = '0'+r-0x06F0, clsDigit
		case r >= 0x064B && r <= 0x065F, r == 0x0670, r >= 0x06D6 && r <= 0x06ED,
			r >= 0x0610 && r <= 0x061A, r == 0x0640, r == 0x061C, r == 0x0674:
			// harakat (incl. combining hamza and madda, which NFC would
			// otherwise fuse into letters we fold away anyway), superscript
			// alef, Quranic marks, tatweel, ALM, high hamza.
			e.cls = clsDrop
		case r == 0x0623, r == 0x0625, r == 0x0622, r == 0x0671, r == 0x0672, r == 0x0673, r == 0x0675:
			e.r, e.cls = 'ا', clsArabic
		case r == 0x0649, r == 0x06CC, r == 0x0626, r == 0x06D0, r == 0x06D2:
			// ى, Persian yeh, yeh with hamza (the gold writes بئس → بيس).
			e.r, e.cls = 'ي', clsArabic
		case r == 0x0624, r == 0x0676:
			e.r, e.cls = 'و', clsArabic
		case r == 0x0629, r == 0x06C0, r == 0x06C1, r == 0x06C3, r == 0x06D5:
			e.r, e.cls = 'ه', clsArabic
		case r == 0x06A9, r == 0x06AA:
			e.r, e.cls = 'ك', clsArabic
		case unicode.IsLetter(r):
			e.r, e.cls = r, clsArabic
		default: // ، ؛ ؟ ٪ ٫ ٬ ۔ and the rest
			e.r, e.cls = r, clsBreak
		}
	}
	return &arabicFold
}

func buildPresentation() map[rune]string {
	presentation := make(map[rune]string)
	for r := rune(0xFB50); r <= 0xFEFC; r++ {
		if r > 0xFDFF && r < 0xFE70 {
			continue
		}
		d := norm.NFKC.String(string(r))
		if d == string(r) {
			continue
		}
		var b strings.Builder
		for _, c := range d {
			// Only the Arabic block: calling foldRune here would make an
			// initialization cycle through this very table.
			if c >= 0x0600 && c <= 0x06FF && arabicFold[c-0x0600].cls == clsArabic {
				b.WriteRune(arabicFold[c-0x0600].r)
			}
		}
		if b.Len() > 0 {
			presentation[r] = b.String()
		}
	}
	return presentation
}

// foldRune returns the folded form of r and its class.
func foldRune(r rune) (rune, uint8) {
	switch {
	case r < 0x80:
		switch {
		case r >= 'a' && r <= 'z', r >= '0' && r <= '9':
			if r <= '9' {
				return r, clsDigit
			}
			return r, clsLatin
		case r >= 'A' && r <= 'Z':
			return r + 'a' - 'A', clsLatin
		}
		return r, clsBreak
	case r >= 0x0600 && r <= 0x06FF:
		e := arabicFold[r-0x0600]
		return e.r, e.cls
	}
	switch r {
	case 0x200B, 0x200C, 0x200D, 0x200E, 0x200F, 0x202A, 0x202B, 0x202C, 0x202D, 0x202E,
		0x2066, 0x2067, 0x2068, 0x2069, 0xFEFF, 0x00AD:
		// zero-width space/joiners, bidi controls, BOM, soft hyphen
		return 0, clsDrop
	case utf8.RuneError:
		return r, clsBreak
	}
	if r >= 0xFB50 && r <= 0xFEFC {
		if _, ok := presentation[r]; ok {
			return r, clsArabic
		}
	}
	switch {
	case unicode.IsLetter(r):
		return unicode.ToLower(r), clsLatin
	case unicode.IsDigit(r):
		return r, clsLatin // digits of other scripts: kept as word characters
	case unicode.Is(unicode.Mn, r):
		return r, clsMark
	}
	return r, clsBreak
}

// Normalize returns the analysis copy of s: NFC, Arabic letter folding
// (أ إ آ ٱ → ا, ى ی ئ → ي, ؤ → و, ک → ك, ة → ه, ءا → ا), harakat, Quranic
// marks, tatweel, joiners and bidi controls removed, Arabic-Indic and Persian
// digits as ASCII, Latin lowercased, NBSP and other spaces as a plain space.
// Punctuation is kept. The result is for matching only, never for display.
func (a *Analyzer) Normalize(s string) string {
	s = norm.NFC.String(s)
	b := make([]byte, 0, len(s))
	for _, r := range s {
		f, cls := foldRune(r)
		switch cls {
		case clsDrop:
			continue
		case clsArabic:
			if f >= 0xFB50 {
				for _, c := range presentation[f] {
					b = appendArabic(b, c)
				}
				continue
			}
			b = appendArabic(b, f)
			continue
		case clsBreak:
			if unicode.IsSpace(r) {
				f = ' '
			}
		}
		b = utf8.AppendRune(b, f)
	}
	return string(b)
}

// hamza is ء in UTF-8: before an alef it is the old spelling of madda
// (ءامن = آمن) and is dropped; elsewhere it is kept (سماء, أنباء).
const hamza = "ء"

// appendArabic appends one folded Arabic letter, applying ءا → ا.
func appendArabic(b []byte, r rune) []byte {
	if r == 'ا' && len(b) >= 2 && string(b[len(b)-2:]) == hamza {
		b = b[:len(b)-2]
	}
	return utf8.AppendRune(b, r)
}
