package tags

import (
	"math"
	"sort"
	"strings"
	"unicode/utf8"
)

// scored is a candidate with its score.
type scored struct {
	c     *cand
	i     int // index in Features.feats
	score float64
}

// Features holds a document's candidates with the statistics their score
// is made of, so that the score can be computed for many parameter sets.
type Features struct {
	p     *Prepared
	st    Stats
	cands []*cand // the candidates scored (see maxScored)
	feats []feat
}

// maxScored is how many of a document's candidates, ranked by the
// document's own evidence, are scored with the archive's statistics. A
// long article has a thousand candidates and each costs a few sketch
// lookups on the pipeline's serial path; the tags come from its head.
const maxScored = 64

// feat is what the score of one candidate is computed from.
type feat struct {
	tf, first, spread float64
	idf, coh, edge    float64
	title             bool
	n                 int
}

// Select scores f's candidates with params pr and returns the tags: the
// publisher's first, then the best candidates that neither repeat nor
// contain a tag already taken, up to pr.Max.
func (x *Extractor) Select(f *Features, publisher []string, pr Params) []Tag {
	p := f.p
	ranked := f.score(pr)
	var out []Tag
	taken := map[string]bool{}
	// A verb anywhere makes a clause, not a name ("الأرض يسمى الجانب
	// البعيد"). Words are judged only for the candidates considered, and
	// once each: candidates share them.
	verbs := map[string]bool{}
	hasVerb := func(terms []string) bool {
		for _, t := range terms {
			v, seen := verbs[t]
			if !seen {
				v = f.verbal(t)
				verbs[t] = v
			}
			if v {
				return true
			}
		}
		return false
	}
	judged := map[string]bool{}
	wordsOK := func(surface string) bool {
		for _, w := range strings.Fields(surface) {
			ok, seen := judged[w]
			if !seen {
				ok = x.tagWord(f, w)
				judged[w] = ok
			}
			if !ok {
				return false
			}
		}
		return true
	}
	var takenTerms [][]string
	// Publisher tags first, in their order, one per key; a publisher tag
	// the text also finds takes the text's most common form only if the
	// publisher wrote none.
	for _, pt := range publisher {
		if len(out) >= pr.Max {
			break
		}
		terms := x.an.Terms(pt)
		if len(terms) == 0 {
			continue
		}
		key := strings.Join(terms, " ")
		if taken[key] {
			continue
		}
		surface := strings.Join(strings.Fields(cleanSurface(pt)), " ")
		if surface == "" {
			continue
		}
		score := 0.0
		if c := p.byKey[key]; c != nil {
			for _, s := range ranked {
				if s.c == c {
					score = s.score
				}
			}
		}
		taken[key] = true
		takenTerms = append(takenTerms, terms)
		out = append(out, Tag{Key: key, Surface: surface, Score: score, Publisher: true})
	}
	// admissible runs the checks every tag passes (see the loop below) and
	// returns the candidate's display form.
	admissible := func(c *cand) (string, bool) {
		// A single word this article never writes on its own (always
		// inside a longer run: "القبيحة" of "الحقيقة القبيحة") is no tag
		// of its own here.
		if taken[c.key] || !f.followable(c) || (c.n == 1 && c.alone == 0) ||
			hasVerb(c.terms) || !f.cohesive(c) || f.fragment(c) || f.redundant(c, takenTerms) {
			return "", false
		}
		surface, ok := f.surface(c)
		if !ok || !wordsOK(surface) {
			return "", false
		}
		// المرة الأولى, العام الماضي: the term is looked up first, the
		// word normalized only when it may be one.
		if c.n == 2 && x.ordinalTerm[c.terms[1]] && x.ordinal[x.an.Normalize(surface[strings.LastIndexByte(surface, ' ')+1:])] {
			return "", false
		}
		return surface, true
	}
	top := 0.0
	if len(ranked) > 0 {
		top = ranked[0].score
	}
	rel := func(s scored) float64 {
		if top <= 0 {
			return 1
		}
		return s.score / top
	}
	// spare holds the single words held back by the single-word bar
	// (see single), best first: a list shorter than pr.Min takes the best
	// of them rather than stay short. A passing mention is held back
	// before any check, and judged in full only if a list needs it.
	var spare []scored
	for _, s := range ranked {
		if len(out) >= pr.Max {
			break
		}
		if s.c.n == 1 && x.passing(f, s.c, rel(s)) {
			spare = append(spare, s)
			continue
		}
		surface, ok := admissible(s.c)
		if !ok {
			continue
		}
		if s.c.n == 1 {
			if ok, never := x.single(f, s.c, surface, rel(s)); !ok {
				if !never {
					spare = append(spare, s)
				}
				continue
			}
		}
		taken[s.c.key] = true
		takenTerms = append(takenTerms, s.c.terms)
		out = append(out, Tag{Key: s.c.key, Surface: surface, Score: s.score})
	}
	filled := false
	for _, s := range spare {
		if len(out) >= pr.Min {
			break
		}
		surface, ok := admissible(s.c)
		if !ok {
			continue
		}
		if _, never := x.single(f, s.c, surface, rel(s)); never {
			continue
		}
		taken[s.c.key] = true
		takenTerms = append(takenTerms, s.c.terms)
		out = append(out, Tag{Key: s.c.key, Surface: surface, Score: s.score})
		filled = true
	}
	if filled {
		// The publisher's tags first, in their order; then best first.
		sort.SliceStable(out, func(i, j int) bool {
			if out[i].Publisher || out[j].Publisher {
				return out[i].Publisher && !out[j].Publisher
			}
			return out[i].Score > out[j].Score
		})
	}
	return out
}

