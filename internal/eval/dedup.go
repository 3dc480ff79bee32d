package eval

import (
	"context"
	"fmt"
	"io"

	"github.com/marsad/marsad/internal/dedup"
)

// DedupReport is the outcome of the near-duplicate evaluation.
type DedupReport struct {
	N                     int // articles
	Compared              int // articles with enough shingles to compare
	TruePairs             int // pairs with exact Jaccard ≥ threshold (brute force)
	FoundPairs            int // pairs linked by the detector
	Correct               int // found pairs that are true pairs
	Candidates            int // LSH candidate checks
	Groups                int // copy groups (canonical + ≥1 copy)
	Precision, Recall, F1 float64
}

// dedupEvalBatch is the importer's batch size.
const dedupEvalBatch = 500

// Dedup runs the near-duplicate detector over items in arrival order and
// scores its links against the brute-force ground truth: the exact Jaccard
// of every pair of articles that share at least one shingle, found through
// an inverted index of shingles. terms is the analyzer.
func Dedup(ctx context.Context, items []NewsItem, terms func(string) []string, cfg dedup.Config) (*DedupReport, error) {
	idx := dedup.NewMemIndex()
	det := dedup.NewDetector(cfg, idx)
	rep := &DedupReport{N: len(items)}
	type pair struct{ a, b int64 }
	found := map[pair]bool{}
	shingles := make([][]uint32, len(items))
	// Exact-twin classes: the first article of each class, and its members.
	twinRoot := map[int64]int64{}
	twins := map[int64][]int64{}
	twinOf := func(id int64) int64 {
		if r, ok := twinRoot[id]; ok {
			return r
		}
		return id
	}
	// Batches as the pipeline hands them to the stage, so that the links
	// within a batch (found in memory) are scored too.
	for lo := 0; lo < len(items); lo += dedupEvalBatch {
		hi := min(len(items), lo+dedupEvalBatch)
		docs := make([]dedup.Doc, 0, hi-lo)
		for i := lo; i < hi; i++ {
			bt := terms(items[i].Body)
			shingles[i], _ = det.Sketch(bt)
			docs = append(docs, dedup.Doc{ID: int64(i + 1), Source: items[i].Source, Published: items[i].Published, BodyTerms: bt})
		}
		res, err := det.AddBatch(ctx, docs)
		if err != nil {
			return nil, err
		}
		for k, r := range res {
			id := docs[k].ID
			for _, m := range r.Matches {
				// A match stands for the matched article's earlier exact
				// twins too (same shingle set, same Jaccard): the detector
				// indexes a twin without band keys and reports it so.
				for _, z := range twins[twinOf(m.ID)] {
					if z != id {
						found[pair{min(z, id), max(z, id)}] = true
					}
				}
			}
			root := id
			if r.TwinOf != 0 {
				root = twinOf(r.TwinOf)
				twinRoot[id] = root
			}
			twins[root] = append(twins[root], id)
		}
	}
	// Ground truth: for each article, count shared shingles with every
	// earlier article through the postings, then the exact Jaccard.
	postings := map[uint32][]int32{}
	truth := map[pair]bool{}
	inter := map[int32]int{}
	for i, sh := range shingles {
		if sh == nil {
			continue
		}
		rep.Compared++
		clear(inter)
		for _, s := range sh {
			for _, j := range postings[s] {
				inter[j]++
			}
			postings[s] = append(postings[s], int32(i))
		}
		for j, n := range inter {
			jac := float64(n) / float64(len(sh)+len(shingles[j])-n)
			if jac >= cfg.Threshold {
				truth[pair{int64(j + 1), int64(i + 1)}] = true
			}
		}
	}
	rep.TruePairs, rep.FoundPairs = len(truth), len(found)
	for p := range found {
		if truth[p] {
			rep.Correct++
		}
	}
	rep.Precision = pairRatio(rep.Correct, rep.FoundPairs)
	rep.Recall = pairRatio(rep.Correct, rep.TruePairs)
	rep.F1 = fScore(rep.Precision, rep.Recall)
	groups := map[int64]int{}
	for i := range items {
		groups[idx.Canonical(int64(i+1))]++
	}
	for _, n := range groups {
		if n > 1 {
			rep.Groups++
		}
	}
	return rep, nil
}

// Print writes the report, metrics on the last line.
func (r *DedupReport) Print(w io.Writer, cfg dedup.Config) {
	fmt.Fprintf(w, "dedup: shingle=%d threshold=%.2f bands=%d rows=%d P(threshold)=%.4f P(threshold/2)=%.4f\n",
		cfg.ShingleSize, cfg.Threshold, cfg.Bands, cfg.Rows,
		dedup.CandidateProbability(cfg.Threshold, cfg.Bands, cfg.Rows), dedup.CandidateProbability(cfg.Threshold/2, cfg.Bands, cfg.Rows))
	fmt.Fprintf(w, "dedup: compared=%d true_pairs=%d found_pairs=%d correct=%d\n", r.Compared, r.TruePairs, r.FoundPairs, r.Correct)
	fmt.Fprintf(w, "eval dedup: precision=%.4f recall=%.4f f1=%.4f groups=%d n=%d\n", r.Precision, r.Recall, r.F1, r.Groups, r.N)
}

func pairRatio(a, b int) float64 {
	if b == 0 {
		return 1
	}
	return float64(a) / float64(b)
}

func fScore(p, r float64) float64 {
	if p+r == 0 {
		return 0
	}
	return 2 * p * r / (p + r)
}
