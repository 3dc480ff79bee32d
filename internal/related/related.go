// Package related picks what an article page shows after the article: the
// similar articles (مقالات مشابهة) and the read-also picks (إقرأ أيضاً).
//
// It is a pure algorithm over the root package's interfaces: the article
// in, two lists out. The related stage (Stage) keeps, per article, its term
// counts and its heaviest terms (marsad.RelatedStore); a list's candidates
// are the articles published within a week of the article that share the
// most weight of its heaviest terms (the store's candidate query, one per
// copy group); they are then re-ranked by the cosine of whole-text TF-IDF
// vectors plus that of the leads (title and first sentences: what the
// event is), and by closeness in time, weights taken from the archive's
// document frequencies when the list is asked for. A list reflects the
// archive and the stories as they are when it is asked for (see Cache for
// keeping recent answers). Params.FromSearch keeps the first design (a
// more-like-this search of the index and the candidates' bodies analyzed
// again), the comparison of `marsad eval related`.
package related

import (
	"context"
	"fmt"
	"math"
	"slices"
	"sort"
	"sync"
	"time"

	"github.com/marsad/marsad"
)

// Entry is one item of a list: enough to show a linked title with its
// outlet and date.
type Entry struct {
	ID         int64     `json:"id"`
	Title      string    `json:"title"`
	URL        string    `json:"url"`
	Source     string    `json:"source"`      // outlet key
	SourceName string    `json:"source_name"` // outlet display name
	Published  time.Time `json:"published"`
	StoryID    int64     `json:"story_id,omitempty"`
	// Copies is the number of other articles carrying the same text
	// (republications), shown as one entry.
	Copies int `json:"copies,omitempty"`
	// Score is the ranking score: (cosine + Lead × lead cosine) × time
	// factor (bm25 when the re-ranking is off).
	Score float64 `json:"score"`
}

// Lists are the two lists of an article page. They never hold the article
// itself, a copy of it (dedup link or a near-identical text), or one copy
// group twice, and no item is in both.
type Lists struct {
	// Similar holds up to Params.Similar nearest articles, at most
	// Params.PerOutlet from one outlet, best first.
	Similar []Entry `json:"similar"`
	// ReadAlso holds up to Params.ReadAlso related articles from other
	// stories than the article's, one per story, best first.
	ReadAlso []Entry `json:"read_also"`
}

