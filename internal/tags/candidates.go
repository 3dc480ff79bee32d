package tags

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/marsad/marsad/internal/analyzer"
)

// maxWords is the longest candidate phrase (تميم بن حمد آل ثاني).
const maxWords = 5

// word is one word of a candidate run.
type word struct {
	term    string // analyzer term
	norm    string // normalized form, clitics cut when attested
	surface string // display form, clitics cut when attested
	sent    int    // sentence index (the title is sentence 0)
	title   bool
	// cutNorm and cutSurface are the word without its clitic when the
	// document never writes it so (the archive may: Select decides).
	cutNorm, cutSurface string
	// full is the normalized word with its clitic, for a word that carries
	// one (whether or not it is cut): the archive counts how often it is
	// written so (CliticKey), which tells بشدة, an adverb far more often
	// written with its ب than شدة is without, from بغزة.
	full string
	// altNorm and altSurface read a ل + ل word as ل + the article + a word
	// in ل (للاجئين is ل + اللاجئين): the archive decides between the two.
	altNorm, altSurface string
	// joined: the run starts at this word only because of its clitic: the
	// word before it is a candidate word with nothing between them. When
	// the letter is no clitic (رويال لانكستر), the run cut a name.
	joined bool
	// numNext: a number follows it with nothing between (رقم 2254).
	numNext bool
}

// cand is one candidate key of a document with its in-document statistics.
type cand struct {
	key      string
	terms    []string
	n        int            // words
	tf       int            // occurrences
	first    int            // first sentence
	sents    int            // distinct sentences
	title    bool           // occurs in the title
	alone    int            // occurrences that are a whole run
	form     string         // the first display form
	surfaces map[string]int // display form → occurrences, once a second form occurs
	// cuts maps a display form whose first word carries a clitic (kept
	// or cut) to what the archive needs to judge it (see Features.surface).
	cuts  map[string]cut
	heads int // occurrences that start a run
	tails int // occurrences that end a run
	// prev and next are the terms written right before and after it in the
	// run at its first occurrence ("" at a run's edge); the mixed flags
	// say another occurrence had another (or none).
	prev, next           string
	prevMixed, nextMixed bool
	numNext              int // occurrences followed right away by a number (القرار رقم 2254)
	nextConn             int // occurrences followed by a name's connector (صالح بن ناصر)
	joined               int // occurrences whose first word is joined (see word.joined)
	firstAt              int // index of the first occurrence, to break ties
	last                 int // sentence of the latest occurrence
}

// cut is what the archive is asked about a display form whose first word
// carries a clitic: norm is the word without it and surface the form
// without it (when done, the form already is), full the word with it, and
// altNorm, alt the definite reading of a ل + ل word.
type cut struct {
	norm, surface, full, altNorm, alt string
	done                              bool
}

// Prepared is a document cut into candidates, ready to be ranked with any
// parameters and statistics.
type Prepared struct {
	cands []*cand
	byKey map[string]*cand
	sents int
	runs  [][]word
	// verbal holds the terms written right after a particle that only a
	// verb follows (لم لن قد سوف, a relative pronoun): corpus evidence
	// that a word is a verb (يحاول, تشهد), which no tag starts or ends with.
	verbal map[string]bool
	buf    []byte // scratch for keys and forms
	// In-document word statistics, counted here (in the parallel prepare
	// workers) rather than when ranking: a word's count, how often it
	// starts and ends a run, and its count as a candidate of one word.
	occ, starts, ends, wordTF map[string]int
	hashes                    []uint64 // Keys, hashed for Corpus.AddHashed
}

// verbParticle reports the words after which a verb, not a noun, follows.
func verbParticle(norm string) bool {
	switch norm {
	case "لم", "لن", "قد", "سوف", "الذي", "التي", "الذين", "اللذين", "اللتين", "اللواتي", "اللاتي", "وقد", "فقد", "ولم", "ولن",
		"فلم", "فلن", "وسوف", "فسوف", "لقد", "ولقد", "فلقد", "كي", "لكي", "ولكي", "والذي", "والتي", "والذين":
		return true
	}
	return false
}