// pronounEndings are the attached pronouns (his, her, their, your) longest
// first; the first person ي is left out, being also the nisba ending.
var pronounEndings = []string{"هما", "كما", "هم", "هن", "ها", "كم", "كن", "ه", "ك"}

// tagWord reports whether a word of a display form may be in a tag: it
// carries no attached pronoun, is no verb and no indefinite accusative by the
// archive's evidence. Without an archive of followArchive documents every
// word may (a small archive's counts are no evidence), except that verbs are
// judged on any archive.
func (x *Extractor) tagWord(f *Features, w string) bool {
	// A word with the article or of three letters or less is none of
	// these: the common case costs no normalization.
	if f.st == nil || strings.HasPrefix(w, "ال") {
		return true
	}
	if utf8.RuneCountInString(w) < 4 {
		return f.st.Docs() < followArchive || !x.pastVerb(f, x.an.Normalize(w))
	}
	nm := x.an.Normalize(w)
	if f.st.Docs() >= followArchive && x.pastVerb(f, nm) {
		return false
	}
	if x.verbForm(f, nm) {
		return false
	}
	// يهملها: a verb with its object pronoun.
	for _, end := range pronounEndings {
		if base, ok := strings.CutSuffix(nm, end); ok && utf8.RuneCountInString(base) >= 4 && x.verbForm(f, base) {
			return false
		}
	}
	if f.st.Docs() < followArchive {
		return true
	}
	return !x.possessed(f, w, nm) && !x.accusative(f, nm)
}

// possessed reports whether a display word w (normalized nm) carries an
// attached pronoun — تغريداته, غدرهم, زوجته, لإرضائها: "his tweets" is no topic a
// reader follows, and the same word without it is. A word is taken to
// carry one when the analyzer reads its ending as a pronoun (its term is
// that of the word without it) and the archive writes the word without it
// on its own, at least a quarter as often as with it (شبه, whose ه is a root
// letter, is written far more often than شب).
func (x *Extractor) possessed(f *Features, w, nm string) bool {
	for _, end := range pronounEndings {
		base, ok := strings.CutSuffix(w, end)
		if !ok || utf8.RuneCountInString(base) < 2 { // حقه: حق + ه
			continue
		}
		term := x.an.Term(w)
		if term == "" {
			return false
		}
		n := f.st.DF(AttestKey(nm))
		for _, b := range baseForms(base) {
			nb := x.an.Normalize(b)
			if connector(nb) || x.an.Term(b) != term {
				continue
			}
			// وبتفتيشهما: the archive writes تفتيش, not وبتفتيش.
			if k, elided, _ := x.an.Proclitics(nb); k > 0 && !elided {
				nb = cutLetters(nb, k)
			}
			if d := f.st.DF(AttestKey(nb)); d >= 2 && 4*d >= n {
				return true
			}
		}
		return false
	}
	return false
}

