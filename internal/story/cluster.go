package story

import (
	"context"
	"fmt"
	"math"
	"slices"
	"time"
)

// DefaultParams are the clustering settings used by the pipeline, the
// rebuild command and the evaluation.
func DefaultParams() Params {
	return Params{
		// The title names the event; the lead (summary or first sentences)
		// says who did what; the body adds context shared with neighbouring
		// events, so it counts least.
		TitleWeight: 3, LeadWeight: 2, BodyWeight: 1, PhraseWeight: 0.5,
		LeadTerms: 40, BodyTerms: 60,
		MaxDocTerms: 120, MaxStoryTerms: 300, QueryTerms: 20,
		Threshold:      0.30,
		HalfLife:       72 * time.Hour,
		Window:         4 * 24 * time.Hour,
		MaxCandidates:  30,
		MemberWeight:   0.9,
		KeepMembers:    20,
		MergeThreshold: 0.5,
	}
}

// State is a story as the clusterer keeps it.
type State struct {
	ID       int64
	Centroid Vector // sum of the members' unit vectors (truncated)
	Size     int
	Sources  []string // distinct outlet keys, sorted
	First    time.Time
	Last     time.Time
	Title    string  // representative title
	TitleSim float64 // similarity of the representative article to the centroid when chosen
	TitleID  int64   // representative article
	// Members are the vectors of the story's most recent articles (at most
	// Params.KeepMembers), for nearest-member similarity.
	Members []Vector
}

// Index keeps stories, their term postings and document frequencies.
type Index interface {
	// Candidates returns the stories last seen at or after since that hold
	// any of terms in their postings, at most limit, best matching first.
	Candidates(ctx context.Context, terms []string, since time.Time, limit int) ([]*State, error)
	// Put creates (ID 0: the index assigns one) or updates a story and its
	// postings, and records that article belongs to it.
	Put(ctx context.Context, st *State, article int64) error
	// DocFreq returns the document frequency of each term and the number
	// of documents counted.
	DocFreq(ctx context.Context, terms []string) (df map[string]int, n int, err error)
	// Merge moves every article of story from into story into (already
	// updated by the caller: Put follows) and deletes from.
	Merge(ctx context.Context, into *State, from int64) error
	// AddDocFreq counts documents (each a set of features) into the
	// frequencies.
	AddDocFreq(ctx context.Context, docs [][]string) error
}

// Clusterer assigns documents to stories online.
type Clusterer struct {
	p   Params
	idx Index
}

// NewClusterer returns a clusterer over idx.
func NewClusterer(p Params, idx Index) *Clusterer { return &Clusterer{p: p, idx: idx} }

// Params returns the clusterer's parameters.
func (c *Clusterer) Params() Params { return c.p }

// Observe counts a batch of documents into the document frequencies. The
// pipeline calls it for a whole batch before assigning its members, so
// that the IDF an article sees depends on the batch, not on its position
// in it.
func (c *Clusterer) Observe(ctx context.Context, docs []*Doc) error {
	sets := make([][]string, 0, len(docs))
	for _, d := range docs {
		f := Features(d, &c.p)
		set := make([]string, 0, len(f))
		for t := range f {
			set = append(set, t)
		}
		slices.Sort(set)
		sets = append(sets, set)
	}
	if err := c.idx.AddDocFreq(ctx, sets); err != nil {
		return fmt.Errorf("story doc freq: %w", err)
	}
	return nil
}

// Vector returns the weighted unit vector of a document under the current
// document frequencies. idf = ln((N+1)/(df+1)) + 1, smoothed so that
// a term in every document still counts a little and an unseen term is
// not infinite.
func (c *Clusterer) Vector(ctx context.Context, d *Doc) (Vector, error) {
	f := Features(d, &c.p)
	terms := make([]string, 0, len(f))
	for t := range f {
		terms = append(terms, t)
	}
	df, n, err := c.idx.DocFreq(ctx, terms)
	if err != nil {
		return nil, fmt.Errorf("story doc freq: %w", err)
	}
	idf := func(t string) float64 {
		return math.Log(float64(n+1)/float64(df[t]+1)) + 1
	}
	return Weigh(f, idf, c.p.MaxDocTerms), nil
}

// foundingTitleSim is the similarity credited to a story's first article
// as representative: a later member replaces its title only when clearly
// typical of the story.
const foundingTitleSim = 0.6

// Assignment tells where a document went.
type Assignment struct {
	StoryID    int64
	New        bool
	Similarity float64 // decayed similarity to the story joined (0 for a new story)
}

