package dedup

import (
	"cmp"
	"context"
	"fmt"
	"runtime"
	"slices"
	"sync"
	"time"
)

// Defaults chosen for marsad (see ChooseBanding and the package docs in
// docs/ARCHITECTURE.md):
//   - shingles of 3 analyzed terms: with stopwords removed and stems folded, three content
//     words are about five running words, the usual size for news near-duplicates;
//   - threshold 0.6: a copy shares at least 60 % of its shingles with the original. Wire
//     copies with an added intro or a cut ending stay above it; two reports of one event
//     written apart fall far below. Between 0.5 and 0.6 on saudinewsnet sit formulaic
//     texts that are not copies — the protocol telegrams "القيادة تهنئ رئيس …" to Chad, Côte
//     d'Ivoire and Singapore reach 0.51–0.57 against each other — and rewrites of one
//     wire item, which story clustering joins anyway; "also published by" must name copies.
//   - bands×rows from the S-curve for P(threshold) ≥ 0.99 within 128 hashes (ChooseBanding).
const (
	DefaultShingleSize = 3
	DefaultThreshold   = 0.6
	DefaultMinRecall   = 0.99
	DefaultMaxHashes   = 128
	// MinShingles: shorter bodies (captions, "كاريكاتير", teasers) are not
	// compared; a shared formula is not a copy.
	DefaultMinShingles = 10
	// DefaultMaxCandidates bounds the exact-Jaccard checks of one article.
	// Candidates are ranked by the number of band keys they share (its
	// expectation b·s^r rises steeply with the similarity s), so the cap
	// only cuts the weakest when a text has been copied dozens of times; it
	// keeps the cost per article flat however often a story is republished.
	DefaultMaxCandidates = 64
)

// Config sets the near-duplicate definition.
type Config struct {
	ShingleSize   int
	Threshold     float64
	MinShingles   int
	Bands, Rows   int
	MaxCandidates int
	// WireSources are the source keys of wire agencies whose copy becomes
	// the canonical article of a group (SPA is "was" in SaudiNewsNet).
	WireSources map[string]bool
}

// DefaultConfig returns the configuration used by the pipeline and evals.
func DefaultConfig() Config {
	b, r, _ := ChooseBanding(DefaultThreshold, DefaultMinRecall, DefaultMaxHashes)
	return Config{
		ShingleSize:   DefaultShingleSize,
		Threshold:     DefaultThreshold,
		MinShingles:   DefaultMinShingles,
		Bands:         b,
		Rows:          r,
		MaxCandidates: DefaultMaxCandidates,
		WireSources: map[string]bool{"was": true, "spa": true, "qna": true, "wam": true, "mena": true,
			"kuna": true, "bna": true, "ona": true, "petra": true, "sana": true, "afp": true, "reuters": true, "ap": true},
	}
}

// Doc is an article as the detector sees it.
type Doc struct {
	ID        int64
	Source    string
	Published time.Time
	BodyTerms []string
	// Sketch, when set, is Detector.Sketch(BodyTerms) computed beforehand
	// (the pipeline does it in its parallel prepare step).
	Sketch *Sketch
}

// Sketch is what the detector computes from a body: its shingles and LSH
// band keys (both nil for a body too short to compare).
type Sketch struct {
	Shingles []uint32
	Keys     []int64
}

// Entry is what the index keeps per compared article.
type Entry struct {
	ID          int64
	Source      string
	Published   time.Time
	Shingles    []uint32
	CanonicalID int64 // 0 when the article is canonical itself
}

// Posting says that article ID holds band key Key.
type Posting struct{ Key, ID int64 }

// Index persists entries and LSH band keys. The store implements it with
// an indexed table of band keys, so a lookup costs the same at any size.
// Every method takes a whole batch, so that a store answers it with a few
// statements instead of one per article.
type Index interface {
	// Indexed returns which of ids are indexed already.
	Indexed(ctx context.Context, ids []int64) (map[int64]bool, error)
	// Postings returns the indexed articles holding any of keys.
	Postings(ctx context.Context, keys []int64) ([]Posting, error)
	// Entries returns the indexed entries among ids (unknown ids are left out).
	Entries(ctx context.Context, ids []int64) ([]Entry, error)
	// Put stores new entries, keys[i] being the band keys of entries[i].
	// An entry whose ID is already indexed is left as it is.
	Put(ctx context.Context, entries []Entry, keys [][]int64) error
	// Relink points the group of oldCanonical (its copies and itself) to
	// newCanonical, which becomes canonical itself.
	Relink(ctx context.Context, oldCanonical, newCanonical int64) error
}