// Params tune the lists. DefaultParams gives the chosen values; each says
// how it was chosen.
type Params struct {
	// QueryTerms is the number of the article's heaviest terms ORed into the
	// more-like-this query.
	QueryTerms int
	// Candidates is the number of copy groups the query returns for
	// re-ranking (80: chosen on 3–6 May, 0.879 → 0.888 from 40, and
	// confirmed on 12–15 April, 0.723 → 0.746).
	Candidates int
	// TitleWeight counts each title term this many times in a vector: a
	// title names the event.
	TitleWeight int
	// HalfLife discounts a candidate by 2^(−|Δt|/HalfLife), Δt between its
	// date and the article's; 0 turns the time factor off.
	HalfLife time.Duration
	// CopyCosine is the cosine at or above which two texts are one text
	// (a republication dedup did not link): such a candidate is the
	// article's copy and never listed; two such candidates are one entry.
	CopyCosine float64
	// Similar, PerOutlet, ReadAlso: list lengths and the per-outlet cap.
	Similar, PerOutlet, ReadAlso int
	// SimilarMin is the least cosine for a similar entry (0: none): a list
	// padded to its length with articles that share a few words misleads
	// more than a shorter one.
	SimilarMin float64
	// ReadAlsoMin is the least cosine for a read-also pick: related, not
	// merely recent.
	ReadAlsoMin float64
	// OtherOutlet multiplies the read-also score of an article from another
	// outlet than the page's.
	OtherOutlet float64
	// MaxDFShare leaves terms held by more than this share of the articles
	// out of the query: they match much and tell little (0: keep all).
	MaxDFShare float64
	// BodyRunes cuts the bodies the re-ranking compares at this many runes
	// (0: whole bodies): the lead says what the article is about.
	BodyRunes int
	// Window limits the more-like-this query to articles published within
	// this long of the article (0: the whole archive): with the time factor
	// an article weeks away never ranks, so the query's candidates are
	// spent on the article's own days.
	Window time.Duration
	// Lead adds this many times the cosine of the two leads (the title and
	// the first LeadTerms terms of the body, title counted once) to the
	// whole-text cosine: news writes the event in its first lines, and
	// the rest of a text (background, quotes, other developments) is what
	// articles of neighbouring events share.
	Lead float64
	// LeadTerms is the number of body terms a lead holds.
	LeadTerms int
	// Plain skips the re-ranking: candidates stay in bm25 order (the
	// baseline `eval related` prints). It implies FromSearch.
	Plain bool
	// KeyTerms is the number of an article's heaviest terms the related
	// stage stores for the candidate query (20: p@5 within 0.005 of 30 on
	// both windows; 30 kept, the query asks with QueryTerms).
	KeyTerms int
	// VectorTerms is the number of terms, besides those of its lead, the
	// related stage stores of an article's counts: its heaviest (0: all).
	// 60 keeps p@5 within 0.006 of whole vectors on both gold windows
	// (docs/PERFORMANCE.md) for about half the terms read per list.
	VectorTerms int
	// DFRefresh is the share by which the archive grows before the
	// document frequencies read from it are read again (0: never; a term's
	// count is scaled with the archive): the weights of a term barely move
	// with a few more articles, and reading them costs (DefaultParams: a
	// fiftieth; the related stage, which reads those of every new article
	// while an import grows the archive from nothing, never).
	DFRefresh float64
	// VectorCache is the number of articles' decoded vectors a Finder
	// keeps in memory, each VectorTTL (0: none): the same lists, computed
	// without reading, decoding and weighing again the candidates a week's
	// pages share (vcache.go).
	VectorCache int
	VectorTTL   time.Duration
	// IDFPower raises each term's idf to this power in the re-ranking's
	// vectors (0 or 1: plain idf; the candidate query keeps plain idf).
	// Below 1 the words that say what kind of event it is (strike,
	// match, league, summit) weigh more beside the rare names, which a
	// single background sentence can share (0.7: chosen on 3–6 May
	// among 0.3–1, p@5 0.8858 → 0.8916; on 12–15 April 0.7421 → 0.7512;
	// chosen on April, 0.5, it gains on May too: 0.8896).
	IDFPower float64
	// Neighbours and NeighbourWeight: after the first ranking, each
	// candidate's score gains NeighbourWeight × its mean whole-text cosine
	// to the Neighbours best other candidates (0: off): the articles of
	// one event are close to one another, a candidate that matched the
	// article on a few words of its background is not (2 and 0.2: chosen
	// on 3–6 May, with IDFPower 0.7, 0.8916 → 0.8980; on 12–15 April
	// 0.7512 → 0.7570; chosen on April, 1 and 0.4, May gains 0.002).
	Neighbours      int
	NeighbourWeight float64
	// ScanVocabulary fills the document frequencies from the whole
	// vocabulary of an index that reads it at once (SQLite), when the
	// Finder reads them first and at each restart, instead of looking up
	// each list's missing terms: one scan of about 70 ms on the two
	// archives, after which a new process's lists cost what a running
	// one's do (first-round p95 6.4 → 4.2 ms, docs/PERFORMANCE.md). Off
	// for one list computed once (`marsad related`: 63 against 95 ms).
	ScanVocabulary bool
	// FromSearch takes the candidates from a more-like-this search of the
	// index and analyzes their bodies again, instead of the stored term
	// vectors: the first design, tens of milliseconds a list, kept to
	// compare the two in one run.
	FromSearch bool
}

