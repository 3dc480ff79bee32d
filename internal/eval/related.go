package eval

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"slices"
	"time"

	"github.com/marsad/marsad"
	"github.com/marsad/marsad/internal/analyzer"
	"github.com/marsad/marsad/internal/dedup"
	"github.com/marsad/marsad/internal/ingest"
	"github.com/marsad/marsad/internal/pipeline"
	"github.com/marsad/marsad/internal/related"
	"github.com/marsad/marsad/internal/related/relatedstage"
	"github.com/marsad/marsad/internal/story"
	"github.com/marsad/marsad/store/sqlite"
)

// ImportNews imports items (arrival order) into db through the standard
// pipeline (internal/ingest: analysis, index, dedup, stories), batchSize per
// batch, and returns the stored article id of every item by corpus id;
// an item the pipeline rejected has none.
func ImportNews(ctx context.Context, db *sqlite.DB, items []NewsItem, batchSize int) (map[string]int64, error) {
	return ImportNewsRelated(ctx, db, items, batchSize, relatedstage.Params())
}

// ImportNewsRelated is ImportNews with the related stage's parameters rp.
func ImportNewsRelated(ctx context.Context, db *sqlite.DB, items []NewsItem, batchSize int, rp related.Params) (map[string]int64, error) {
	an := analyzer.New()
	pl := pipeline.New(db, an, pipeline.WithStages(ingest.StagesWith(db, an, story.DefaultParams(), rp)...))
	for start := 0; start < len(items); start += batchSize {
		var raws []*marsad.RawArticle
		for _, it := range items[start:min(len(items), start+batchSize)] {
			raws = append(raws, it.Raw())
		}
		if _, err := pl.Ingest(ctx, raws); err != nil {
			return nil, fmt.Errorf("import: %w", err)
		}
	}
	return StoredIDs(ctx, db, items)
}

// StoredIDs returns the stored article id of every item by corpus id (found
// by canonical URL); items the store does not hold are left out.
func StoredIDs(ctx context.Context, db marsad.ArticleService, items []NewsItem) (map[string]int64, error) {
	ids := map[string]int64{}
	for _, it := range items {
		canon, err := dedup.CanonicalURL(it.URL)
		if err != nil {
			continue
		}
		a, err := db.FindArticleByURL(ctx, canon)
		if marsad.ErrorCode(err) == marsad.ENOTFOUND {
			continue
		} else if err != nil {
			return nil, fmt.Errorf("%s: %w", it.ID, err)
		}
		ids[it.ID] = a.ID
	}
	return ids, nil
}

// RelatedScores are the related-lists figures of one run over a gold window.
type RelatedScores struct {
	// PAt5 is the mean precision of the first k labelled similar entries,
	// k = min(5, the copy groups of the article's gold story other than
	// its own): an article whose story has two members can place one
	// relevant entry, so it is scored on one. Entries published outside
	// the gold window have no label and are skipped (a condensed list);
	// AllPAt5 counts them as misses instead.
	PAt5, AllPAt5 float64
	// BadLists counts lists (similar or read-also) holding the article, a
	// copy of it, one copy group twice, or an entry of the other list.
	BadLists int
	// ReadAlsoOther is the share of read-also entries outside the
	// article's gold story; ReadAlso their number.
	ReadAlsoOther float64
	ReadAlso      int
	// N is the number of articles scored, Lists the lists checked.
	N, Lists int
}

// ScoreRelated computes the lists of every stored article of a gold story
// of two or more (articles sharing a URL are one stored article, scored
// once) and scores them against the gold stories. ids maps corpus ids to
// stored ids (ImportNews).
func ScoreRelated(ctx context.Context, db marsad.Store, f *related.Finder, gold *StoryGold, ids map[string]int64) (RelatedScores, error) {
	return ScoreRelatedDump(ctx, db, f, gold, ids, nil)
}

// RelatedListDump is one scored article's lists as ScoreRelatedDump writes
// them: what a reader of the misses needs.
type RelatedListDump struct {
	ID        int64           `json:"id"`
	Story     string          `json:"story"`  // gold story
	System    int64           `json:"system"` // system story
	Source    string          `json:"source"`
	Published time.Time       `json:"published"`
	K         int             `json:"k"`         // entries judged
	Hits      int             `json:"hits"`      // relevant among them
	Relevant  []int64         `json:"relevant"`  // copy groups of the gold story
	Similar   []RelatedDumped `json:"similar"`   // as listed
	ReadAlso  []RelatedDumped `json:"read_also"` // as listed
}

// RelatedDumped is one list entry with its gold label ("" outside the window).
type RelatedDumped struct {
	ID        int64     `json:"id"`
	Group     int64     `json:"group"`
	Story     string    `json:"story"`
	System    int64     `json:"system"`
	Source    string    `json:"source"`
	Published time.Time `json:"published"`
	Score     float64   `json:"score"`
}