// verbForm reports whether a normalized word is a verb by the
// archive's evidence on its conjugations, which a noun does not have: a
// past tense with the feminine ت (نشبت, أصابت) whose masculine (نشب,
// أصاب) the archive writes, and an imperfect (تحيي, يسمى) written with
// three of the four person prefixes, its own among them (يحيي, تحيي,
// نحيي, أحيي: إيران and نيران are two, تيران is not written). A word the
// archive writes with the article is a noun whatever its shape (الوقت:
// وقت is no past of وق), and a stem ending in a weak letter (بيروت, بيرو)
// is left alone. The particles of Features.verbal catch what follows لم, قد, الذي;
// this catches the verbs that open a clause, the commonest in news.
func (x *Extractor) verbForm(f *Features, nm string) bool {
	least := 1 // a small archive attests little: once is evidence
	if f.st.Docs() >= followArchive {
		least = 2
	}
	attested := func(nm string) bool { return f.st.DF(AttestKey(nm)) >= least }
	definite := func(nm string) bool { return f.st.DF(AttestKey("ال"+nm)) > 0 }
	if utf8.RuneCountInString(nm) < 4 || strings.HasPrefix(nm, "ال") || definite(nm) {
		return false
	}
	if base, ok := strings.CutSuffix(nm, "ت"); ok {
		last, _ := utf8.DecodeLastRuneInString(base)
		if last != 'ا' && last != 'و' && last != 'ي' && attested(base) && !definite(base) {
			return true
		}
	}
	first, size := utf8.DecodeRuneInString(nm)
	if first != 'ي' && first != 'ت' && first != 'ن' && first != 'ا' {
		return false
	}
	rest, forms := nm[size:], 0
	if definite(rest) {
		return false
	}
	for _, p := range []string{"ي", "ت", "ن", "ا"} {
		if form := p + rest; form == nm || attested(form) {
			forms++
		}
	}
	return forms >= 3
}

// pastVerb reports whether a normalized word is a past tense by the
// archive's evidence: it writes the word with the feminine ت too (ودع →
// ودعت, تم → تمت, صار → صارت) in two documents or more and at least a
// tenth as often (مارك → ماركت, a market, is rare beside the name), and
// never with the article (عمر → عمرت is a verb too, but العمر makes عمر a
// noun).
func (x *Extractor) pastVerb(f *Features, nm string) bool {
	if utf8.RuneCountInString(nm) < 2 || strings.HasSuffix(nm, "ت") || strings.HasSuffix(nm, "ه") {
		return false
	}
	fem := f.st.DF(AttestKey(nm + "ت"))
	return fem >= 2 && 10*fem >= f.st.DF(AttestKey(nm)) && f.st.DF(AttestKey("ال"+nm)) == 0
}

// accusative reports whether a normalized word is a noun in the
// indefinite accusative, its tanween written as a final alef (هدفا, حفلا,
// مسلحا, تماما): an object or an adverb, never part of a name, and the tag
// is the word in its own form. The archive vouches for it: it writes the
// word without the alef, bare and with the article (هدف, الهدف), and never
// the word itself with the article. A stem ending in ي is left alone
// (روسيا is no accusative of روسي).
func (x *Extractor) accusative(f *Features, nm string) bool {
	base, ok := strings.CutSuffix(nm, "ا")
	if !ok || utf8.RuneCountInString(base) < 3 || strings.HasSuffix(base, "ي") || strings.HasPrefix(nm, "ال") {
		return false
	}
	return f.st.DF(AttestKey(base)) >= 2 && f.st.DF(AttestKey("ال"+base)) >= 2 && f.st.DF(AttestKey("ال"+nm)) == 0
}

// baseForms returns the spellings a word has without its pronoun: a ta
// before the pronoun is a ta marbuta on its own (زوجته → زوجة), a hamza on a
// seat sits on the line (إرضائها → إرضاء).
func baseForms(base string) []string {
	out := []string{base}
	switch {
	case strings.HasSuffix(base, "ت"):
		out = append(out, strings.TrimSuffix(base, "ت")+"ة")
	case strings.HasSuffix(base, "ئ"), strings.HasSuffix(base, "ؤ"):
		_, size := utf8.DecodeLastRuneInString(base)
		out = append(out, base[:len(base)-size]+"ء")
	}
	return out
}

// redundant reports whether c repeats a tag already taken. A part of a
// taken phrase is a fragment ("وزير" after "وزير الخارجية") unless it
// also occurs on its own at least as often as the phrase; a phrase that
// holds a taken tag is a longer name for it ("أنتوني بلينكن" after
// "بلينكن") when its other words occur mostly in it, and a topic of its own
// ("الطاقة الشمسية" after "الشمس") when they do not.
func (f *Features) redundant(c *cand, taken [][]string) bool {
	for _, t := range taken {
		if contains(t, c.terms) {
			if tc := f.p.byKey[strings.Join(t, " ")]; tc == nil || c.tf < 2*tc.tf {
				return true
			}
		}
		if contains(c.terms, t) {
			if f.dependent(c, t) {
				return true
			}
		}
	}
	return false
}