// Match is one verified near-duplicate of a new article.
type Match struct {
	ID      int64
	Jaccard float64
}

// Result is what the detector decided for one article.
type Result struct {
	Matches     []Match // verified, Jaccard ≥ threshold, best first
	CanonicalID int64   // canonical article of the group (0: the article is canonical)
	Relinked    int64   // a former canonical now pointing to this article (wire copy arrived later)
	Skipped     bool    // already indexed by an earlier run: nothing was done
	// TwinOf is the indexed article with exactly this shingle set, when
	// there is one: this article is indexed without band keys, and later
	// articles find (and report) the twin in its place, with the same Jaccard.
	TwinOf int64
}

// Detector finds near-duplicates of arriving articles and links copies.
type Detector struct {
	cfg Config
	mh  *MinHasher
	idx Index
}

// NewDetector returns a detector over idx.
func NewDetector(cfg Config, idx Index) *Detector {
	if cfg.MaxCandidates <= 0 {
		cfg.MaxCandidates = DefaultMaxCandidates
	}
	return &Detector{cfg: cfg, mh: NewMinHasher(cfg.Bands, cfg.Rows), idx: idx}
}

// Config returns the detector's configuration.
func (d *Detector) Config() Config { return d.cfg }

// Sketch returns the shingles and band keys of a body, nil for a body too
// short to compare.
func (d *Detector) Sketch(terms []string) (shingles []uint32, keys []int64) {
	sh := Shingles(terms, d.cfg.ShingleSize)
	if len(sh) < d.cfg.MinShingles {
		return nil, nil
	}
	return sh, d.mh.BandKeys(d.mh.Signature(sh))
}

// Add checks one article; see AddBatch.
func (d *Detector) Add(ctx context.Context, doc Doc) (Result, error) {
	res, err := d.AddBatch(ctx, []Doc{doc})
	if err != nil {
		return Result{}, err
	}
	return res[0], nil
}

// sketchAll computes the sketches of a batch on every core: MinHash is the
// only CPU-heavy step of the detector.
func (d *Detector) sketchAll(docs []Doc) []Sketch {
	out := make([]Sketch, len(docs))
	var todo []int
	for i, doc := range docs {
		if doc.Sketch != nil {
			out[i] = *doc.Sketch
		} else {
			todo = append(todo, i)
		}
	}
	workers := min(runtime.GOMAXPROCS(0), (len(todo)+31)/32)
	if workers <= 1 {
		for _, i := range todo {
			out[i].Shingles, out[i].Keys = d.Sketch(docs[i].BodyTerms)
		}
		return out
	}
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() {
			for k := w; k < len(todo); k += workers {
				i := todo[k]
				out[i].Shingles, out[i].Keys = d.Sketch(docs[i].BodyTerms)
			}
		})
	}
	wg.Wait()
	return out
}

