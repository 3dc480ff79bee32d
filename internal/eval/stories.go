package eval

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/marsad/marsad/internal/story"
)

// StoryGold is one reading of a window: article id → story label.
type StoryGold struct {
	Name   string
	Labels map[string]string
}

// ReadStoryGold reads a story_gold labels file ({"id","story",…} per line).
// Its name is the file name without extension.
func ReadStoryGold(path string) (*StoryGold, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("read gold %s: %w", path, err)
	}
	defer f.Close()
	g := &StoryGold{Name: strings.TrimSuffix(filepath.Base(path), filepath.Ext(path)), Labels: map[string]string{}}
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for n := 1; sc.Scan(); n++ {
		var row struct{ ID, Story string }
		if err := json.Unmarshal(sc.Bytes(), &row); err != nil {
			return nil, fmt.Errorf("%s:%d: %w", path, n, err)
		}
		g.Labels[row.ID] = row.Story
	}
	return g, sc.Err()
}

// ReadStoryGolds reads several readings (see ReadStoryGold).
func ReadStoryGolds(paths []string) ([]*StoryGold, error) {
	var gs []*StoryGold
	for _, p := range paths {
		g, err := ReadStoryGold(p)
		if err != nil {
			return nil, err
		}
		gs = append(gs, g)
	}
	return gs, nil
}

// ClusterScores are B-cubed and pairwise precision/recall/F1.
type ClusterScores struct {
	BPrecision, BRecall, BF1 float64
	PPrecision, PRecall, PF1 float64
	N                        int
}

// ScoreClusters compares a predicted clustering with gold labels over the
// items both know.
func ScoreClusters(pred, gold map[string]string) ClusterScores {
	var ids []string
	for id := range gold {
		if _, ok := pred[id]; ok {
			ids = append(ids, id)
		}
	}
	type key struct{ p, g string }
	cell := map[key]int{}
	ps, gs := map[string]int{}, map[string]int{}
	for _, id := range ids {
		p, g := pred[id], gold[id]
		cell[key{p, g}]++
		ps[p]++
		gs[g]++
	}
	var s ClusterScores
	s.N = len(ids)
	if s.N == 0 {
		return s
	}
	for _, id := range ids {
		c := float64(cell[key{pred[id], gold[id]}])
		s.BPrecision += c / float64(ps[pred[id]])
		s.BRecall += c / float64(gs[gold[id]])
	}
	s.BPrecision /= float64(s.N)
	s.BRecall /= float64(s.N)
	s.BF1 = fScore(s.BPrecision, s.BRecall)
	pairs := func(n int) int { return n * (n - 1) / 2 }
	tp, pp, gp := 0, 0, 0
	for _, c := range cell {
		tp += pairs(c)
	}
	for _, c := range ps {
		pp += pairs(c)
	}
	for _, c := range gs {
		gp += pairs(c)
	}
	s.PPrecision, s.PRecall = pairRatio(tp, pp), pairRatio(tp, gp)
	s.PF1 = fScore(s.PPrecision, s.PRecall)
	return s
}

// Format prints the scores in the eval line form.
func (s ClusterScores) Format() string {
	return fmt.Sprintf("bcubed_precision=%.4f bcubed_recall=%.4f bcubed_f1=%.4f pair_precision=%.4f pair_recall=%.4f pair_f1=%.4f n=%d",
		s.BPrecision, s.BRecall, s.BF1, s.PPrecision, s.PRecall, s.PF1, s.N)
}

// StoryDocs turns corpus items into clustering documents with the
// analyzer terms.
func StoryDocs(items []NewsItem, terms func(string) []string) []*story.Doc {
	docs := make([]*story.Doc, len(items))
	for i, it := range items {
		docs[i] = &story.Doc{
			ID: int64(i + 1), Source: it.Source, Published: it.Published, Title: it.Title, Category: it.Category,
			TitleTerms: terms(it.Title), BodyTerms: terms(it.Body),
		}
	}
	return docs
}

// ClusterOnline clusters docs (in arrival order) with an in-memory model,
// counting each into the document frequencies just before placing it and
// taking the changes every batchSize docs, as the pipeline stage does
// (without the store and without dedup links). It returns the story of
// each doc.
func ClusterOnline(docs []*story.Doc, p story.Params, batchSize int) []int64 {
	m := story.NewModel(p, nil, 1)
	out := make([]int64, len(docs))
	for start := 0; start < len(docs); start += batchSize {
		batch := docs[start:min(len(docs), start+batchSize)]
		for i, d := range batch {
			m.Observe([]*story.Doc{d})
			out[start+i] = m.Add(d).StoryID
		}
		final := m.TakeChanges()
		for i := range out[:start+len(batch)] {
			for {
				into, ok := final.Merged[out[i]]
				if !ok {
					break
				}
				out[i] = into
			}
		}
		m.Evict()
	}
	return out
}

// StoriesReport prints one line per reading and the mean last. When base
// (the baseline's clustering of the same window) is given, each line also
// carries its B-cubed F1 as baseline_bcubed_f1, before n.
func StoriesReport(w io.Writer, pred, base map[string]string, golds []*StoryGold) ClusterScores {
	var mean ClusterScores
	var meanBase float64
	line := func(prefix string, s ClusterScores, b float64) {
		f := s.Format()
		if base != nil {
			head, n, _ := strings.Cut(f, " n=")
			f = fmt.Sprintf("%s baseline_bcubed_f1=%.4f n=%s", head, b, n)
		}
		fmt.Fprintf(w, "eval stories: %s%s\n", prefix, f)
	}
	for _, g := range golds {
		s := ScoreClusters(pred, g.Labels)
		var b float64
		if base != nil {
			b = ScoreClusters(base, g.Labels).BF1
		}
		line("gold="+g.Name+" ", s, b)
		k := float64(len(golds))
		mean.BPrecision += s.BPrecision / k
		mean.BRecall += s.BRecall / k
		mean.BF1 += s.BF1 / k
		mean.PPrecision += s.PPrecision / k
		mean.PRecall += s.PRecall / k
		mean.PF1 += s.PF1 / k
		mean.N = s.N
		meanBase += b / k
	}
	line("", mean, meanBase)
	return mean
}

// WriteStoryLabels writes a predicted clustering as story_gold-style JSONL
// ({"id","story"} per line, sorted by id), for comparing runs offline.
func WriteStoryLabels(path string, pred map[string]string) error {
	ids := make([]string, 0, len(pred))
	for id := range pred {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	var b strings.Builder
	for _, id := range ids {
		line, err := json.Marshal(struct {
			ID    string `json:"id"`
			Story string `json:"story"`
		}{id, pred[id]})
		if err != nil {
			return err
		}
		b.Write(line)
		b.WriteByte('\n')
	}
	if err := os.WriteFile(path, []byte(b.String()), 0o644); err != nil {
		return fmt.Errorf("write story labels: %w", err)
	}
	return nil
}