// dependent reports whether the words c adds to the taken phrase t occur
// mostly inside c: in this document, and in the archive when there is one.
func (f *Features) dependent(c *cand, t []string) bool {
	in := map[string]bool{}
	for _, w := range t {
		in[w] = true
	}
	for _, w := range c.terms {
		if in[w] {
			continue
		}
		wc := f.p.byKey[w]
		if wc == nil {
			continue
		}
		share := float64(c.tf) / float64(wc.tf)
		if f.st != nil {
			if dw := f.st.DF(w); dw > 1 {
				share = (share + float64(f.st.DF(c.key)-1)/float64(dw-1)) / 2
			}
		}
		if share < 0.5 {
			return false
		}
	}
	return true
}

// contains reports whether sub occurs in seq as a contiguous phrase.
func contains(seq, sub []string) bool {
	for i := 0; i+len(sub) <= len(seq); i++ {
		ok := true
		for j := range sub {
			if seq[i+j] != sub[j] {
				ok = false
				break
			}
		}
		if ok {
			return true
		}
	}
	return false
}

// frozenClitic is how many times more often than the word without it a
// word must be written with its clitic for the clitic to be part of a
// fixed expression (بشدة "strongly", بشكل, بسبب: an adverb or a compound
// preposition, which no tag starts with). Set a priori, not fitted: a
// place or a body takes its preposition now and then (بغزة: 130 documents
// with it, 197 without), an adverb almost always.
const frozenClitic = 3

// surface is the candidate's display form: its most written one, with a
// clitic the document kept on its first word cut when the archive writes
// the word without it, bare or with the article (وحشيش → حشيش: the archive
// writes الحشيش). ok is false when the first word's clitic makes the
// candidate no tag, by the archive's evidence (followArchive documents or
// more): a word far more often written with its clitic than without
// (بشدة الهجمات: the adverb بشدة), or a word whose first letter is no clitic
// at all (the archive never writes it without) that the document only
// writes right after another candidate word (رويال لانكستر: the run cut a
// name). ل + ل is read as ل + the article when the archive writes the
// definite word more often (للاجئين → اللاجئين, not لاجئين).
func (f *Features) surface(c *cand) (string, bool) {
	s := c.surface()
	ct, ok := c.cuts[s]
	if !ok || f.st == nil {
		return s, true
	}
	bare := f.st.DF(AttestKey(ct.norm)) + f.st.DF(AttestKey("ال"+ct.norm))
	if f.st.Docs() < followArchive {
		if !ct.done && bare >= 2 {
			return ct.surface, true
		}
		return s, true
	}
	if ct.altNorm != "" {
		if alt := f.st.DF(AttestKey(ct.altNorm)); alt >= 2 && alt > f.st.DF(AttestKey(ct.norm)) {
			return ct.alt, true
		}
	}
	full := f.st.DF(CliticKey(ct.full))
	switch {
	// والنهي of الأمر بالمعروف والنهي عن المنكر: the article is certain,
	// so a rare bare form is no sign of a radical letter.
	case (bare >= 2 || (ct.done && full >= 2)) && full > frozenClitic*bare:
		return "", false
	case ct.done:
		return s, true
	case bare >= 2:
		return ct.surface, true
	case c.joined == c.tf:
		return "", false
	}
	return s, true
}

// minCohesion is the least share of the documents holding the rarer part of
// a phrase (split anywhere) that must hold the phrase itself, in an
// archive of followArchive documents or more. A topic's words go together
// (الضفة الغربية 0.9, مجلس الأمن 0.3); a description put together for one
// sentence does not (حالة سيئة, طائرة جديدة: under 0.01 on
// ant_multisource; صورة دائمة, سيارة تابعة: under 0.02). Chosen on the
// first sample of TestRealArticles and confirmed on the second
// (docs/TAGS.md).
const minCohesion = 0.02

