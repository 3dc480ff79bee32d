package eval

import (
	"bufio"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"sort"
	"strings"

	"github.com/marsad/marsad/internal/analyzer"
	"github.com/marsad/marsad/internal/tags"
)

// KeyphraseDoc is one document of the AKEC keyphrase gold.
type KeyphraseDoc struct {
	ID         string   `json:"id"`
	Category   string   `json:"category"`
	Body       string   `json:"body"`
	Keyphrases []string `json:"keyphrases"` // most agreed first
}

// ReadKeyphrases reads the gold (documents.jsonl). A line that does not
// parse or has no body or keyphrase is counted in skipped and left out.
func ReadKeyphrases(path string) (docs []KeyphraseDoc, skipped int, err error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, 0, fmt.Errorf("read keyphrase gold: %w", err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 16<<20)
	for sc.Scan() {
		var d KeyphraseDoc
		if err := json.Unmarshal(sc.Bytes(), &d); err != nil || d.Body == "" || len(d.Keyphrases) == 0 {
			skipped++
			continue
		}
		docs = append(docs, d)
	}
	if err := sc.Err(); err != nil {
		return nil, skipped, fmt.Errorf("read %s: %w", path, err)
	}
	return docs, skipped, nil
}

// TagScores are the tag metrics of one run, averaged over documents.
type TagScores struct {
	P5, P10, R10, F1 float64 // exact match of analyzed keys
	PartialF1        float64 // token overlap
	TFIDFF1          float64 // the TF-IDF baseline's exact F1@10
	N                int
}

// String is the metrics part of the `eval tags:` line.
func (s TagScores) String() string {
	return fmt.Sprintf("p_at5=%.4f p_at10=%.4f r_at10=%.4f f1_at10=%.4f partial_f1_at10=%.4f tfidf_f1_at10=%.4f n=%d",
		s.P5, s.P10, s.R10, s.F1, s.PartialF1, s.TFIDFF1, s.N)
}

// TagRun holds the gold documents prepared once, so that parameters can
// be scored many times: the extractor's features and the baseline's
// ranking do not depend on them.
type TagRun struct {
	x     *tags.Extractor
	gold  [][][]string // per document, its gold keyphrases' terms (deduplicated keys)
	feats []*tags.Features
	base  [][]string // per document, the baseline's top-10 keys
}

// NewTagRun prepares docs: their gold (the first goldK keyphrases, as
// analyzed keys), the extractor's candidates with statistics from a corpus
// made of docs and extra (other documents, e.g. a news archive), and the
// TF-IDF baseline over the same documents.
func NewTagRun(an *analyzer.Analyzer, docs []KeyphraseDoc, extra []string, goldK int) *TagRun {
	x := tags.New(an, tags.DefaultParams())
	corpus, baseCorpus := tags.NewCorpus(), tags.NewCorpus()
	prep := make([]*tags.Prepared, len(docs))
	baseKeys := make([]map[string]int, len(docs))
	for i, d := range docs {
		prep[i] = x.Prepare(tags.Doc{Body: d.Body})
		corpus.Add(prep[i].Keys())
		baseKeys[i] = baselineCounts(an, d.Body)
		baseCorpus.Add(keysOf(baseKeys[i]))
	}
	for _, s := range extra {
		corpus.Add(x.Prepare(tags.Doc{Body: s}).Keys())
		baseCorpus.Add(keysOf(baselineCounts(an, s)))
	}
	r := &TagRun{x: x}
	for i, d := range docs {
		r.feats = append(r.feats, x.Features(prep[i], corpus))
		r.base = append(r.base, baselineTop(baseKeys[i], baseCorpus, 10))
		seen := map[string]bool{}
		var g [][]string
		for _, kp := range d.Keyphrases {
			if len(seen) >= goldK {
				break
			}
			t := an.Terms(kp)
			k := strings.Join(t, " ")
			if k == "" || seen[k] {
				continue
			}
			seen[k] = true
			g = append(g, t)
		}
		r.gold = append(r.gold, g)
	}
	return r
}

// Score scores the documents whose index is kept by keep (nil: all) with
// parameters p.
func (r *TagRun) Score(p tags.Params, keep func(i int) bool) TagScores {
	var s TagScores
	for i := range r.feats {
		if keep != nil && !keep(i) {
			continue
		}
		var pred [][]string
		for _, t := range r.x.Select(r.feats[i], nil, p) {
			pred = append(pred, strings.Fields(t.Key))
		}
		var base [][]string
		for _, k := range r.base[i] {
			base = append(base, strings.Fields(k))
		}
		g := r.gold[i]
		p5, _ := exactAt(pred, g, 5)
		p10, r10 := exactAt(pred, g, 10)
		s.P5 += p5
		s.P10 += p10
		s.R10 += r10
		s.F1 += fScore(p10, r10)
		s.PartialF1 += partialF1(pred, g, 10)
		bp, br := exactAt(base, g, 10)
		s.TFIDFF1 += fScore(bp, br)
		s.N++
	}
	if s.N > 0 {
		n := float64(s.N)
		s.P5, s.P10, s.R10, s.F1, s.PartialF1, s.TFIDFF1 = s.P5/n, s.P10/n, s.R10/n, s.F1/n, s.PartialF1/n, s.TFIDFF1/n
	}
	return s
}