// DefaultParams returns the parameters chosen on one gold window and
// confirmed on the other, both ways (docs/PERFORMANCE.md).
func DefaultParams() Params {
	return Params{
		QueryTerms:  20,
		KeyTerms:    30,
		VectorTerms: 60,
		DFRefresh:   0.02,
		Candidates:  80,
		TitleWeight: 3,
		// With the lead and the window (p@5 April, May): 24 h 0.741,
		// 0.857; 48 h 0.754, 0.883; 72 h 0.753, 0.881 — the best on each.
		HalfLife:   48 * time.Hour,
		Window:     7 * 24 * time.Hour,
		Lead:       1,
		LeadTerms:  60,
		CopyCosine: 0.9,
		Similar:    10,
		PerOutlet:  2,
		ReadAlso:   3,
		// 0.05 leaves p@5 as it was on both gold windows (April 0.7421,
		// May 0.8858 → 0.8863) and drops 0.44 entries of 9.86 a list (a
		// robot assembling furniture among a football match's); 0.1
		// cost April 0.006 (a gold story's own articles that share
		// little text) and drops 2.4 a list.
		SimilarMin:  0.05,
		ReadAlsoMin: 0.1,
		OtherOutlet: 1.5,
		// About 2 KB each: 64 MB at most, a fortnight of a large
		// aggregator's articles; the TTL of serve's lists cache.
		ScanVocabulary: true,
		VectorCache:    32768,
		VectorTTL:      10 * time.Minute,
		// The re-ranking (Params.IDFPower, Params.Neighbours).
		IDFPower:        0.7,
		Neighbours:      2,
		NeighbourWeight: 0.2,
	}
}

// Store is what a Finder reads: the search index's document frequencies
// (and its search, for FromSearch) and the related stage's vectors.
type Store interface {
	marsad.SearchService
	marsad.RelatedStore
}

// Finder computes the lists of an article.
type Finder struct {
	search Store
	terms  func(string) []string
	p      Params
	df     *dfCache
	vc     *vecCache // nil: every list reads its vectors
	pow    powTable
}

// New returns a Finder over the store's vectors, search and document
// frequencies; terms is the analyzer's (analyzer.Terms), the one the index
// and the vectors were built with.
func New(s Store, terms func(string) []string, p Params) *Finder {
	return &Finder{search: s, terms: terms, p: p, df: newDFCache(p.DFRefresh, p.ScanVocabulary), vc: newVecCache(p.VectorCache, p.VectorTTL)}
}

// candidate is one copy group the query found, with its vector.
type candidate struct {
	hit   marsad.SearchHit
	vec   vector
	cos   float64
	score float64
}

// text is an article's analyzed title and body.
type text struct{ title, body []string }

// analyze returns the terms of an article's title and body, the body cut
// at bodyRunes (0: whole).
func (f *Finder) analyze(a *marsad.Article, bodyRunes int) text {
	body := a.Body
	if bodyRunes > 0 {
		body = cut(body, bodyRunes)
	}
	return text{title: f.terms(a.Title), body: f.terms(body)}
}

// Find returns the lists of article a (a stored article: its copy group and
// story are taken from it).
func (f *Finder) Find(ctx context.Context, a *marsad.Article) (*Lists, error) {
	if f.p.FromSearch || f.p.Plain {
		return f.findBySearch(ctx, a)
	}
	return f.findByVectors(ctx, a)
}

// findByVectors computes the lists from the stored vectors: the article's
// own, the store's candidate query with its heaviest terms, then the
// candidates' vectors. No body is read or analyzed. An article the stage
// has not stored yet gets the search's lists.
func (f *Finder) findByVectors(ctx context.Context, a *marsad.Article) (*Lists, error) {
	own, err := f.vectors(ctx, []int64{a.ID})
	if err != nil {
		return nil, fmt.Errorf("related %d: %w", a.ID, err)
	}
	if own[0] == nil {
		// The stage has not reached it yet (a new article, or an archive
		// the stage is catching up on): its candidates may not have
		// vectors either, so the search finds them, at the first
		// design's cost.
		return f.findBySearch(ctx, a)
	}
	ws, err := f.weigh(ctx, own)
	if err != nil {
		return nil, fmt.Errorf("related %d: %w", a.ID, err)
	}
	self, selfLead := ws[0].all, ws[0].lead
	if self.norm == 0 {
		return &Lists{}, nil
	}
	query := self
	if f.powered() {
		// The query asks with plain idf, as the stored keys are weighed;
		// the re-ranking with idf^IDFPower. The shares are those the
		// weighing just used: nothing is looked up twice.
		plain := listShares{shares: [][]float64{ws[0].shares.shares}, n: ws[0].n}
		query, _ = weighCounts(ws[0].c, plain.idf(0))
	}
	q := marsad.CandidateQuery{Terms: query.keys(f.p.QueryTerms), Exclude: groupOf(a), Limit: f.p.Candidates}
	if f.p.Window > 0 && !a.Published.IsZero() {
		q.From, q.To = a.Published.Add(-f.p.Window), a.Published.Add(f.p.Window)
	}
	hits, err := f.search.RelatedCandidates(ctx, q)
	if err != nil {
		return nil, fmt.Errorf("related %d: candidates: %w", a.ID, err)
	}
	ids := make([]int64, 0, len(hits))
	hs := make([]marsad.SearchHit, 0, len(hits))
	for _, h := range hits {
		if groupOf(h.Article) != groupOf(a) {
			ids, hs = append(ids, h.Article.ID), append(hs, h)
		}
	}
	vs, err := f.vectors(ctx, ids)
	if err != nil {
		return nil, fmt.Errorf("related %d: %w", a.ID, err)
	}
	var kept []*cachedVector
	var cands []*candidate
	for i, h := range hs {
		if vs[i] == nil {
			continue // its vector went with a reset since the query
		}
		cands = append(cands, &candidate{hit: h, score: h.Score})
		kept = append(kept, vs[i])
	}
	if ws, err = f.weigh(ctx, kept); err != nil {
		return nil, fmt.Errorf("related %d: %w", a.ID, err)
	}
	for i, c := range cands {
		c.vec = ws[i].all
		f.score(a, c, self, selfLead, ws[i].lead)
	}
	sort.SliceStable(cands, func(i, j int) bool { return cands[i].score > cands[j].score })
	f.neighbours(cands)
	return f.pick(a, cands), nil
}