// cohesive reports whether a phrase's parts go together in the archive:
// for every split into two parts, the documents that hold the phrase (this
// one left out) are at least minCohesion of those that hold the rarer part.
func (f *Features) cohesive(c *cand) bool {
	if c.n == 1 || f.st == nil || f.st.Docs() < followArchive {
		return true
	}
	df := float64(f.st.DF(c.key) - 1)
	for i := 1; i < c.n; i++ {
		l := f.st.DF(strings.Join(c.terms[:i], " "))
		r := f.st.DF(strings.Join(c.terms[i:], " "))
		if df < minCohesion*math.Max(float64(min(l, r)-1), 1) {
			return false
		}
	}
	return true
}

// minStart is the least share of the archive's documents holding a word in
// which a run starts with it, for a phrase that never starts a run in this
// document to start with that word. Adjectives and the second word of a
// construct seldom start a run («العسكرية البريطاني» in مركز الأبحاث
// العسكرية البريطاني, «أمنية غرب» in عملية أمنية غرب العراق); a phrase cut
// out of the middle of a run and starting with one is a fragment.
const minStart = 0.45

// fragment reports whether c is a phrase cut out of a longer run: it never
// starts a run in the document and its first word seldom starts one in the
// archive, or it never ends one and its last word seldom ends one
// («أسطول الخطوط» of أسطول الخطوط السعودية, «أصوات مقابل»): the same
// share, minStart, on both edges. Only with an archive of followArchive
// documents or more.
func (f *Features) fragment(c *cand) bool {
	if c.n == 1 || f.st == nil || f.st.Docs() < followArchive {
		return false
	}
	if c.numNext == c.tf {
		return true // القرار الدولي رقم, its number cut off
	}
	if first := c.terms[0]; c.heads == 0 && (float64(f.st.DF(StartKey(first))) < minStart*float64(f.st.DF(first)) ||
		f.nested(c, c.prev+" "+c.key, c.prevMixed)) {
		return true
	}
	last := c.terms[c.n-1]
	// «المهندس صالح» of المهندس صالح بن ناصر الجاسر: a name goes on.
	return c.tails == 0 && (c.nextConn > 0 || float64(f.st.DF(EndKey(last))) < minStart*float64(f.st.DF(last)) ||
		f.nested(c, c.key+" "+c.next, c.nextMixed))
}

// minNested is the share of the other documents holding a phrase that must
// hold it with the same word added for the phrase to be a piece of the
// longer one. A phrase written twice or more and always continued by the
// same word is a piece of the longer phrase; written once, the archive
// decides («مشاركة الفنان رابح» of … رابح صقر, always so; مجلس الأمن, 51 %
// followed by الدولي, is not).
const minNested = 0.8

// nested reports whether c, which never reaches this edge of its runs in
// the document, is a piece of ext (c with the word the document writes on
// that side): the document writes it twice or more, or the archive holds
// ext in at least minNested of the other documents holding c. mixed: the
// document writes different words there, so no one longer phrase (المواد
// الغذائية الفاسدة, … المنتهية: a topic with its descriptions).
func (f *Features) nested(c *cand, ext string, mixed bool) bool {
	if mixed {
		return false
	}
	if c.tf >= 2 {
		return true
	}
	d := f.st.DF(c.key) - 1
	return d >= 1 && float64(f.st.DF(ext)-1) >= minNested*float64(d)
}

// surface is the candidate's most written form (the earliest on a tie: map
// order is not used).
func (c *cand) surface() string {
	if c.surfaces == nil {
		return c.form
	}
	best, bestN := c.form, c.surfaces[c.form]
	for s, n := range c.surfaces {
		if n > bestN || (n == bestN && s < best) {
			best, bestN = s, n
		}
	}
	return best
}

