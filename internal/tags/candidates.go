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
	// cuts maps a display form whose first word kept a clitic to the form
	// without it, for the archive to vouch for (see AttestKey).
	cuts    map[string]cut
	firstAt int // index of the first occurrence, to break ties
	last    int // sentence of the latest occurrence
}

// cut is a display form with its first word's clitic cut.
type cut struct{ norm, surface string }

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

// connector reports words that join the parts of a name and can neither end
// a tag nor start one with بن (تميم بن حمد, آل ثاني, أبو الغيط, عبد الله).
func connector(norm string) bool {
	switch norm {
	case "بن", "ابن", "بنت", "ال", "ابو", "ابي", "ام", "عبد", "ذو", "ذي":
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
	}
	toks := make([]tok, 0, len(title)+len(body))
	for part, s := range []string{doc.Title, doc.Body} {
		prevEnd := 0
		for i, t := range [][]analyzer.Token{title, body}[part] {
			tk := tok{Token: t, text: s[t.Start:t.End], title: part == 0}
			gap := s[prevEnd:t.Start]
			prevEnd = t.End
			if i == 0 {
				tk.brk, tk.sentBrk = true, true
			} else {
				tk.brk, tk.sentBrk = gapBreaks(gap)
			}
			tk.eligible = t.Term != "" && t.Kind != analyzer.Number && !x.stop[t.Norm] &&
				utf8.RuneCountInString(t.Norm) >= 2
			if tk.eligible && t.Kind == analyzer.Arabic {
				var future bool
				tk.letters, tk.elided, future = x.an.Proclitics(t.Norm)
				if tk.letters > 0 {
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
		if tk.brk || !tk.eligible {
			flush()
		}
		if !tk.eligible {
			continue
		}
		w := word{term: tk.Term, norm: tk.Norm, surface: tk.text, sent: sent, title: tk.title}
		if tk.letters > 0 {
			cn := cutLetters(tk.Norm, tk.letters)
			if tk.elided {
				cn = "ا" + cn
			}
			cs := cutLetters(tk.text, tk.letters)
			if tk.elided {
				cs = "ا" + cs
			}
			// والرياض is و + الرياض; but للX may be ل + X (لليفربول):
			// an elided alef is restored only when attested.
			if (!tk.elided && strings.HasPrefix(cn, "ال")) || attested[cn] {
				w.norm, w.surface = cn, cs
			} else {
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
				p.add(ws, n == len(r), at)
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
func (p *Prepared) add(ws []word, whole bool, at int) {
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
	if ws[0].cutNorm != "" {
		if c.cuts == nil {
			c.cuts = map[string]cut{}
		}
		full := string(p.buf)
		surf := make([]string, len(ws))
		for i, w := range ws {
			surf[i] = w.surface
		}
		surf[0] = ws[0].cutSurface
		c.cuts[full] = cut{norm: ws[0].cutNorm, surface: strings.Join(surf, " ")}
	}
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
			if w.cutNorm == "" {
				addKey(AttestKey(w.norm))
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