// vectors returns the stored counts of each article, aligned with ids (nil
// where the stage stored none), from the Finder's cache where it can.
func (f *Finder) vectors(ctx context.Context, ids []int64) ([]*cachedVector, error) {
	out := make([]*cachedVector, len(ids))
	var miss []int64
	for i, id := range ids {
		if out[i] = f.vc.get(id); out[i] == nil {
			miss = append(miss, id)
		}
	}
	if len(miss) == 0 {
		return out, nil
	}
	vs, err := f.search.TermVectors(ctx, miss)
	if err != nil {
		return nil, err
	}
	byID := make(map[int64][]byte, len(vs))
	for _, v := range vs {
		byID[v.ArticleID] = v.Data
	}
	now := time.Now()
	for i, id := range ids {
		data, ok := byID[id]
		if out[i] != nil || !ok {
			continue
		}
		c, err := decodeCounts(data)
		if err != nil {
			return nil, fmt.Errorf("article %d: %w", id, err)
		}
		out[i] = &cachedVector{id: id, c: c, at: now}
	}
	return out, nil
}

// weigh returns vs with their whole-text and lead vectors weighed at the
// archive's document frequencies of the moment, keeping each in the cache.
// An entry is never changed once made (lists are computed concurrently):
// a new weighing is a new entry.
func (f *Finder) weigh(ctx context.Context, vs []*cachedVector) ([]*cachedVector, error) {
	lists := make([][]string, len(vs))
	have := make([]known, len(vs))
	for i, v := range vs {
		lists[i], have[i] = v.c.terms, v.shares
	}
	sh, err := f.df.shares(ctx, f.search, lists, have)
	if err != nil {
		return nil, err
	}
	out := make([]*cachedVector, len(vs))
	for i, v := range vs {
		if v.n == sh.n && v.shares.gen == sh.gen && v.shares.shares != nil {
			out[i] = v
			continue
		}
		idf := sh.idf(i)
		if f.powered() {
			for j, x := range idf {
				idf[j] = f.pow.of(x, f.p.IDFPower)
			}
		}
		all, lead := weighCounts(v.c, idf)
		out[i] = &cachedVector{id: v.id, c: v.c, shares: known{sh.shares[i], sh.gen}, at: v.at, n: sh.n, all: all, lead: lead}
	}
	for i, v := range out {
		if v != vs[i] {
			f.vc.add(v)
		}
	}
	return out, nil
}

// score sets c's ranking score: (cosine + Lead × lead cosine) × time
// factor, or -1 when c is the article's copy (cosine ≥ CopyCosine).
func (f *Finder) score(a *marsad.Article, c *candidate, self, selfLead, lead vector) {
	c.cos = self.cosine(c.vec)
	c.score = c.cos
	if f.p.Lead > 0 {
		c.score += f.p.Lead * selfLead.cosine(lead)
	}
	if f.p.HalfLife > 0 {
		dt := math.Abs(c.hit.Article.Published.Sub(a.Published).Hours())
		c.score *= math.Exp2(-dt / f.p.HalfLife.Hours())
	}
	if c.cos >= f.p.CopyCosine {
		c.score = -1 // a republication dedup did not link: never listed
	}
}