// Features computes the statistics of p's candidates, from the document
// and from st (nil: the document alone): frequency, title, first position
// and spread; inverse document frequency, the cohesion of a phrase and how
// often its edge words bound a run.
func (x *Extractor) Features(p *Prepared, st Stats) *Features {
	n := 0
	if st != nil {
		n = st.Docs()
	}
	df := func(k string) float64 {
		if st == nil {
			return 0
		}
		return float64(st.DF(k))
	}
	wordTF, starts, ends, occ := p.wordTF, p.starts, p.ends, p.occ
	cands := p.cands
	if st != nil && len(cands) > maxScored {
		// The document's evidence alone: frequency, title, first
		// position and edges, as the default parameters weigh them.
		pre := make([]float64, len(cands))
		for i, c := range cands {
			first, last := c.terms[0], c.terms[len(c.terms)-1]
			edge := (float64(starts[first]) + 1) / (float64(occ[first]) + 2) * (float64(ends[last]) + 1) / (float64(occ[last]) + 2)
			pre[i] = math.Sqrt(float64(c.tf)*edge) * math.Pow(1+float64(c.first), -0.3)
			if c.title {
				pre[i] *= 2
			}
		}
		order := make([]int, len(cands))
		for i := range order {
			order[i] = i
		}
		sort.SliceStable(order, func(a, b int) bool { return pre[order[a]] > pre[order[b]] })
		top := make([]*cand, maxScored)
		for i := range top {
			top[i] = cands[order[i]]
		}
		cands = top
	}
	dfMemo := map[string]float64{}
	df = func(k string) float64 {
		if st == nil {
			return 0
		}
		v, ok := dfMemo[k]
		if !ok {
			v = float64(st.DF(k))
			dfMemo[k] = v
		}
		return v
	}
	f := &Features{p: p, st: st, cands: cands, feats: make([]feat, len(cands))}
	for i, c := range cands {
		ft := feat{tf: float64(c.tf), first: float64(c.first), spread: float64(c.sents) / float64(p.sents),
			idf: 1, coh: 1, title: c.title, n: c.n}
		if st != nil {
			ft.idf = math.Log(float64(n+1)/(df(c.key)+1)) + 1
		}
		if c.n > 1 {
			// Cohesion: of the documents (and of this document's
			// occurrences) holding its rarest word, the share that hold
			// the phrase.
			minDoc, minTF := math.Inf(1), math.Inf(1)
			for _, t := range c.terms {
				minDoc = math.Min(minDoc, df(t))
				minTF = math.Min(minTF, float64(wordTF[t]))
			}
			coh := float64(c.tf) / math.Max(minTF, 1)
			if st != nil {
				// The document itself is counted in the archive (a
				// document is counted before it is tagged): only the
				// others are evidence.
				coh = (coh + math.Max(df(c.key)-1, 0)/math.Max(minDoc-1, 1)) / 2
			}
			ft.coh = math.Min(coh, 1)
		}
		// Edges: a tag starts where runs start and ends where they end;
		// "وزير" (always followed) or "الأمريكي" (always preceded) alone
		// are fragments.
		first, last := c.terms[0], c.terms[len(c.terms)-1]
		startRate := (float64(starts[first]) + 1) / (float64(occ[first]) + 2)
		endRate := (float64(ends[last]) + 1) / (float64(occ[last]) + 2)
		if st != nil {
			startRate = (startRate + (df(StartKey(first))+1)/(df(first)+2)) / 2
			endRate = (endRate + (df(EndKey(last))+1)/(df(last)+2)) / 2
		}
		ft.edge = startRate * endRate
		f.feats[i] = ft
	}
	return f
}

// followArchive is the archive size from which a tag must be followable:
// written in at least one other document. Below it the archive says too
// little, and the document's own evidence decides.
const followArchive = 1000

// followable reports whether a reader could follow c to other articles: in
// an archive of followArchive documents or more, some other document holds
// it. A phrase only this article writes ("شأنها تسهيل تنفيذ عمليات
// إرهابية") is no tag, however well it scores here.
func (f *Features) followable(c *cand) bool {
	return f.st == nil || f.st.Docs() < followArchive || f.st.DF(c.key) >= 2
}

// verbal reports whether term reads as a verb: it follows a particle only
// a verb follows (لم, قد, الذي …) in this document, or in at least 4 % of
// the archive's documents holding it (nouns and names: almost never; يحاول
// 12 %, تشهد 41 %, أعلن 10 % on ant_multisource).
func (f *Features) verbal(term string) bool {
	if f.st == nil || f.p.verbal[term] {
		return f.p.verbal[term]
	}
	v, n := f.st.DF(VerbKey(term)), f.st.DF(term)
	return v >= 2 && float64(v) >= 0.04*float64(n)
}

// score ranks the candidates with pr, best first.
func (f *Features) score(pr Params) []scored {
	out := make([]scored, len(f.feats))
	for i, ft := range f.feats {
		s := math.Pow(ft.tf, pr.TF) * ft.idf
		if ft.title {
			s *= 1 + pr.Title
		}
		s *= math.Pow(1+ft.first, -pr.Position)
		s *= 1 + pr.Spread*ft.spread
		if ft.n > 1 {
			s *= (1 + pr.Phrase*float64(ft.n-1)) * math.Pow(ft.coh, pr.Cohesion)
		}
		s *= math.Pow(ft.edge, pr.Edge)
		out[i] = scored{c: f.cands[i], i: i, score: s}
	}
	sort.SliceStable(out, func(i, j int) bool {
		if out[i].score != out[j].score {
			return out[i].score > out[j].score
		}
		return out[i].c.firstAt < out[j].c.firstAt
	})
	return out
}