// functionWord reports whether the normalized word is a stopword with a
// preposition before it or a pronoun after it, or both (لكل, بهذا, بيننا,
// أمامه, لغيرهم), which the analyzer's stemmer reads as a word. بلا
// ("without") is left a word: names are made with it (أطباء بلا حدود).
func functionWord(an *analyzer.Analyzer, norm string) bool {
	bases := []string{norm}
	for _, end := range []string{"هما", "كما", "هم", "هن", "ها", "كم", "كن", "نا", "ه", "ك"} {
		if base, ok := strings.CutSuffix(norm, end); ok && len(base) >= 4 {
			bases = append(bases, base)
			break
		}
	}
	for i, b := range bases {
		if i > 0 && an.IsStopword(b) {
			return true
		}
		if len(b) >= 6 && (strings.HasPrefix(b, "ب") || strings.HasPrefix(b, "ل") || strings.HasPrefix(b, "ك")) &&
			b[len("ب"):] != "لا" && an.IsStopword(b[len("ب"):]) {
			return true
		}
	}
	return false
}

// connector reports words that join the parts of a name and can neither end
// a tag nor start one with بن (تميم بن حمد, آل ثاني, أبو الغيط, عبد الله),
// with the particles of European names written in Arabic (دي ميستورا, دا
// سيلفا, فان دايك, فون دير لاين): «بابلو دي» is a name cut short; and
// بلا, "without", inside a name (أطباء بلا حدود) but no tag on its own.
func connector(norm string) bool {
	switch norm {
	case "بن", "ابن", "بنت", "ال", "ابو", "ابي", "ام", "عبد", "ذو", "ذي", "دي", "دا", "دو", "ديل", "فان", "فون", "بلا":
		return true
	}
	return false
}

// Prepare cuts doc (title and body; publisher tags are merged by Rank)
// into candidate runs and counts each candidate's occurrences.
func (x *Extractor) Prepare(doc Doc) *Prepared {
	return x.PrepareTokens(doc, x.an.Tokenize(doc.Title), x.an.Tokenize(doc.Body))
}