// powered reports whether the re-ranking weighs with a power of idf.
func (f *Finder) powered() bool { return f.p.IDFPower > 0 && f.p.IDFPower != 1 }

// powTable gives x^p for idf values by linear interpolation in a table
// built once (a list raises some 6,000 idfs to the power, and math.Pow
// took about a tenth of a list's CPU). Between 1/16 and 16, where idfs
// are, the relative error is under 1e-6; outside, math.Pow.
type powTable struct {
	once sync.Once
	p    float64
	t    []float64
}

const powSteps = 4096 // table points per unit

func (pt *powTable) of(x, p float64) float64 {
	pt.once.Do(func() {
		pt.p = p
		pt.t = make([]float64, 16*powSteps+1)
		for i := range pt.t {
			pt.t[i] = math.Pow(float64(i)/powSteps, p)
		}
	})
	if p != pt.p || x < 1.0/16 || x >= 16 {
		return math.Pow(x, p)
	}
	u := x * powSteps
	i := int(u)
	return pt.t[i] + (pt.t[i+1]-pt.t[i])*(u-float64(i))
}

// neighbours adds to each candidate's score NeighbourWeight × its mean
// cosine to the Neighbours best other candidates (of the ranking cands is
// in, best first; copies of the article left out), then sorts again.
func (f *Finder) neighbours(cands []*candidate) {
	m := f.p.Neighbours
	if m <= 0 || f.p.NeighbourWeight == 0 {
		return
	}
	var top []*candidate
	for _, c := range cands {
		if len(top) == m+1 {
			break
		}
		if c.score > 0 {
			top = append(top, c)
		}
	}
	add := make([]float64, len(cands))
	for i, c := range cands {
		if c.score <= 0 {
			continue
		}
		var sum float64
		n := 0
		for _, t := range top {
			if t == c || n == m {
				continue
			}
			sum += c.vec.cosine(t.vec)
			n++
		}
		if n > 0 {
			add[i] = f.p.NeighbourWeight * sum / float64(n)
		}
	}
	for i, c := range cands {
		c.score += add[i]
	}
	sort.SliceStable(cands, func(i, j int) bool { return cands[i].score > cands[j].score })
}

// findBySearch computes the lists from a more-like-this search of the
// index, analyzing the candidates' bodies (FromSearch, Plain).
func (f *Finder) findBySearch(ctx context.Context, a *marsad.Article) (*Lists, error) {
	// The query is chosen from the whole text; the re-ranking may read less.
	at := f.analyze(a, 0)
	counts := f.counts(at)
	keys := make([]string, 0, len(counts))
	for t := range counts {
		keys = append(keys, t)
	}
	idf, err := f.df.idf(ctx, f.search, keys)
	if err != nil {
		return nil, fmt.Errorf("related %d: %w", a.ID, err)
	}
	self := weigh(counts, idf)
	if len(self.terms) == 0 {
		return &Lists{}, nil
	}
	query := self.top(f.p.QueryTerms, idf, f.p.MaxDFShare)
	or := &marsad.QueryNode{Op: marsad.OpOr}
	for _, t := range query {
		or.Children = append(or.Children, &marsad.QueryNode{Op: marsad.OpTerm, Terms: []string{t}})
	}
	// One more group than asked: the article's own group is among the hits.
	req := marsad.SearchRequest{Expr: or, Limit: f.p.Candidates + 1}
	if f.p.Window > 0 && !a.Published.IsZero() {
		req.From, req.To = a.Published.Add(-f.p.Window), a.Published.Add(f.p.Window)
	}
	hits, _, err := f.search.Search(ctx, req)
	if err != nil {
		return nil, fmt.Errorf("related %d: more-like-this: %w", a.ID, err)
	}
	group := groupOf(a)
	cands := make([]*candidate, 0, len(hits))
	for _, h := range hits {
		if groupOf(h.Article) == group {
			continue
		}
		cands = append(cands, &candidate{hit: h, score: h.Score})
	}
	if !f.p.Plain {
		if f.p.BodyRunes > 0 {
			at = f.analyze(a, f.p.BodyRunes)
			self = weigh(f.counts(at), idf)
		}
		if err := f.rerank(ctx, a, at, self, cands); err != nil {
			return nil, fmt.Errorf("related %d: %w", a.ID, err)
		}
	}
	return f.pick(a, cands), nil
}