// A single word must clear a higher bar than a phrase: most single words a
// list can take are common nouns (المباراة, الشركة, المدينة, الموقع) standing
// for a name the article gives elsewhere, which a reader would not follow.
// single keeps a word that behaves like a name across the archive, and a
// common word only when it is neither in many of the archive's documents
// nor a passing word of this one.
const (
	// minNameUses is the least number of documents that write a word for
	// the archive to say how it writes it.
	minNameUses = 5
	// nameToggle is the most a name is written with the article toggled,
	// as a share of its own uses: غزة, ترامب, إسرائيل, روسيا are almost never
	// written *الغزة, *الترامب, العراق and اليمن almost never without it;
	// common nouns are written both ways (المباراة 490 documents against
	// مباراة 602, الشركة 322 against 543 on the two shared archives).
	nameToggle = 0.05
	// maxCommon is the largest share of the archive's documents a common
	// word may be in and still be a tag of its own (الشركة, المدينة,
	// الموقع, دولة, عام: 6–23 % of the two archives; العسل, الحريق,
	// التحرش, الاحتجاجات: under 3 %).
	maxCommon = 0.05
	// minCommonScore is the least score, as a share of the article's best
	// candidate's, of a common word kept on its own: on the samples of
	// docs/TAGS.md the common words read as no topic mostly score under
	// it (قلب 0.02, مظاهر 0.02, منتجات 0.11), the topics mostly above
	// (الحريق 1, السجن 0.8, الحفل 0.3).
	minCommonScore = 0.15
	// minNameScore is the same least share for a name (or a word in Latin
	// letters): a name scoring under a tenth of the best candidate is a
	// passing mention (اليابان 0.05, البرازيل 0.03 in lists about other
	// things), and the words that pass for names without being ones
	// (التالي, إمكانية, تريليون: written with or without the article for
	// reasons of grammar, not of naming) mostly score under it too.
	minNameScore = 0.1
)

// single reports whether a candidate of one word, shown as surface, clears
// the single-word bar (in an archive of followArchive documents or more;
// below it every word does). rel is its score as a share of the article's
// best candidate's. An accusative or an inflected word (see inflected)
// never does, not even to fill a short list (never is true), nor an
// adjective alone: a nisba whose base is no name that the article writes
// at the head of a run in under a third of its uses. Otherwise no
// word the article writes once outside its title clears it, nor any
// scoring under minNameScore; then a word not written in Arabic letters
// (CNN, buzzfeed), a name (see nameLike), or a nisba whose base is one
// (الفرنسية, الإيرانية: the France and Iran tags) does; and a common word
// that is in under maxCommon of the archive's documents, that the article
// writes in three sentences or more or twice with once in the title, and
// that scores minCommonScore or more.
func (x *Extractor) single(f *Features, c *cand, surface string, rel float64) (ok, never bool) {
	if f.st == nil || f.st.Docs() < followArchive {
		return true, false
	}
	if r, _ := utf8.DecodeRuneInString(surface); r < 0x0600 || r > 0x06FF {
		return !x.passing(f, c, rel), false
	}
	nm := x.an.Normalize(surface)
	nisba, nisbaName := nisbaBases(nm), false
	for i, b := range nisba {
		// روسيا, not عالميا: a base in يا is the name, not the adverb
		// of the nisba, when written more often than the bare nisba.
		if x.an.Term(b) == c.key && x.nameLike(f, b) && !x.accusativeAlone(f, b) &&
			(i < 2 || f.st.DF(AttestKey(b)) > f.st.DF(AttestKey(nisba[0]+"ي"))) {
			nisbaName = true
			break
		}
	}
	inflected := !nisbaName && (x.accusativeAlone(f, nm) || x.inflected(f, nm))
	switch {
	case inflected:
		return false, true
	case nisba != nil && !nisbaName && 3*c.heads < c.tf:
		// الزوجية, الدولية, الاجتماعية: an adjective alone, which the
		// article mostly writes after its noun.
		return false, true
	case x.passing(f, c, rel):
		return false, false
	case nisbaName || x.nameLike(f, nm):
		return true, false
	}
	return float64(f.st.DF(c.key)) < maxCommon*float64(f.st.Docs()) &&
		(c.sents >= 3 || (c.title && c.tf >= 2)) && rel >= minCommonScore, false
}