// PrepareTokens is Prepare for a caller that has already tokenized the
// title and the body with the same analyzer (the pipeline analyzes each
// article once for all its stages).
func (x *Extractor) PrepareTokens(doc Doc, title, body []analyzer.Token) *Prepared {
	p := &Prepared{verbal: map[string]bool{}}
	sent := 0
	// Forms written without a clitic: a clitic is cut for display only
	// when what is left is attested (بغزة → غزة), so that a name whose
	// first letter the stemmer takes for a clitic (بنغازي) keeps it.
	attested := map[string]bool{}
	type tok struct {
		analyzer.Token
		text     string
		brk      bool // a run ends before this token
		sentBrk  bool // a sentence ends before this token
		eligible bool
		letters  int
		elided   bool
		title    bool
		joined   bool
	}
	toks := make([]tok, 0, len(title)+len(body))
	for part, s := range []string{doc.Title, doc.Body} {
		prevEnd := 0
		for i, t := range [][]analyzer.Token{title, body}[part] {
			tk := tok{Token: t, text: s[t.Start:t.End], title: part == 0}
			var gapBrk bool
			gap := s[prevEnd:t.Start]
			prevEnd = t.End
			if i == 0 {
				tk.brk, tk.sentBrk = true, true
			} else {
				tk.brk, tk.sentBrk = gapBreaks(gap)
			}
			gapBrk = tk.brk
			tk.eligible = t.Term != "" && t.Kind != analyzer.Number && !x.stop[t.Norm] &&
				utf8.RuneCountInString(t.Norm) >= 2
			// لكل, بهذا: a preposition on a stopword is a stopword (the
			// analyzer leaves a word of three letters whole).
			if tk.eligible && t.Kind == analyzer.Arabic && functionWord(x.an, t.Norm) {
				tk.eligible = false
			}
			if tk.eligible && t.Kind == analyzer.Arabic {
				var future bool
				tk.letters, tk.elided, future = x.an.Proclitics(t.Norm)
				if tk.letters > 0 {
					tk.joined = !gapBrk && len(toks) > 0 && toks[len(toks)-1].eligible
					tk.brk = true
					// وقالت is و + قالت: a frame word with its clitic.
					if x.stop[cutLetters(t.Norm, tk.letters)] {
						tk.eligible = false
					}
				}
				if future {
					// A verb: never part of a tag, and evidence for the
					// corpus that its term is one.
					tk.eligible = false
					p.verbal[t.Term] = true
				}
			}
			if tk.eligible && tk.letters == 0 {
				attested[t.Norm] = true
			}
			if tk.eligible && i > 0 && !tk.brk && verbParticle(toks[len(toks)-1].Norm) {
				p.verbal[t.Term] = true
			}
			toks = append(toks, tk)
		}
	}
	// About three candidates a token: sized once, the map never grows.
	p.byKey = make(map[string]*cand, 3*len(toks))
	p.cands = make([]*cand, 0, 3*len(toks))
	// Every run is a piece of one array of words (one allocation).
	words := make([]word, 0, len(toks))
	runStart := 0
	flush := func() {
		if len(words) > runStart {
			p.runs = append(p.runs, words[runStart:len(words):len(words)])
			runStart = len(words)
		}
	}
	for i, tk := range toks {
		if i > 0 && tk.sentBrk { // the body's first token ends the title's sentence too
			sent++
		}
		if tk.Kind == analyzer.Number && !tk.brk && len(words) > runStart {
			words[len(words)-1].numNext = true
		}
		if tk.brk || !tk.eligible {
			flush()
		}
		if !tk.eligible {
			continue
		}
		w := word{term: tk.Term, norm: tk.Norm, surface: tk.text, sent: sent, title: tk.title}
		if tk.letters > 0 {
			w.full, w.joined = tk.Norm, tk.joined
			cn := cutLetters(tk.Norm, tk.letters)
			if tk.elided {
				cn = "ا" + cn
			}
			cs := cutLetters(tk.text, tk.letters)
			if tk.elided {
				cs = "ا" + cs
			}
			// للاجئين may be ل + لاجئين or ل + اللاجئين (the article's alef
			// and lam are not written before a word in ل).
			if !tk.elided && strings.HasPrefix(tk.Norm, "لل") && strings.HasPrefix(cn, "ل") {
				w.altNorm, w.altSurface = "ال"+cn, cleanSurface("ال"+cs)
			}
			// والرياض is و + الرياض; but للX may be ل + X (لليفربول):
			// an elided alef is restored only when attested.
			switch {
			case w.altNorm != "" && attested[w.altNorm]:
				w.norm, w.surface, w.altNorm, w.altSurface = w.altNorm, w.altSurface, "", ""
			case (!tk.elided && strings.HasPrefix(cn, "ال")) || (w.altNorm == "" && attested[cn]):
				w.norm, w.surface = cn, cs
			default:
				w.cutNorm, w.cutSurface = cn, cleanSurface(cs)
			}
		}
		w.surface = cleanSurface(w.surface)
		words = append(words, w)
	}
	flush()
	p.sents = sent + 1
	at := 0
	for _, r := range p.runs {
		for i := range r {
			for n := 1; n <= maxWords && i+n <= len(r); n++ {
				ws := r[i : i+n]
				at++
				if connector(ws[n-1].norm) || (n > 1 && (ws[0].norm == "بن" || ws[0].norm == "ابن" || ws[0].norm == "بنت")) {
					continue
				}
				if n == 1 && connector(ws[0].norm) {
					continue
				}
				c := p.add(ws, n == len(r), i == 0, i+n == len(r), at)
				prev, next := "", ""
				if i > 0 {
					prev = r[i-1].term
				}
				if i+n < len(r) {
					next = r[i+n].term
					if connector(r[i+n].norm) {
						c.nextConn++
					}
				} else if ws[n-1].numNext {
					c.numNext++
				}
				if c.tf == 1 {
					c.prev, c.next = prev, next
				} else {
					c.prevMixed = c.prevMixed || prev != c.prev
					c.nextMixed = c.nextMixed || next != c.next
				}
			}
		}
	}
	p.occ, p.starts, p.ends = map[string]int{}, map[string]int{}, map[string]int{}
	for _, r := range p.runs {
		p.starts[r[0].term]++
		p.ends[r[len(r)-1].term]++
		for _, w := range r {
			p.occ[w.term]++
		}
	}
	p.wordTF = make(map[string]int, len(p.occ))
	for _, c := range p.cands {
		if c.n == 1 {
			p.wordTF[c.key] = c.tf
		}
	}
	return p
}

// Hashes returns the hashes of Keys, computed once: what Corpus.AddHashed
// counts. The hashing is the costly part of counting, and Prepare runs in
// parallel while counting does not.
func (p *Prepared) Hashes() []uint64 {
	if p.hashes == nil {
		keys := p.Keys()
		p.hashes = make([]uint64, len(keys))
		for i, k := range keys {
			p.hashes[i] = hashKey(k)
		}
	}
	return p.hashes
}