// ScoreRelatedDump is ScoreRelated writing, when w is not nil, one JSON
// line per scored article (RelatedListDump), for reading where a list
// loses.
func ScoreRelatedDump(ctx context.Context, db marsad.Store, f *related.Finder, gold *StoryGold, ids map[string]int64, w io.Writer) (RelatedScores, error) {
	var s RelatedScores
	storyOf := map[int64]string{}
	members := map[string]map[int64]bool{} // gold story → stored ids
	for id, st := range gold.Labels {
		aid, ok := ids[id]
		if !ok {
			continue
		}
		storyOf[aid] = st
		if members[st] == nil {
			members[st] = map[int64]bool{}
		}
		members[st][aid] = true
	}
	groups := map[int64]int64{} // stored id → copy group
	groupOf := func(id int64) (int64, error) {
		if g, ok := groups[id]; ok {
			return g, nil
		}
		a, err := db.FindArticleByID(ctx, id)
		if err != nil {
			return 0, err
		}
		g := a.ID
		if a.CanonicalID != 0 {
			g = a.CanonicalID
		}
		groups[id] = g
		return g, nil
	}
	var sumP, sumAll float64
	var raOther int
	for _, aid := range slices.Sorted(maps.Keys(storyOf)) {
		st := storyOf[aid]
		if len(members[st]) < 2 {
			continue
		}
		a, err := db.FindArticleByID(ctx, aid)
		if err != nil {
			return s, err
		}
		self, err := groupOf(aid)
		if err != nil {
			return s, err
		}
		relevant := map[int64]bool{}
		for m := range members[st] {
			g, err := groupOf(m)
			if err != nil {
				return s, err
			}
			if g != self {
				relevant[g] = true
			}
		}
		lists, err := f.Find(ctx, a)
		if err != nil {
			return s, err
		}
		onPage := map[int64]bool{}
		for li, l := range [][]related.Entry{lists.ReadAlso, lists.Similar} {
			s.Lists++
			bad := false
			seen := map[int64]bool{}
			for _, e := range l {
				g, err := groupOf(e.ID)
				if err != nil {
					return s, err
				}
				if e.ID == aid || g == self || seen[g] || (li == 1 && onPage[g]) {
					bad = true
				}
				seen[g], onPage[g] = true, true
				if li == 0 {
					s.ReadAlso++
					if storyOf[e.ID] != st {
						raOther++
					}
				}
			}
			if bad {
				s.BadLists++
			}
		}
		if len(relevant) == 0 {
			continue // its story is copies of one text: nothing to find
		}
		// Entries outside the gold window (the archive runs for six weeks)
		// have no label: the condensed list skips them, AllPAt5
		// counts them as misses.
		k := min(5, len(relevant))
		hits, judged, all := 0, 0, 0
		for i, e := range lists.Similar {
			lab, ok := storyOf[e.ID]
			if i < k && lab == st {
				all++
			}
			if !ok || judged == k {
				continue
			}
			judged++
			if lab == st {
				hits++
			}
		}
		if w != nil {
			d := RelatedListDump{ID: aid, Story: st, System: a.StoryID, Source: a.Source, Published: a.Published, K: k, Hits: hits,
				Relevant: slices.Sorted(maps.Keys(relevant))}
			for li, l := range [][]related.Entry{lists.Similar, lists.ReadAlso} {
				for _, e := range l {
					g, err := groupOf(e.ID)
					if err != nil {
						return s, err
					}
					de := RelatedDumped{ID: e.ID, Group: g, Story: storyOf[e.ID], System: e.StoryID,
						Source: e.Source, Published: e.Published, Score: e.Score}
					if li == 0 {
						d.Similar = append(d.Similar, de)
					} else {
						d.ReadAlso = append(d.ReadAlso, de)
					}
				}
			}
			if err := json.NewEncoder(w).Encode(d); err != nil {
				return s, err
			}
		}
		sumP += float64(hits) / float64(k)
		sumAll += float64(all) / float64(k)
		s.N++
	}
	if s.N > 0 {
		s.PAt5, s.AllPAt5 = sumP/float64(s.N), sumAll/float64(s.N)
	}
	if s.ReadAlso > 0 {
		s.ReadAlsoOther = float64(raOther) / float64(s.ReadAlso)
	}
	return s, nil
}

// WriteRelated prints one line of scores, prefixed by name, ending with
// the baseline's precision when base is not nil.
func WriteRelated(w io.Writer, name string, s RelatedScores, base *RelatedScores) {
	fmt.Fprintf(w, "%s: p_at5=%.4f p_at5_all=%.4f bad_lists=%d read_also=%d read_also_other_story=%.4f lists=%d n=%d",
		name, s.PAt5, s.AllPAt5, s.BadLists, s.ReadAlso, s.ReadAlsoOther, s.Lists, s.N)
	if base != nil {
		fmt.Fprintf(w, " baseline_p_at5=%.4f baseline_p_at5_all=%.4f", base.PAt5, base.AllPAt5)
	}
	fmt.Fprintln(w)
}