// passing reports whether a single word is a passing mention, in an
// archive of followArchive documents or more: written once outside the
// title, or scoring under minNameScore of the best candidate.
func (x *Extractor) passing(f *Features, c *cand, rel float64) bool {
	return f.st != nil && f.st.Docs() >= followArchive && ((c.tf < 2 && !c.title) || rel < minNameScore)
}

// nameLike reports whether the archive writes the normalized word nm like
// a name: in minNameUses documents or more (with or without a clitic), and
// with the article toggled (غزة → الغزة, العراق → عراق) in at most
// nameToggle of as many. A toggled form the candidates never count (a
// stopword or frame word: بيان of البيان, مئة of المئة) is no evidence.
func (x *Extractor) nameLike(f *Features, nm string) bool {
	uses := f.st.DF(AttestKey(nm)) + f.st.DF(CliticKey(nm))
	if uses < minNameUses {
		return false
	}
	other := "ال" + nm
	if rest, ok := strings.CutPrefix(nm, "ال"); ok {
		other = rest
	}
	if x.stop[other] || x.an.IsStopword(other) {
		return false
	}
	return float64(f.st.DF(AttestKey(other))) <= nameToggle*float64(uses)
}

// accusativeAlone reports whether nm, a word standing alone, reads as an
// indefinite accusative (مختلفا, طنا, متأثرا): it ends in an alef after no
// ي (روسيا, إيطاليا are names), and the archive writes it without the alef,
// bare or with the article, at least as often as with it.
func (x *Extractor) accusativeAlone(f *Features, nm string) bool {
	base, ok := strings.CutSuffix(nm, "ا")
	if !ok || utf8.RuneCountInString(base) < 2 || strings.HasSuffix(base, "ي") {
		return false
	}
	return f.st.DF(AttestKey(base))+f.st.DF(AttestKey("ال"+base)) >= f.st.DF(AttestKey(nm))+f.st.DF(CliticKey(nm))
}

// nisbaBases returns the words a nisba form may be made from: الفرنسية →
// فرنسا, الروسية → روسيا, الإيرانية → ايران (the caller keeps those with
// the same term that the archive writes as names).
func nisbaBases(nm string) []string {
	w := strings.TrimPrefix(nm, "ال")
	for _, end := range []string{"يين", "يون", "يات", "يه", "ي"} { // normalized: ة is ه
		if b, ok := strings.CutSuffix(w, end); ok && utf8.RuneCountInString(b) >= 2 {
			return []string{b, b + "ا", b + "يا"}
		}
	}
	return nil
}

// inflected reports whether nm, a word without the article, is a common
// word in an inflected form that never takes the article for that reason,
// not a name, and no tag alone: a word with an attached pronoun (قلوبنا,
// بيتي, شركائها) whose
// base the archive writes, bare or with the article, at least as often as
// nm; or a past tense with the feminine ت (صارت, بدأت) whose masculine the
// archive writes twice or more.
func (x *Extractor) inflected(f *Features, nm string) bool {
	if strings.HasPrefix(nm, "ال") {
		return false
	}
	uses := f.st.DF(AttestKey(nm)) + f.st.DF(CliticKey(nm))
	written := func(b string) int { return f.st.DF(AttestKey(b)) + f.st.DF(AttestKey("ال"+b)) }
	// Normalized, a lone ه may be a ta marbuta (غزة, جدة): left out.
	for _, end := range []string{"هما", "كما", "هم", "هن", "ها", "كم", "نا", "ي"} {
		if base, ok := strings.CutSuffix(nm, end); ok && utf8.RuneCountInString(base) >= 2 {
			for _, b := range baseForms(base) {
				if written(x.an.Normalize(b)) >= max(uses, 2) {
					return true
				}
			}
		}
	}
	if base, ok := strings.CutSuffix(nm, "ت"); ok && utf8.RuneCountInString(base) >= 2 {
		last, _ := utf8.DecodeLastRuneInString(base)
		return last != 'ا' && last != 'و' && last != 'ي' && f.st.DF(AttestKey(base)) >= 2
	}
	return false
}