// rerank scores every candidate by (cosine + Lead × lead cosine) × time
// factor, best first. A candidate at CopyCosine or more is a copy of the
// article and dropped.
func (f *Finder) rerank(ctx context.Context, a *marsad.Article, at text, self vector, cands []*candidate) error {
	all := make([]map[string]int, len(cands))
	leads := make([]map[string]int, len(cands))
	var keys []string
	seen := map[string]struct{}{}
	for i, c := range cands {
		ct := f.analyze(c.hit.Article, f.p.BodyRunes)
		all[i] = f.counts(ct)
		if f.p.Lead > 0 {
			leads[i] = f.leadCounts(ct)
		}
		for t := range all[i] {
			if _, ok := seen[t]; !ok {
				seen[t] = struct{}{}
				keys = append(keys, t)
			}
		}
	}
	idf, err := f.df.idf(ctx, f.search, keys)
	if err != nil {
		return err
	}
	var selfLead vector
	if f.p.Lead > 0 {
		selfLead = weigh(f.leadCounts(at), idf)
	}
	for i, c := range cands {
		c.vec = weigh(all[i], idf)
		var lead vector
		if f.p.Lead > 0 {
			lead = weigh(leads[i], idf)
		}
		f.score(a, c, self, selfLead, lead)
	}
	sort.SliceStable(cands, func(i, j int) bool { return cands[i].score > cands[j].score })
	return nil
}

// pick fills the lists from the ranked candidates: similar first, with the
// per-outlet cap, then read-also from the rest (other stories, one per
// story, other outlets preferred). Near-identical candidates are one entry.
// Similar goes first because the story clusterer splits some events finer
// than readers do: picked first, read-also took those articles away from
// similar (12–15 April p@5 0.60, similar first 0.70).
func (f *Finder) pick(a *marsad.Article, cands []*candidate) *Lists {
	var l Lists
	var taken []*candidate
	isTaken := func(c *candidate) bool {
		if c.score < 0 {
			return true
		}
		for _, t := range taken {
			if t == c || (c.vec.norm > 0 && t.vec.norm > 0 && c.vec.cosine(t.vec) >= f.p.CopyCosine) {
				return true
			}
		}
		return false
	}
	readAlso := func() {
		if f.p.ReadAlso == 0 || f.p.Plain {
			return
		}
		type pickRA struct {
			c     *candidate
			score float64
		}
		var ra []pickRA
		for _, c := range cands {
			s := c.hit.Article.StoryID
			if c.score < 0 || c.cos < f.p.ReadAlsoMin || (s != 0 && s == a.StoryID) {
				continue
			}
			w := c.cos
			if c.hit.Article.SourceID != a.SourceID {
				w *= f.p.OtherOutlet
			}
			if f.p.HalfLife > 0 {
				dt := math.Abs(c.hit.Article.Published.Sub(a.Published).Hours())
				w *= math.Exp2(-dt / f.p.HalfLife.Hours())
			}
			ra = append(ra, pickRA{c, w})
		}
		sort.SliceStable(ra, func(i, j int) bool { return ra[i].score > ra[j].score })
		stories := map[int64]bool{}
		for _, r := range ra {
			if len(l.ReadAlso) == f.p.ReadAlso {
				break
			}
			s := r.c.hit.Article.StoryID
			if (s != 0 && stories[s]) || isTaken(r.c) {
				continue
			}
			stories[s] = true
			taken = append(taken, r.c)
			l.ReadAlso = append(l.ReadAlso, entryOf(r.c.hit, r.score))
		}
	}
	var simCands []*candidate
	similar := func() {
		perOutlet := map[int64]int{}
		for _, c := range cands {
			if len(l.Similar) == f.p.Similar {
				break
			}
			src := c.hit.Article.SourceID
			if perOutlet[src] >= f.p.PerOutlet || isTaken(c) || (c.cos < f.p.SimilarMin && !f.p.Plain) {
				continue
			}
			perOutlet[src]++
			taken = append(taken, c)
			simCands = append(simCands, c)
			l.Similar = append(l.Similar, entryOf(c.hit, c.score))
		}
	}
	similar()
	readAlso()
	if len(l.ReadAlso) == 0 && f.p.ReadAlso > 0 && !f.p.Plain {
		// Everything related went to similar: move its last entry from
		// another story over, so the page still has a read-also pick.
		for i := len(simCands) - 1; i >= 0; i-- {
			c := simCands[i]
			if s := c.hit.Article.StoryID; (s == 0 || s != a.StoryID) && c.cos >= f.p.ReadAlsoMin {
				l.ReadAlso = append(l.ReadAlso, l.Similar[i])
				l.Similar = slices.Delete(l.Similar, i, i+1)
				break
			}
		}
	}
	return &l
}