// add counts one occurrence of the phrase ws. Most phrases occur once
// and in one form, so the key and the form are built in a scratch buffer
// and allocated only when new.
func (p *Prepared) add(ws []word, whole, head, tail bool, at int) *cand {
	p.buf = p.buf[:0]
	for i, w := range ws {
		if i > 0 {
			p.buf = append(p.buf, ' ')
		}
		p.buf = append(p.buf, w.term...)
	}
	c := p.byKey[string(p.buf)] // no allocation for the lookup
	if c == nil {
		terms := make([]string, len(ws))
		for i, w := range ws {
			terms[i] = w.term
		}
		c = &cand{key: string(p.buf), terms: terms, n: len(ws), first: ws[0].sent, firstAt: at}
		p.byKey[c.key] = c
		p.cands = append(p.cands, c)
	}
	// Occurrences come in text order, so a new sentence is one that differs
	// from the previous occurrence's.
	if c.tf == 0 || ws[0].sent != c.last {
		c.sents++
	}
	c.tf++
	c.last = ws[0].sent
	if ws[0].title {
		c.title = true
	}
	if whole {
		c.alone++
	}
	if head {
		c.heads++
	}
	if tail {
		c.tails++
	}
	if ws[0].joined {
		c.joined++
	}
	p.buf = p.buf[:0]
	for i, w := range ws {
		if i > 0 {
			p.buf = append(p.buf, ' ')
		}
		p.buf = append(p.buf, w.surface...)
	}
	switch {
	case c.tf == 1:
		c.form = string(p.buf)
	case string(p.buf) != c.form:
		if c.surfaces == nil {
			c.surfaces = map[string]int{c.form: c.tf - 1}
		}
		c.surfaces[string(p.buf)]++
	case c.surfaces != nil:
		c.surfaces[c.form]++
	}
	if w0 := ws[0]; w0.full != "" {
		if c.cuts == nil {
			c.cuts = map[string]cut{}
		}
		form := string(p.buf)
		ct := cut{norm: w0.cutNorm, surface: form, full: w0.full, done: w0.cutNorm == ""}
		if ct.done {
			ct.norm = w0.norm
		}
		rest := form[len(w0.surface):]
		if !ct.done {
			ct.surface = w0.cutSurface + rest
		}
		if w0.altNorm != "" {
			ct.altNorm, ct.alt = w0.altNorm, w0.altSurface+rest
		}
		c.cuts[form] = ct
	}
	return c
}

// Keys returns the distinct keys a Corpus counts for the document: every
// candidate phrase and the edge keys of every run.
func (p *Prepared) Keys() []string {
	out := make([]string, 0, len(p.cands)+3*len(p.runs)+len(p.verbal))
	for _, c := range p.cands { // distinct already
		out = append(out, c.key)
	}
	seen := make(map[string]bool, 3*len(p.runs))
	addKey := func(k string) {
		if !seen[k] {
			seen[k] = true
			out = append(out, k)
		}
	}
	for _, r := range p.runs {
		addKey(StartKey(r[0].term))
		addKey(EndKey(r[len(r)-1].term))
		for _, w := range r {
			// A word written with a clitic attests nothing, cut or not:
			// بالنسبة is no evidence that النسبة is written on its own.
			if w.full == "" {
				addKey(AttestKey(w.norm))
			} else {
				addKey(CliticKey(w.full))
			}
		}
	}
	for t := range p.verbal {
		addKey(VerbKey(t))
	}
	return out
}

// gapBreaks reads the text between two tokens: any punctuation ends a run,
// and . ! ? ؟ … or a line break also end a sentence.
func gapBreaks(gap string) (run, sentence bool) {
	for _, r := range gap {
		switch {
		case r == '\n' || r == '.' || r == '!' || r == '?' || r == '؟' || r == '…':
			return true, true
		case unicode.IsSpace(r) || r == '\u0640' || unicode.Is(unicode.Mn, r) || unicode.Is(unicode.Cf, r):
		default:
			run = true
		}
	}
	return run, false
}

// cutLetters drops the first k letters of s, with the marks that sit on
// them.
func cutLetters(s string, k int) string {
	for i, r := range s {
		if unicode.IsLetter(r) {
			if k == 0 {
				return s[i:]
			}
			k--
		}
	}
	return ""
}

// cleanSurface makes a display form: harakat, tatweel and invisible controls
// removed, Persian yeh and kaf written as Arabic ones (a tag never shows ی
// beside ي).
func cleanSurface(s string) string {
	clean := true
	for _, r := range s {
		if (r >= 0x064B && r <= 0x065F) || r == 0x0670 || r == 0x0640 || r == 'ی' || r == 'ک' || unicode.Is(unicode.Cf, r) {
			clean = false
			break
		}
	}
	if clean { // the common case: nothing to change, nothing to allocate
		return s
	}
	var b strings.Builder
	for _, r := range s {
		switch {
		case r >= 0x064B && r <= 0x065F, r == 0x0670, r == 0x0640:
		case unicode.Is(unicode.Cf, r):
		case r == 'ی':
			b.WriteRune('ي')
		case r == 'ک':
			b.WriteRune('ك')
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}