// exactAt is precision@k (hits over k) and recall (hits over the gold's
// size) of the first k predictions; a gold phrase counts once.
func exactAt(pred, gold [][]string, k int) (p, r float64) {
	if len(gold) == 0 {
		return 0, 0
	}
	used := make([]bool, len(gold))
	hits := 0
	for _, pt := range pred[:min(k, len(pred))] {
		for j, g := range gold {
			if !used[j] && slicesEqual(pt, g) {
				used[j] = true
				hits++
				break
			}
		}
	}
	return float64(hits) / float64(k), float64(hits) / float64(len(gold))
}

// partialF1 credits token overlap: each prediction by the largest share of
// its terms that one gold phrase holds (precision), each gold phrase by the
// largest share of its terms one prediction holds (recall).
func partialF1(pred, gold [][]string, k int) float64 {
	pred = pred[:min(k, len(pred))]
	if len(pred) == 0 || len(gold) == 0 {
		return 0
	}
	var p, r float64
	for _, pt := range pred {
		best := 0.0
		for _, g := range gold {
			best = math.Max(best, float64(overlap(pt, g))/float64(len(pt)))
		}
		p += best
	}
	for _, g := range gold {
		best := 0.0
		for _, pt := range pred {
			best = math.Max(best, float64(overlap(pt, g))/float64(len(g)))
		}
		r += best
	}
	return fScore(p/float64(k), r/float64(len(gold)))
}

func overlap(a, b []string) int {
	n := 0
	for _, x := range a {
		for _, y := range b {
			if x == y {
				n++
				break
			}
		}
	}
	return n
}

func slicesEqual(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// baselineCounts is the plain TF-IDF baseline's candidates: every 1–3-word
// sequence of non-stopword tokens not crossing punctuation, by analyzed
// key, with its count.
func baselineCounts(an *analyzer.Analyzer, text string) map[string]int {
	out := map[string]int{}
	var run []string
	flush := func() {
		for i := range run {
			for n := 1; n <= 3 && i+n <= len(run); n++ {
				out[strings.Join(run[i:i+n], " ")]++
			}
		}
		run = run[:0]
	}
	prevEnd := 0
	for _, t := range an.Tokenize(text) {
		gap := strings.TrimSpace(text[prevEnd:t.Start])
		prevEnd = t.End
		if gap != "" || t.Term == "" || t.Kind == analyzer.Number {
			flush()
		}
		if t.Term != "" && t.Kind != analyzer.Number {
			run = append(run, t.Term)
		}
	}
	flush()
	return out
}

func keysOf(m map[string]int) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	return out
}

// baselineTop ranks counts by tf × ln(N/df) and returns the first k keys.
func baselineTop(counts map[string]int, st tags.Stats, k int) []string {
	type kv struct {
		k string
		s float64
	}
	n := float64(st.Docs())
	var all []kv
	for key, tf := range counts {
		all = append(all, kv{key, float64(tf) * math.Log(n/float64(max(st.DF(key), 1)))})
	}
	sort.Slice(all, func(i, j int) bool {
		if all[i].s != all[j].s {
			return all[i].s > all[j].s
		}
		return all[i].k < all[j].k
	})
	var out []string
	for _, e := range all[:min(k, len(all))] {
		out = append(out, e.k)
	}
	return out
}

// TagGrid is the parameter grid `eval tags --tune` searches (Title and Max
// stay at their defaults: the gold documents have no titles, and the
// metrics are at 10).
func TagGrid() []tags.Params {
	var out []tags.Params
	d := tags.DefaultParams()
	for _, tf := range []float64{0.5, 1} {
		for _, pos := range []float64{0, 0.3, 0.6} {
			for _, spread := range []float64{0, 1} {
				for _, phrase := range []float64{0, 1, 2, 4} {
					for _, coh := range []float64{0, 0.5} {
						for _, edge := range []float64{0, 0.5, 1} {
							p := d
							p.TF, p.Position, p.Spread, p.Phrase, p.Cohesion, p.Edge = tf, pos, spread, phrase, coh, edge
							out = append(out, p)
						}
					}
				}
			}
		}
	}
	return out
}

// Tune picks on the documents kept by on the grid's parameters with the best
// F1@10 (the first on a tie) and returns them.
func (r *TagRun) Tune(grid []tags.Params, on func(int) bool) (tags.Params, TagScores) {
	best, bestS := grid[0], r.Score(grid[0], on)
	for _, p := range grid[1:] {
		if s := r.Score(p, on); s.F1 > bestS.F1 {
			best, bestS = p, s
		}
	}
	return best, bestS
}