// counts returns the term counts of a text, title terms counted
// TitleWeight times.
func (f *Finder) counts(t text) map[string]int {
	m := make(map[string]int, len(t.title)+len(t.body))
	w := max(f.p.TitleWeight, 1)
	for _, x := range t.title {
		m[x] += w
	}
	for _, x := range t.body {
		m[x]++
	}
	return m
}

// leadCounts returns the term counts of a text's lead: its title, once,
// and its first LeadTerms body terms.
func (f *Finder) leadCounts(t text) map[string]int {
	m := make(map[string]int, len(t.title)+f.p.LeadTerms)
	for _, x := range t.title {
		m[x]++
	}
	for _, x := range t.body[:min(len(t.body), f.p.LeadTerms)] {
		m[x]++
	}
	return m
}

// cut returns the first n runes of s.
func cut(s string, n int) string {
	for i := range s {
		if n == 0 {
			return s[:i]
		}
		n--
	}
	return s
}

// groupOf is the copy group of an article: its canonical article's id.
func groupOf(a *marsad.Article) int64 {
	if a.CanonicalID != 0 {
		return a.CanonicalID
	}
	return a.ID
}

func entryOf(h marsad.SearchHit, score float64) Entry {
	a := h.Article
	return Entry{ID: a.ID, Title: a.Title, URL: a.URL, Source: a.Source, SourceName: a.SourceName,
		Published: a.Published, StoryID: a.StoryID, Copies: h.Copies, Score: score}
}

// vector is a sparse TF-IDF vector, terms sorted for merging.
type vector struct {
	terms   []string
	weights []float64
	norm    float64
}

// weigh builds the vector of counts: (1 + ln tf) × idf.
func weigh(counts map[string]int, idf map[string]float64) vector {
	v := vector{terms: make([]string, 0, len(counts))}
	for t := range counts {
		v.terms = append(v.terms, t)
	}
	slices.Sort(v.terms)
	v.weights = make([]float64, len(v.terms))
	var ss float64
	for i, t := range v.terms {
		w := (1 + math.Log(float64(counts[t]))) * idf[t]
		v.weights[i] = w
		ss += w * w
	}
	v.norm = math.Sqrt(ss)
	return v
}

// top returns the n heaviest terms, heaviest first (ties by term, so a
// query is the same on every run), leaving out terms in more than maxShare
// of the articles (0: none left out).
func (v vector) top(n int, idf map[string]float64, maxShare float64) []string {
	idx := make([]int, 0, len(v.terms))
	for i, t := range v.terms {
		if maxShare == 0 || idf[t] >= -math.Log(maxShare) {
			idx = append(idx, i)
		}
	}
	sort.Slice(idx, func(i, j int) bool {
		if v.weights[idx[i]] != v.weights[idx[j]] {
			return v.weights[idx[i]] > v.weights[idx[j]]
		}
		return v.terms[idx[i]] < v.terms[idx[j]]
	})
	out := make([]string, 0, min(n, len(idx)))
	for _, i := range idx[:min(n, len(idx))] {
		out = append(out, v.terms[i])
	}
	return out
}

// cosine of two vectors (0 when either is empty).
func (v vector) cosine(o vector) float64 {
	if v.norm == 0 || o.norm == 0 {
		return 0
	}
	var dot float64
	for i, j := 0, 0; i < len(v.terms) && j < len(o.terms); {
		switch {
		case v.terms[i] < o.terms[j]:
			i++
		case v.terms[i] > o.terms[j]:
			j++
		default:
			dot += v.weights[i] * o.weights[j]
			i++
			j++
		}
	}
	return dot / (v.norm * o.norm)
}