// Add assigns d to the most similar recent story, or opens a new one.
func (c *Clusterer) Add(ctx context.Context, d *Doc) (Assignment, error) {
	v, err := c.Vector(ctx, d)
	if err != nil {
		return Assignment{}, err
	}
	cands, err := c.idx.Candidates(ctx, Top(v, c.p.QueryTerms), d.Published.Add(-c.p.Window), c.p.MaxCandidates)
	if err != nil {
		return Assignment{}, fmt.Errorf("story candidates for %d: %w", d.ID, err)
	}
	var best *State
	bestSim := 0.0
	for _, st := range cands {
		s := c.similarity(v, st) * c.decay(d.Published, st)
		if s > bestSim || (s == bestSim && best != nil && st.ID < best.ID) {
			best, bestSim = st, s
		}
	}
	if best == nil || bestSim < c.p.Threshold {
		st := &State{Centroid: v, Size: 1, Sources: []string{d.Source}, First: d.Published, Last: d.Published,
			Title: d.Title, TitleSim: foundingTitleSim, TitleID: d.ID}
		if c.p.KeepMembers > 0 {
			st.Members = []Vector{v}
		}
		if err := c.idx.Put(ctx, st, d.ID); err != nil {
			return Assignment{}, fmt.Errorf("story new for %d: %w", d.ID, err)
		}
		return Assignment{StoryID: st.ID, New: true}, nil
	}
	join(best, d, v, &c.p)
	// The article may bridge two fragments of one story: a candidate whose
	// centroid is now close to the joined story's centroid is merged into
	// it. Centroids average away each article's own wording, so two
	// fragments of one event look alike at this level while two events
	// that merely share actors (two matches of one club) do not.
	if c.p.MergeThreshold > 0 {
		for _, st := range cands {
			if st == best || st.ID == best.ID {
				continue
			}
			if Cosine(best.Centroid, st.Centroid)*c.decayStories(best, st) >= c.p.MergeThreshold {
				mergeInto(best, st, &c.p)
				if err := c.idx.Merge(ctx, best, st.ID); err != nil {
					return Assignment{}, fmt.Errorf("story merge %d into %d: %w", st.ID, best.ID, err)
				}
			}
		}
	}
	if err := c.idx.Put(ctx, best, d.ID); err != nil {
		return Assignment{}, fmt.Errorf("story join %d to %d: %w", d.ID, best.ID, err)
	}
	return Assignment{StoryID: best.ID, Similarity: bestSim}, nil
}

// similarity of a document vector to a story: the better of the centroid
// cosine and the nearest member's cosine scaled by MemberWeight. The
// centroid carries what a story's articles share; a big story that moves
// on (threats, then strikes, then reactions) drifts away from its own
// centroid, and its newest articles are then nearer to one recent member
// than to the average.
func (c *Clusterer) similarity(v Vector, st *State) float64 {
	s := Cosine(v, st.Centroid)
	if c.p.MemberWeight > 0 {
		for _, m := range st.Members {
			if ms := c.p.MemberWeight * Dot(v, m); ms > s {
				s = ms
			}
		}
	}
	return s
}

// decay is 2^(-Δ/HalfLife) for the time between the story's last article
// and d (0 inside the story's span: an older article arriving late is not
// penalised).
func (c *Clusterer) decay(t time.Time, st *State) float64 {
	var gap time.Duration
	switch {
	case t.After(st.Last):
		gap = t.Sub(st.Last)
	case t.Before(st.First):
		gap = st.First.Sub(t)
	}
	if c.p.HalfLife <= 0 || gap <= 0 {
		return 1
	}
	return math.Exp2(-float64(gap) / float64(c.p.HalfLife))
}

// decayStories is the time decay between two stories' spans.
func (c *Clusterer) decayStories(a, b *State) float64 {
	if b.First.After(a.Last) {
		return c.decay(b.First, a)
	}
	if a.First.After(b.Last) {
		return c.decay(a.First, b)
	}
	return 1
}

// mergeInto adds story b to a.
func mergeInto(a, b *State, p *Params) {
	a.Centroid = Add(a.Centroid, b.Centroid, 1, p.MaxStoryTerms)
	a.Size += b.Size
	for _, s := range b.Sources {
		if i, found := slices.BinarySearch(a.Sources, s); !found {
			a.Sources = slices.Insert(a.Sources, i, s)
		}
	}
	if b.First.Before(a.First) {
		a.First = b.First
	}
	if b.Last.After(a.Last) {
		a.Last = b.Last
	}
	if p.KeepMembers > 0 {
		a.Members = append(a.Members, b.Members...)
		if len(a.Members) > p.KeepMembers {
			a.Members = a.Members[len(a.Members)-p.KeepMembers:]
		}
	}
	if b.Size > a.Size-b.Size {
		a.Title, a.TitleSim, a.TitleID = b.Title, b.TitleSim, b.TitleID
	}
}

// join adds d to st.
func join(st *State, d *Doc, v Vector, p *Params) {
	st.Centroid = Add(st.Centroid, v, 1, p.MaxStoryTerms)
	st.Size++
	if p.KeepMembers > 0 {
		st.Members = append(st.Members, v)
		if len(st.Members) > p.KeepMembers {
			st.Members = st.Members[len(st.Members)-p.KeepMembers:]
		}
	}
	if i, found := slices.BinarySearch(st.Sources, d.Source); !found {
		st.Sources = slices.Insert(st.Sources, i, d.Source)
	}
	if d.Published.Before(st.First) {
		st.First = d.Published
	}
	if d.Published.After(st.Last) {
		st.Last = d.Published
	}
	// The representative title is the member most similar to the story
	// when it joined: the most typical headline, not merely the first.
	if s := Cosine(v, st.Centroid); s > st.TitleSim {
		st.Title, st.TitleSim, st.TitleID = d.Title, s, d.ID
	}
}