// AddBatch checks docs, in order, against the index and against the docs
// before them in the batch, links each to its group's canonical article and
// indexes it. The canonical article of a group is the wire agency's copy if
// there is one, else the earliest published (then lowest id). Docs already
// indexed (a batch run again after a crash) are skipped.
//
// The index is read with two queries for the whole batch (postings of all
// band keys, then the entries of the best candidates and of their canonical
// articles) and written with one Put; only a relink, when a wire copy
// arrives after a paper's, writes in between.
func (d *Detector) AddBatch(ctx context.Context, docs []Doc) ([]Result, error) {
	results := make([]Result, len(docs))
	sks := d.sketchAll(docs)

	var keys []int64
	ids := make([]int64, len(docs))
	inBatch := make(map[int64]bool, len(docs))
	for i, sk := range sks {
		keys = append(keys, sk.Keys...)
		ids[i] = docs[i].ID
		inBatch[docs[i].ID] = true
	}
	if len(keys) == 0 {
		return results, nil
	}
	indexed, err := d.idx.Indexed(ctx, ids)
	if err != nil {
		return nil, fmt.Errorf("dedup indexed: %w", err)
	}
	slices.Sort(keys)
	keys = slices.Compact(keys)
	posts, err := d.idx.Postings(ctx, keys)
	if err != nil {
		return nil, fmt.Errorf("dedup postings: %w", err)
	}
	byKey := make(map[int64][]int64, len(posts))
	for _, p := range posts {
		byKey[p.Key] = append(byKey[p.Key], p.ID)
	}

	// Rank each doc's stored candidates by shared keys and fetch the best.
	ranked := make([][]int64, len(docs))
	want := map[int64]bool{}
	shared := map[int64]int{}
	for i, sk := range sks {
		if sk.Keys == nil || indexed[docs[i].ID] {
			continue
		}
		clear(shared)
		for _, k := range sk.Keys {
			for _, id := range byKey[k] {
				if !inBatch[id] {
					shared[id]++
				}
			}
		}
		ranked[i] = d.rank(shared)
		for _, id := range ranked[i] {
			want[id] = true
		}
	}
	known := map[int64]*Entry{}
	if err := d.fetch(ctx, known, want); err != nil {
		return nil, err
	}
	// Canonical articles of the candidates, for the group decision.
	clear(want)
	for _, e := range known {
		if e.CanonicalID != 0 && known[e.CanonicalID] == nil {
			want[e.CanonicalID] = true
		}
	}
	if err := d.fetch(ctx, known, want); err != nil {
		return nil, err
	}

	local := map[int64][]int64{} // band key → earlier docs of this batch
	var added []Entry
	var addedKeys [][]int64
	for i, doc := range docs {
		sk := sks[i]
		if indexed[doc.ID] {
			results[i].Skipped = true
			continue
		}
		if sk.Keys == nil {
			continue
		}
		// Earlier docs of the batch are candidates too, ranked the same way.
		cands := ranked[i]
		clear(shared)
		for _, k := range sk.Keys {
			for _, id := range local[k] {
				shared[id]++
			}
		}
		if len(shared) > 0 {
			cands = append(slices.Clip(cands), d.rank(shared)...)
		}
		res := &results[i]
		for _, id := range cands {
			c := known[id]
			if c == nil || id == doc.ID {
				continue
			}
			if j := Jaccard(sk.Shingles, c.Shingles); j >= d.cfg.Threshold {
				res.Matches = append(res.Matches, Match{ID: id, Jaccard: j})
			}
		}
		slices.SortFunc(res.Matches, func(a, b Match) int {
			if c := cmp.Compare(b.Jaccard, a.Jaccard); c != 0 {
				return c
			}
			return cmp.Compare(a.ID, b.ID)
		})
		entry := &Entry{ID: doc.ID, Source: doc.Source, Published: doc.Published, Shingles: sk.Shingles}
		if len(res.Matches) > 0 {
			best := known[res.Matches[0].ID]
			root := best
			if best.CanonicalID != 0 {
				if root = known[best.CanonicalID]; root == nil {
					root = &Entry{ID: best.CanonicalID}
				}
			}
			if d.precedes(*entry, *root) {
				if err := d.idx.Relink(ctx, root.ID, doc.ID); err != nil {
					return nil, fmt.Errorf("dedup relink %d to %d: %w", root.ID, doc.ID, err)
				}
				// The same relink on what this batch holds in memory.
				for _, e := range known {
					if e.ID == root.ID || e.CanonicalID == root.ID {
						e.CanonicalID = doc.ID
					}
				}
				res.Relinked = root.ID
			} else {
				entry.CanonicalID = root.ID
				res.CanonicalID = root.ID
			}
		}
		known[doc.ID] = entry
		added = append(added, Entry{ID: doc.ID})
		// An exact twin (same shingle set, hence the same band keys) of an
		// indexed article adds no band keys: its twin holds each of them, so
		// every later article that would find this one finds the twin, with
		// the same Jaccard, in the same group. Without this, a text copied n
		// times would leave n postings under each key and make every later
		// lookup read them all.
		if len(res.Matches) > 0 && res.Matches[0].Jaccard == 1 {
			res.TwinOf = res.Matches[0].ID
			addedKeys = append(addedKeys, nil)
			continue
		}
		for _, k := range sk.Keys {
			local[k] = append(local[k], doc.ID)
		}
		addedKeys = append(addedKeys, sk.Keys)
	}
	// Put the final state: a doc of this batch may have been relinked after it was checked.
	for i := range added {
		added[i] = *known[added[i].ID]
	}
	if len(added) > 0 {
		if err := d.idx.Put(ctx, added, addedKeys); err != nil {
			return nil, fmt.Errorf("dedup index: %w", err)
		}
	}
	return results, nil
}

