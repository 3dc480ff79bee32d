package dedup

import (
	"context"
	"fmt"
	"slices"
	"time"
)

// Defaults chosen for marsad (see ChooseBanding and the package docs in
// docs/ARCHITECTURE.md):
//   - shingles of 3 analyzed terms: with stopwords removed and stems folded, three content
//     words are about five running words, the usual size for news near-duplicates;
//   - threshold 0.5: a copy shares at least half of its shingles with the original (wire
//     copies with an added intro or a cut ending stay above it, two reports of one event
//     written apart fall far below);
//   - bands×rows from the S-curve for P(0.5) ≥ 0.99 within 128 hashes: 35×3.
const (
	DefaultShingleSize = 3
	DefaultThreshold   = 0.5
	DefaultMinRecall   = 0.99
	DefaultMaxHashes   = 128
	// MinShingles: shorter bodies (captions, "كاريكاتير", teasers) are not
	// compared; a shared formula is not a copy.
	DefaultMinShingles = 10
)

// Config sets the near-duplicate definition.
type Config struct {
	ShingleSize int
	Threshold   float64
	MinShingles int
	Bands, Rows int
	// WireSources are the source keys of wire agencies whose copy becomes
	// the canonical article of a group (SPA is "was" in SaudiNewsNet).
	WireSources map[string]bool
}

// DefaultConfig returns the configuration used by the pipeline and evals.
func DefaultConfig() Config {
	b, r, _ := ChooseBanding(DefaultThreshold, DefaultMinRecall, DefaultMaxHashes)
	return Config{
		ShingleSize: DefaultShingleSize,
		Threshold:   DefaultThreshold,
		MinShingles: DefaultMinShingles,
		Bands:       b,
		Rows:        r,
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
}

// Entry is what the index keeps per article.
type Entry struct {
	ID          int64
	Source      string
	Published   time.Time
	Hash        uint64
	Shingles    []uint32
	CanonicalID int64 // 0 when the article is canonical itself
}

// Index persists entries and LSH band keys. The store implements it with
// an indexed table of band keys, so a lookup costs the same at any size.
type Index interface {
	// Lookup returns the entries that share the content hash or any band
	// key, except exclude.
	Lookup(ctx context.Context, hash uint64, keys []int64, exclude int64) ([]Entry, error)
	// Entry returns one entry; ok is false when the article is not indexed.
	Entry(ctx context.Context, id int64) (e Entry, ok bool, err error)
	// Put stores an entry with its band keys (idempotent per ID).
	Put(ctx context.Context, e Entry, keys []int64) error
	// Relink points the group of oldCanonical (its copies and itself) to
	// newCanonical, which becomes canonical itself.
	Relink(ctx context.Context, oldCanonical, newCanonical int64) error
}

// Match is one verified near-duplicate of a new article.
type Match struct {
	ID      int64
	Jaccard float64
}

// Result is what Check decided for one article.
type Result struct {
	Hash        uint64
	Matches     []Match // verified, Jaccard ≥ threshold, best first
	CanonicalID int64   // canonical article of the group (0: the article is canonical)
	Relinked    int64   // a former canonical now pointing to this article (wire copy arrived later)
}

// Detector finds near-duplicates of arriving articles and links copies.
type Detector struct {
	cfg Config
	mh  *MinHasher
	idx Index
}

// NewDetector returns a detector over idx.
func NewDetector(cfg Config, idx Index) *Detector {
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

// Add checks doc against the index, links it to its group's canonical
// article and indexes it. The canonical article of a group is the wire
// agency's copy if there is one, else the earliest published (then lowest id).
func (d *Detector) Add(ctx context.Context, doc Doc) (Result, error) {
	res := Result{Hash: ContentHash(doc.BodyTerms)}
	sh, keys := d.Sketch(doc.BodyTerms)
	if sh == nil {
		return res, nil
	}
	cands, err := d.idx.Lookup(ctx, res.Hash, keys, doc.ID)
	if err != nil {
		return res, fmt.Errorf("dedup lookup %d: %w", doc.ID, err)
	}
	byID := map[int64]Entry{}
	for _, c := range cands {
		j := Jaccard(sh, c.Shingles)
		if j >= d.cfg.Threshold {
			res.Matches = append(res.Matches, Match{ID: c.ID, Jaccard: j})
			byID[c.ID] = c
		}
	}
	slices.SortFunc(res.Matches, func(a, b Match) int {
		if a.Jaccard != b.Jaccard {
			if a.Jaccard > b.Jaccard {
				return -1
			}
			return 1
		}
		return int(a.ID - b.ID)
	})
	entry := Entry{ID: doc.ID, Source: doc.Source, Published: doc.Published, Hash: res.Hash, Shingles: sh}
	if len(res.Matches) > 0 {
		best := byID[res.Matches[0].ID]
		root := best
		if best.CanonicalID != 0 {
			r, ok, err := d.idx.Entry(ctx, best.CanonicalID)
			if err != nil {
				return res, fmt.Errorf("dedup canonical of %d: %w", best.ID, err)
			}
			if ok {
				root = r
			} else {
				root = Entry{ID: best.CanonicalID}
			}
		}
		if d.precedes(entry, root) {
			if err := d.idx.Relink(ctx, root.ID, doc.ID); err != nil {
				return res, fmt.Errorf("dedup relink %d to %d: %w", root.ID, doc.ID, err)
			}
			res.Relinked = root.ID
		} else {
			entry.CanonicalID = root.ID
			res.CanonicalID = root.ID
		}
	}
	if err := d.idx.Put(ctx, entry, keys); err != nil {
		return res, fmt.Errorf("dedup index %d: %w", doc.ID, err)
	}
	return res, nil
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
	hashes  map[uint64][]int64
}

// NewMemIndex returns an empty in-memory index.
func NewMemIndex() *MemIndex {
	return &MemIndex{entries: map[int64]*Entry{}, bands: map[int64][]int64{}, hashes: map[uint64][]int64{}}
}

// Lookup implements Index.
func (m *MemIndex) Lookup(_ context.Context, hash uint64, keys []int64, exclude int64) ([]Entry, error) {
	seen := map[int64]bool{exclude: true}
	var out []Entry
	add := func(id int64) {
		if !seen[id] {
			seen[id] = true
			out = append(out, *m.entries[id])
		}
	}
	for _, id := range m.hashes[hash] {
		add(id)
	}
	for _, k := range keys {
		for _, id := range m.bands[k] {
			add(id)
		}
	}
	return out, nil
}

// Entry implements Index.
func (m *MemIndex) Entry(_ context.Context, id int64) (Entry, bool, error) {
	e, ok := m.entries[id]
	if !ok {
		return Entry{}, false, nil
	}
	return *e, true, nil
}

// Put implements Index.
func (m *MemIndex) Put(_ context.Context, e Entry, keys []int64) error {
	if _, dup := m.entries[e.ID]; dup {
		return nil
	}
	m.entries[e.ID] = &e
	m.hashes[e.Hash] = append(m.hashes[e.Hash], e.ID)
	for _, k := range keys {
		m.bands[k] = append(m.bands[k], e.ID)
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