// rank orders candidate ids by shared band keys, most first (then lowest
// id), and keeps at most MaxCandidates.
func (d *Detector) rank(shared map[int64]int) []int64 {
	if len(shared) == 0 {
		return nil
	}
	ids := make([]int64, 0, len(shared))
	for id := range shared {
		ids = append(ids, id)
	}
	slices.SortFunc(ids, func(a, b int64) int {
		if c := cmp.Compare(shared[b], shared[a]); c != 0 {
			return c
		}
		return cmp.Compare(a, b)
	})
	return ids[:min(len(ids), d.cfg.MaxCandidates)]
}

// fetch reads the entries of want that known lacks.
func (d *Detector) fetch(ctx context.Context, known map[int64]*Entry, want map[int64]bool) error {
	ids := make([]int64, 0, len(want))
	for id := range want {
		if known[id] == nil {
			ids = append(ids, id)
		}
	}
	if len(ids) == 0 {
		return nil
	}
	slices.Sort(ids)
	list, err := d.idx.Entries(ctx, ids)
	if err != nil {
		return fmt.Errorf("dedup entries: %w", err)
	}
	for i := range list {
		known[list[i].ID] = &list[i]
	}
	return nil
}

// precedes reports whether a should be canonical over b: wire first, then
// earliest published, then lowest id.
func (d *Detector) precedes(a, b Entry) bool {
	aw, bw := d.cfg.WireSources[a.Source], d.cfg.WireSources[b.Source]
	if aw != bw {
		return aw
	}
	if b.Published.IsZero() || a.Published.IsZero() {
		return false
	}
	if !a.Published.Equal(b.Published) {
		return a.Published.Before(b.Published)
	}
	return a.ID < b.ID
}

// MemIndex is an in-memory Index for evaluations and tests.
type MemIndex struct {
	entries map[int64]*Entry
	bands   map[int64][]int64
}

// NewMemIndex returns an empty in-memory index.
func NewMemIndex() *MemIndex {
	return &MemIndex{entries: map[int64]*Entry{}, bands: map[int64][]int64{}}
}

// Indexed implements Index.
func (m *MemIndex) Indexed(_ context.Context, ids []int64) (map[int64]bool, error) {
	out := map[int64]bool{}
	for _, id := range ids {
		if _, ok := m.entries[id]; ok {
			out[id] = true
		}
	}
	return out, nil
}

// Postings implements Index.
func (m *MemIndex) Postings(_ context.Context, keys []int64) ([]Posting, error) {
	var out []Posting
	for _, k := range keys {
		for _, id := range m.bands[k] {
			out = append(out, Posting{Key: k, ID: id})
		}
	}
	return out, nil
}

// Entries implements Index.
func (m *MemIndex) Entries(_ context.Context, ids []int64) ([]Entry, error) {
	var out []Entry
	for _, id := range ids {
		if e, ok := m.entries[id]; ok {
			out = append(out, *e)
		}
	}
	return out, nil
}

// Put implements Index.
func (m *MemIndex) Put(_ context.Context, entries []Entry, keys [][]int64) error {
	for i, e := range entries {
		if _, dup := m.entries[e.ID]; dup {
			continue
		}
		m.entries[e.ID] = &e
		for _, k := range keys[i] {
			m.bands[k] = append(m.bands[k], e.ID)
		}
	}
	return nil
}

// Relink implements Index (a scan: fine for evaluations, the store uses its
// canonical_id index).
func (m *MemIndex) Relink(_ context.Context, oldCanonical, newCanonical int64) error {
	for _, e := range m.entries {
		if e.ID == oldCanonical || e.CanonicalID == oldCanonical {
			e.CanonicalID = newCanonical
		}
	}
	if e, ok := m.entries[newCanonical]; ok {
		e.CanonicalID = 0
	}
	return nil
}

// Canonical returns the canonical id of an indexed article (itself when canonical).
func (m *MemIndex) Canonical(id int64) int64 {
	if e, ok := m.entries[id]; ok && e.CanonicalID != 0 {
		return e.CanonicalID
	}
	return id
}
