package story

import (
	"math"
	"slices"
	"time"
)

// Params are the clustering weights and thresholds. Every value has a
// reason in DefaultParams.
type Params struct {
	TitleWeight, LeadWeight, BodyWeight float64
	TitlePhraseWeight, PhraseWeight     float64 // adjacent-pair features of title and lead
	EntityWeight                        float64 // extra count of a title term the lead repeats
	LeadTerms, BodyTerms                int     // how many lead/body terms count
	MaxDocTerms, MaxStoryTerms          int     // vector truncation
	PostingTerms                        int     // heaviest centroid terms posted per story
	QueryTerms                          int     // heaviest document terms looked up
	MaxCandidates                       int     // stories scored per document
	Threshold                           float64 // decayed similarity needed to join
	HalfLife                            time.Duration
	Window                              time.Duration // no join across a larger gap
	MemberWeight                        float64       // scale of the nearest-member link (0: centroid only)
	MemberK                             int           // nearest members averaged for the member link (0, 1: the nearest alone)
	CentroidFloor                       float64       // centroid cosine (unboosted) needed before members count
	KeepMembers                         int           // recent member vectors kept per story
	MergeThreshold                      float64       // centroid cosine at which two stories merge (0: never)
	SizeBoost                           float64       // centroid similarity scale per ln(size)
	SizeBoostCap                        int           // size beyond which the boost stops growing
	// ExactMembers makes the learned join scan the members of every
	// candidate, even one whose member bound already shows it cannot
	// reach the threshold: the same decisions, slower (to check the bound).
	ExactMembers bool
	// CentroidHalfLife is the age at which a member counts half in its
	// story's centroid and mass (0: every member counts fully, forever).
	CentroidHalfLife time.Duration
	// CategoryIDF blends the IDF a term has among the articles of the
	// document's own section into its global IDF (0: global only, 1:
	// section only; geometric blend in between).
	CategoryIDF float64
	// CategoryMinDocs is how many articles a section needs before its
	// own IDF is trusted.
	CategoryMinDocs int
	// AttachThreshold is the similarity at which refine attaches a
	// one-article story published within AttachWindow to a dominant story
	// (0: no refinement); refine runs once every AttachEvery of published
	// time.
	AttachThreshold           float64
	AttachWindow, AttachEvery time.Duration
	// AttachMinShare is the share of the recent mass of all active stories
	// (see State.Mass) that makes a story dominant.
	AttachMinShare float64
	// Learned, when set, decides the join: an article joins its most
	// probable candidate when that probability reaches
	// Learned.Threshold (Threshold, HalfLife, SizeBoost, MemberWeight
	// then play no part in the join).
	Learned *Weights
}

// DefaultParams are the clustering settings used by the pipeline, the
// rebuild command and the evaluation.
//
// The figures quoted for each setting are mean B-cubed F1 on the gold
// window of ant_multisource (12–15 April 2018) and on that window scored
// inside an 8–15 April run. Except for Threshold and SizeBoost they were
// measured while a batch of 100 articles was counted into the IDF before
// its articles were placed; after the switch to counting each article
// just before placing it, every other setting was varied again around its
// value and none scored better on both windows.
func DefaultParams() Params {
	return Params{
		// The title names the event; the lead (first sentences) says who
		// did what; the body adds context shared with neighbouring events,
		// so it counts least.
		TitleWeight: 3, LeadWeight: 2, BodyWeight: 1,
		TitlePhraseWeight: 1, PhraseWeight: 0.5,
		// Entity-like terms: a title term the lead repeats names who or
		// what the event is about, and counts 3 more (as if it were a
		// second title). The title alone is often a quote or a pun; the
		// words it shares with the first sentence are the actors. Gold
		// window 0.818 → 0.823, 8–15 April run 0.824 → 0.827 (1: 0.818,
		// 0.822; 6: 0.824, 0.825: a flat optimum, not a sharp one).
		EntityWeight: 3,
		LeadTerms:    40, BodyTerms: 60,
		MaxDocTerms: 80, MaxStoryTerms: 200,
		// Retrieval must not hide the right story: looking up only the 20
		// heaviest terms of an article, the big, wordy stories were often
		// not among its candidates at all (ant window: mean B-cubed F1 0.78
		// with 20 terms, 0.80 with 40; 20 or 60 candidates score the same).
		PostingTerms: 40, QueryTerms: 40, MaxCandidates: 20,
		// A big story's centroid is spread over many terms, so its own
		// members sit at a lower cosine to it than to a one-article story
		// (ant window, gold stories of >10 articles: members at 0.2–0.3,
		// outsiders almost all below 0.1). The centroid similarity is scaled
		// by 1 + 0.18·ln(size), growing no more past 30 articles so that no
		// story becomes a sink for its whole topic. Two articles need 0.30
		// to start a story; a story of 30 takes an article at a centroid
		// cosine of 0.19. Chosen once articles were counted one by one into
		// the IDF (see Observe): over a grid of 0.26–0.34 × 0.10–0.24 the
		// gold window and the 8–15 April run both sit within 0.005 of their
		// best around 0.28–0.31 × 0.15–0.20 (0.839 and 0.840 here, analyzer
		// v5), and fall off a cliff at 0.34 (0.75: the Syria story breaks
		// up).
		Threshold: 0.30,
		SizeBoost: 0.18, SizeBoostCap: 30,
		// A story's centroid and the mass that sizes its boost follow what
		// it has been about lately: a member counts half after 8 hours, an
		// eighth after a day. Outlets cover an event in a burst of hours;
		// a topic that gets an article or two a day (a club's season, the
		// Gaza border, Yemen's front lines) then never builds the mass of a
		// burst, so it cannot grow into a sink that every later article of
		// the topic joins. Over 8–15 April of ant_multisource, counting
		// members forever chained a week of football (142 articles), the
		// T4 airbase strike into the Western strikes, and Facebook over 7
		// days; the gold window scored inside that run rose from B-cubed F1
		// 0.73 to 0.81 (12 h: 0.78, 6 h: 0.80), the gold window alone from
		// 0.80 to 0.81.
		CentroidHalfLife: 8 * time.Hour,
		// A club's name tells football articles apart from politics, not one
		// match from another: within the sport section "برشلونه" is as
		// common as "سوريا" is in world news. Weights use mostly the IDF
		// a term has among the articles of the document's own section
		// (publisher category), blended with the global IDF so that a term
		// rare everywhere still counts; a section with fewer than 50
		// articles counted uses the global IDF alone. Gold window 0.81 →
		// 0.82, 8–15 April run 0.81 → 0.82 (section IDF alone: 0.816 and
		// 0.819; half-blend: 0.822 and 0.800).
		CategoryIDF: 0.75, CategoryMinDocs: 50,
		HalfLife:       72 * time.Hour,
		Window:         4 * 24 * time.Hour,
		MemberWeight:   0.9,
		KeepMembers:    20,
		MergeThreshold: 0.5,
		// A story that holds a tenth of everything published lately (its
		// mass against the mass of all active stories: the Syria strikes,
		// the Abha mosque bombing) is covered from every angle, and its
		// reactions and analyses share less wording with it than follow-ups
		// of a small story do: every 6 hours of published time, the
		// one-article stories of the last 36 hours join such a story at
		// similarity 0.23 instead of the join threshold (see refine). Only dominant
		// stories take them: attaching singletons to any story at 0.21 cost
		// 0.02–0.03 (shared clubs, shared leaders), and on saudinewsnet it
		// fed the slow topic sinks (a club's season, royal telegrams),
		// which never hold a tenth of the recent mass. Gold window 0.824 →
		// 0.835, 8–15 April run 0.829 → 0.834; a share of 0.08–0.15 scores
		// the same, a threshold of 0.22–0.24 within 0.002 (0.21 also joined
		// the Trump–Abadi call of 8 April to the Syria story).
		AttachThreshold: 0.23, AttachWindow: 36 * time.Hour, AttachEvery: 6 * time.Hour, AttachMinShare: 0.1,
		// The join itself is learned (see Weights and weights.json): the
		// hand-set rule above (Threshold, SizeBoost, MemberWeight,
		// HalfLife) still decides the second look, but no longer the join.
		Learned: ShippedWeights(),
	}
}

// Member is one recent article of a story.
type Member struct {
	ID        int64
	Published time.Time
	Vec       Vector
}

// State is a story as the clusterer keeps it.
type State struct {
	ID       int64
	Centroid Vector // sum of the members' unit vectors (truncated), decayed to At
	Size     int
	// Mass is the members' decayed weight at At (Size when the centroid
	// does not decay): how many articles the story has had lately.
	Mass     float64
	At       time.Time
	Sources  []string // distinct outlet keys, sorted
	First    time.Time
	Last     time.Time
	Title    string  // representative title
	TitleSim float64 // similarity of the representative article to the story when chosen, fading (see age)
	TitleID  int64   // representative article
	// Members are the story's most recent articles (at most
	// Params.KeepMembers), for nearest-member similarity.
	Members []Member

	posted []uint64 // the terms posted for it in the model, sorted
	// bound holds, for every term of the kept members, its largest weight
	// among them (nil: not computed since Members changed). Weights are
	// positive, so Dot(v, bound) is at least Dot(v, m) for every member:
	// the learned join skips the member scan of a story that cannot win.
	bound Vector
	gone  bool // merged away or evicted: its postings are stale
	// candidate counting scratch (see Model.candidates)
	mark uint64
	hits int
	norm float64 // of Centroid; 0: not computed since it changed
}

// Assignment tells where a document went.
type Assignment struct {
	Article    int64
	StoryID    int64
	New        bool
	Similarity float64 // decayed similarity to the story joined (0 for a new story)
}

// Changes are what a batch changed, for the store to write in one
// transaction.
type Changes struct {
	Stories  []*State        // created or updated stories
	Merged   map[int64]int64 // story → the story it was merged into
	Assigned []Assignment    // articles placed, in order
}

// Model is the online clusterer: the stories active in a time window, in
// memory, with postings from their heaviest centroid terms to them. It is
// not safe for concurrent use; the Stage serialises batches.
type Model struct {
	p       Params
	df      *DocFreq
	stories map[int64]*State
	post    map[uint64][]*State // term → stories (those merged away or evicted are dropped by Evict)
	stale   int                 // postings of stories merged away or evicted
	query   uint64              // candidate lookups made, for State.mark
	nextID  int64
	from    time.Time // every stored story with Last ≥ from is in memory
	hi      time.Time // latest published time seen
	batchHi time.Time // latest published time placed since the last Evict
	refined time.Time // latest published time when refine last looked
	loaded  time.Time // latest Last of the stories Inserted from the store

	keys     []uint64 // Observe's scratch
	dirty    map[int64]bool
	merged   map[int64]int64
	assigned []Assignment
}

// NewModel returns an empty model over the given document frequencies;
// nextID is the first story id it hands out.
func NewModel(p Params, df *DocFreq, nextID int64) *Model {
	if df == nil {
		df = NewDocFreq()
	}
	return &Model{p: p, df: df, stories: map[int64]*State{}, post: map[uint64][]*State{},
		nextID: max(nextID, 1), dirty: map[int64]bool{}, merged: map[int64]int64{}}
}

// Params returns the model's parameters.
func (m *Model) Params() Params { return m.p }

// DocFreq returns the model's document frequencies.
func (m *Model) DocFreq() *DocFreq { return m.df }

// Observe counts documents into the document frequencies. The stage counts
// each article just before placing it, so the IDF an article sees is that
// of the articles published up to it, whatever the batches were: counting
// a whole batch first let an article see the words of those published
// after it, which real-time polling cannot, and made the clustering depend
// on the batch size (ant_multisource, 12–15 April: mean B-cubed F1 0.835
// in batches of 100, 0.80 of 200, 0.78 of 500, the import's default).
func (m *Model) Observe(docs []*Doc) {
	for _, d := range docs {
		m.df.Add(m.dfKeys(d))
	}
}

// Forget uncounts docs that Observe counted, for a batch whose placement
// was not saved: the stage keeps its document frequencies instead of
// recounting the archive.
func (m *Model) Forget(docs []*Doc) {
	for _, d := range docs {
		m.df.Remove(m.dfKeys(d))
	}
}

// dfKeys returns the features a document counts for (its terms, and with
// a section each term salted by it), in a buffer reused by the next call.
func (m *Model) dfKeys(d *Doc) []uint64 {
	keys := m.keys[:0] // reused: the stage calls this once per article
	salt := categorySalt(d.Category)
	for _, t := range m.feat(d) {
		k := t.K
		keys = append(keys, k)
		if salt != 0 {
			keys = append(keys, k^salt)
		}
	}
	if salt != 0 {
		keys = append(keys, salt)
	}
	m.keys = keys
	return keys
}

// Vector returns the weighted unit vector of a document.
func (m *Model) Vector(d *Doc) Vector {
	return WeighFeat(m.feat(d), m.idf(d), m.p.MaxDocTerms)
}

// feat returns d's prepared features, preparing them if needed.
func (m *Model) feat(d *Doc) Vector {
	if d.Feat == nil {
		Prepare(d, &m.p)
	}
	return d.Feat
}

// categorySalt is the key that counts a section's documents in the
// document-frequency sketch; a feature's count within the section is kept
// under its key xor the salt (0: no section).
func categorySalt(cat string) uint64 {
	if cat == "" {
		return 0
	}
	return pairHash(Hash("\x00section"), Hash(cat))
}

// Covered reports the earliest time from which the model holds every
// stored story (zero: nothing loaded yet).
func (m *Model) Covered() time.Time { return m.from }

// Cover records that the model now holds every stored story seen at or
// after t (the caller has Inserted them).
func (m *Model) Cover(t time.Time) {
	if m.from.IsZero() || t.Before(m.from) {
		m.from = t
	}
}

// Has reports whether story id is in memory.
func (m *Model) Has(id int64) bool { _, ok := m.stories[id]; return ok }

// Insert adds a stored story to the model (loading, not a change).
func (m *Model) Insert(st *State) {
	if _, ok := m.stories[st.ID]; ok {
		return
	}
	m.stories[st.ID] = st
	m.postStory(st)
	m.nextID = max(m.nextID, st.ID+1)
	m.loaded = maxTime(m.loaded, st.Last)
}

// postStory posts the story's heaviest centroid terms, and takes it off
// the postings of the terms that left its top.
func (m *Model) postStory(st *State) {
	top := Top(st.Centroid, m.p.PostingTerms)
	slices.Sort(top)
	// Both lists are sorted: one merge finds the terms that entered the
	// top (posted now) and those that left it (unposted now, so that a
	// posting list holds only the stories whose top has the term).
	i, j := 0, 0
	for i < len(top) || j < len(st.posted) {
		switch {
		case j >= len(st.posted) || (i < len(top) && top[i] < st.posted[j]):
			m.post[top[i]] = append(m.post[top[i]], st)
			i++
		case i >= len(top) || st.posted[j] < top[i]:
			m.unpost(st.posted[j], st)
			j++
		default:
			i++
			j++
		}
	}
	st.posted = top
}

// unpost removes st from term k's postings. The order of a posting list
// does not matter: candidates ranks by hits, then by id.
func (m *Model) unpost(k uint64, st *State) {
	list := m.post[k]
	for i, x := range list {
		if x == st {
			last := len(list) - 1
			list[i] = list[last]
			list[last] = nil
			if last == 0 {
				delete(m.post, k)
			} else {
				m.post[k] = list[:last]
			}
			return
		}
	}
}

// Resolve follows merges made in this batch.
func (m *Model) Resolve(id int64) int64 {
	for {
		into, ok := m.merged[id]
		if !ok {
			return id
		}
		id = into
	}
}

// AddTo places d in story id without comparing: a copy joins the story of
// its canonical article. The story must be in memory.
func (m *Model) AddTo(d *Doc, id int64) Assignment {
	st := m.stories[m.Resolve(id)]
	v := m.Vector(d)
	m.observeTime(d.Published)
	m.refine()
	m.join(st, d, v)
	a := Assignment{Article: d.ID, StoryID: st.ID, Similarity: 1}
	m.assigned = append(m.assigned, a)
	return a
}

func (m *Model) observeTime(t time.Time) {
	if t.After(m.hi) {
		m.hi = t
	}
	if t.After(m.batchHi) {
		m.batchHi = t
	}
}

// Add assigns d to the most similar active story, or opens a new one.
func (m *Model) Add(d *Doc) Assignment {
	var v Vector
	var pd *pairDoc
	if m.p.Learned != nil {
		m.preparedParts(d)
		idf := m.featIDF(d)
		v = WeighFeat(d.Feat, idf, m.p.MaxDocTerms)
		pd = m.pairDocIDF(d, v, idf)
	} else {
		v = m.Vector(d)
	}
	m.observeTime(d.Published)
	m.refine()
	cands := m.candidates(v, d.Published)
	var best *State
	bestSim := 0.0
	var joinable []*State // candidates the article could have joined: possible bridges
	threshold := m.p.Threshold
	var x []float64
	if w := m.p.Learned; w != nil {
		threshold = w.Threshold
		x = make([]float64, len(featureNames))
	}
	for _, st := range cands {
		var s float64
		if pd != nil {
			// The learned model: the probability that st is d's story.
			floor := threshold
			if m.p.ExactMembers {
				floor = 0
			}
			if !m.pairFeatures(x, pd, st, floor) {
				continue // cannot reach the threshold: neither joinable nor the winner
			}
			s = m.p.Learned.Prob(x)
		} else {
			dec := m.decay(d.Published, st)
			// Only a similarity that can still win matters: floor is what the
			// undecayed similarity must reach.
			s = m.similarity(v, d.Published, st, m.p.Threshold/dec) * dec
		}
		if s >= threshold {
			joinable = append(joinable, st)
		}
		if s > bestSim || (s == bestSim && best != nil && st.ID < best.ID) {
			best, bestSim = st, s
		}
	}
	if best == nil || bestSim < threshold {
		st := m.open(d, v)
		a := Assignment{Article: d.ID, StoryID: st.ID, New: true}
		m.assigned = append(m.assigned, a)
		return a
	}
	m.join(best, d, v)
	// The article may bridge two fragments of one story: another story it
	// could have joined whose centroid is now close to the joined story's
	// centroid is merged into it. Centroids average away each article's own
	// wording, so two fragments of one event look alike at this level while
	// two events that merely share actors (two matches of one club) do not.
	if m.p.MergeThreshold > 0 {
		for _, st := range joinable {
			if st.ID == best.ID || m.stories[st.ID] == nil {
				continue
			}
			if Cosine(best.Centroid, st.Centroid)*m.decayStories(best, st) >= m.p.MergeThreshold {
				m.merge(best, st)
			}
		}
	}
	a := Assignment{Article: d.ID, StoryID: best.ID, Similarity: bestSim}
	m.assigned = append(m.assigned, a)
	return a
}

// open starts a story of d alone.
func (m *Model) open(d *Doc, v Vector) *State {
	st := &State{ID: m.nextID, Centroid: v, Size: 1, Mass: 1, At: d.Published, Sources: []string{d.Source}, First: d.Published, Last: d.Published,
		Title: d.Title, TitleSim: foundingTitleSim, TitleID: d.ID}
	m.nextID++
	if m.p.KeepMembers > 0 {
		st.Members = []Member{{d.ID, d.Published, v}}
	}
	m.stories[st.ID] = st
	m.postStory(st)
	m.dirty[st.ID] = true
	return st
}

// candidates are the active stories sharing the most of v's heaviest
// terms, at most MaxCandidates, within Window of t.
func (m *Model) candidates(v Vector, t time.Time) []*State {
	// Hits are counted on the stories themselves (mark says which query
	// counted them last) rather than in a map: this loop runs over every
	// posting of 40 terms for each article.
	m.query++
	var list []*State
	lo, hi := t.Add(-m.p.Window), t.Add(m.p.Window)
	// A story is in a term's postings at most once, and only while the
	// term is in its posted top (see postStory); a story merged away or
	// evicted stays there until Evict rebuilds them.
	for _, k := range Top(v, m.p.QueryTerms) {
		for _, st := range m.post[k] {
			if st.gone {
				continue
			}
			if st.mark != m.query {
				if st.Last.Before(lo) || st.First.After(hi) {
					continue
				}
				st.mark, st.hits = m.query, 0
				list = append(list, st)
			}
			st.hits++
		}
	}
	return topByHits(list, m.p.MaxCandidates)
}

// topByHits returns the n stories of list with the most hits (ties: the
// lower id), most hits first. Hits are at most QueryTerms, so the cut is
// found by counting rather than by sorting the whole list, which for a
// common term holds every active story of its section.
func topByHits(list []*State, n int) []*State {
	byHits := func(a, b *State) int {
		if a.hits != b.hits {
			return b.hits - a.hits
		}
		return compareID(a.ID, b.ID)
	}
	if len(list) > n {
		maxHits := 0
		for _, st := range list {
			maxHits = max(maxHits, st.hits)
		}
		count := make([]int, maxHits+1)
		for _, st := range list {
			count[st.hits]++
		}
		cut, above := maxHits, 0 // every story with more hits than cut is in
		for above+count[cut] < n {
			above += count[cut]
			cut--
		}
		var out, tied []*State
		for _, st := range list {
			switch {
			case st.hits > cut:
				out = append(out, st)
			case st.hits == cut:
				tied = append(tied, st)
			}
		}
		slices.SortFunc(tied, byHits)
		list = append(out, tied[:n-above]...)
	}
	out := slices.Clone(list)
	slices.SortFunc(out, byHits)
	return out
}

func compareID(a, b int64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// similarity of a document vector to a story: the better of the centroid
// cosine and the nearest member's cosine scaled by MemberWeight. The
// centroid carries what a story's articles share; a big story that moves
// on (threats, then strikes, then reactions) drifts away from its own
// centroid, and its newest articles are then nearer to one recent member
// than to the average.
func (m *Model) similarity(v Vector, t time.Time, st *State, floor float64) float64 {
	dot := Dot(v, st.Centroid)
	if st.norm == 0 {
		st.norm = st.Centroid.Norm()
	}
	n := st.norm
	if n == 0 {
		return 0
	}
	s := dot / n * (1 + m.p.SizeBoost*math.Log(min(m.mass(st, t), float64(m.p.SizeBoostCap))))
	// The centroid is the sum of the members' vectors, each weighted by
	// its decay (at most 1, all terms positive), so a member's dot with v
	// is at most v's dot with the centroid divided by the smallest member
	// weight (up to the centroid's truncation): when even that cannot beat
	// floor, the members need not be compared. Dividing by the weight
	// matters: a member a day older than the story's latest article
	// weighs an eighth, and bounding by the dot itself skipped it.
	if m.p.MemberWeight > 0 && dot/n >= m.p.CentroidFloor && m.p.MemberWeight*min(1, dot/m.minMemberWeight(st)) > max(s, floor) {
		if ms := m.p.MemberWeight * m.nearest(v, st); ms > s {
			s = ms
		}
	}
	return s
}

// minMemberWeight is the smallest weight a kept member has in st's
// centroid: 2^(−age/CentroidHalfLife) for the oldest, its age counted
// from the centroid's time At (1 when the centroid does not decay).
func (m *Model) minMemberWeight(st *State) float64 {
	if m.p.CentroidHalfLife <= 0 || len(st.Members) == 0 {
		return 1
	}
	oldest := st.Members[0].Published
	for _, mb := range st.Members[1:] {
		oldest = minTime(oldest, mb.Published)
	}
	at := maxTime(st.At, st.Last)
	if !at.After(oldest) {
		return 1
	}
	return math.Exp2(-float64(at.Sub(oldest)) / float64(m.p.CentroidHalfLife))
}

// recent is the story's decayed weight at the latest time seen (without
// mass's floor of 1).
func (m *Model) recent(st *State) float64 {
	if m.p.CentroidHalfLife <= 0 || st.At.IsZero() {
		return float64(st.Size)
	}
	if m.hi.After(st.At) {
		return st.Mass * math.Exp2(-float64(m.hi.Sub(st.At))/float64(m.p.CentroidHalfLife))
	}
	return st.Mass
}

// mass is the story's decayed weight at t, at least 1.
func (m *Model) mass(st *State, t time.Time) float64 {
	if m.p.CentroidHalfLife <= 0 || st.At.IsZero() {
		return float64(max(st.Size, 1))
	}
	w := st.Mass
	if t.After(st.At) {
		w *= math.Exp2(-float64(t.Sub(st.At)) / float64(m.p.CentroidHalfLife))
	}
	return max(w, 1)
}

// age brings st's centroid and mass forward to t (a copy: the centroid
// may share its storage with a member vector) and returns the weight of a
// member published at t, which is below 1 only for a member older than At.
func (m *Model) age(st *State, t time.Time) float32 {
	h := float64(m.p.CentroidHalfLife)
	if h <= 0 {
		st.Mass = float64(st.Size)
		return 1
	}
	if st.At.IsZero() {
		st.At, st.Mass = st.Last, float64(st.Size)
	}
	if !t.After(st.At) {
		return float32(math.Exp2(-float64(st.At.Sub(t)) / h))
	}
	f := math.Exp2(-float64(t.Sub(st.At)) / h)
	c := make(Vector, len(st.Centroid))
	for i, x := range st.Centroid {
		c[i] = Term{x.K, float32(float64(x.W) * f)}
	}
	// The representative title's claim fades, more slowly than the
	// centroid: a story that moved on (the threats, then the strikes) is
	// not named after its first hours for days, and one that ended keeps
	// the title of its burst rather than a late follow-up's.
	st.TitleSim *= math.Exp2(-float64(t.Sub(st.At)) / float64(titleHalfLife))
	st.Centroid, st.norm, st.Mass, st.At = c, 0, st.Mass*f, t
	return 1
}

// nearest is the mean cosine of v to its MemberK nearest members (fewer
// when the story has fewer).
func (m *Model) nearest(v Vector, st *State) float64 {
	k := max(1, m.p.MemberK)
	var top [8]float64
	k = min(k, len(top), len(st.Members))
	if k == 0 {
		return 0
	}
	for _, mb := range st.Members {
		d := Dot(v, mb.Vec)
		if d <= top[k-1] {
			continue
		}
		i := k - 1
		for i > 0 && top[i-1] < d {
			top[i] = top[i-1]
			i--
		}
		top[i] = d
	}
	sum := 0.0
	for _, d := range top[:k] {
		sum += d
	}
	return sum / float64(k)
}

// decay is 2^(-Δ/HalfLife) for the time between the story's span and t
// (1 inside the span: an older article arriving late is not penalised).
func (m *Model) decay(t time.Time, st *State) float64 {
	var gap time.Duration
	switch {
	case t.After(st.Last):
		gap = t.Sub(st.Last)
	case t.Before(st.First):
		gap = st.First.Sub(t)
	}
	if m.p.HalfLife <= 0 || gap <= 0 {
		return 1
	}
	return math.Exp2(-float64(gap) / float64(m.p.HalfLife))
}

// decayStories is the time decay between two stories' spans.
func (m *Model) decayStories(a, b *State) float64 {
	if b.First.After(a.Last) {
		return m.decay(b.First, a)
	}
	if a.First.After(b.Last) {
		return m.decay(a.First, b)
	}
	return 1
}

// foundingTitleSim is the similarity credited to a story's first article
// as representative: a later member replaces its title only when clearly
// typical of the story.
const foundingTitleSim = 0.6

// titleHalfLife is the age at which the representative title's claim
// counts half (see age).
const titleHalfLife = 24 * time.Hour

// join adds d to st.
func (m *Model) join(st *State, d *Doc, v Vector) {
	p := &m.p
	w := m.age(st, d.Published)
	// The representative title: the founding article's, taken over by an
	// article more similar to the story than the title's claim. The claim
	// fades (see age), so a story that moved on is named after its later
	// coverage. The similarity is measured before the article is added: a
	// centroid that has forgotten its older members would otherwise be
	// mostly the new article itself, and any late follow-up would rename a
	// story that ended.
	retitle := false
	var sim float64
	if n := st.Centroid.Norm(); n > 0 {
		sim = Dot(v, st.Centroid) / n
		retitle = sim > st.TitleSim
	}
	st.Centroid, st.norm = Add(st.Centroid, v, w, p.MaxStoryTerms), 0
	st.Mass += float64(w)
	st.Size++
	if p.KeepMembers > 0 {
		st.Members = append(st.Members, Member{d.ID, d.Published, v})
		if len(st.Members) > p.KeepMembers {
			st.Members = slices.Delete(st.Members, 0, len(st.Members)-p.KeepMembers)
		}
		// The bound may keep the terms of members no longer kept: still a
		// bound, a little looser; it is rebuilt from the kept members once
		// they have all been replaced.
		if st.bound != nil && st.Size%p.KeepMembers != 0 {
			st.bound = maxMerge(st.bound, v)
		} else {
			st.bound = nil
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
	if retitle {
		st.Title, st.TitleSim, st.TitleID = d.Title, sim, d.ID
	}
	m.postStory(st)
	m.dirty[st.ID] = true
}

// merge moves story b into a.
func (m *Model) merge(a, b *State) {
	p := &m.p
	m.age(a, b.Last)
	m.age(b, a.At)
	a.Centroid, a.norm = Add(a.Centroid, b.Centroid, 1, p.MaxStoryTerms), 0
	a.Mass += b.Mass
	bigger := b.Size > a.Size
	a.Size += b.Size
	for _, s := range b.Sources {
		if i, found := slices.BinarySearch(a.Sources, s); !found {
			a.Sources = slices.Insert(a.Sources, i, s)
		}
	}
	a.First, a.Last = minTime(a.First, b.First), maxTime(a.Last, b.Last)
	if p.KeepMembers > 0 {
		a.Members = append(a.Members, b.Members...)
		slices.SortStableFunc(a.Members, func(x, y Member) int {
			if c := x.Published.Compare(y.Published); c != 0 {
				return c
			}
			return compareID(x.ID, y.ID)
		})
		if len(a.Members) > p.KeepMembers {
			a.Members = slices.Delete(a.Members, 0, len(a.Members)-p.KeepMembers)
		}
		a.bound = nil
	}
	if bigger {
		a.Title, a.TitleSim, a.TitleID = b.Title, b.TitleSim, b.TitleID
	}
	delete(m.stories, b.ID)
	b.gone = true
	delete(m.dirty, b.ID)
	m.merged[b.ID] = a.ID
	m.stale += len(b.posted)
	m.postStory(a)
	m.dirty[a.ID] = true
}

func minTime(a, b time.Time) time.Time {
	if b.Before(a) {
		return b
	}
	return a
}

func maxTime(a, b time.Time) time.Time {
	if b.After(a) {
		return b
	}
	return a
}

// refine gives the one-article stories of the last AttachWindow a second
// look, once in every AttachEvery of published time (aligned to the clock,
// so that a restarted stage looks when an uninterrupted one would have):
// each joins the most similar dominant story (see AttachMinShare) when
// that similarity reaches AttachThreshold. An article is compared at
// arrival only with the stories as they were then; the first reactions to
// a big event often arrive before its story has gathered the words they
// share with it (the strikes on Syria, then "Khamenei: a crime",
// "Damascus crowds after the strikes"), and nothing compares them again
// afterwards. Add and AddTo call it before placing an article, so it
// looks when the published time enters a new AttachEvery slot, whatever
// the batches. Each look compares the singles with the few dominant
// stories only (no candidate lookup), so an article costs at most
// AttachWindow/AttachEvery × 1/AttachMinShare dot products here.
func (m *Model) refine() {
	if m.p.AttachThreshold <= 0 || m.p.AttachEvery <= 0 || m.hi.IsZero() {
		return
	}
	last := m.refined
	if last.IsZero() {
		last = m.loaded
	}
	if !last.IsZero() && m.hi.Truncate(m.p.AttachEvery).Equal(last.Truncate(m.p.AttachEvery)) {
		return
	}
	m.refined = m.hi
	cut := m.hi.Add(-m.p.AttachWindow)
	ids := make([]int64, 0, len(m.stories))
	for id := range m.stories {
		ids = append(ids, id)
	}
	slices.Sort(ids) // a float sum in a fixed order: the same decisions on every run
	var singles []*State
	total := 0.0
	for _, id := range ids {
		st := m.stories[id]
		if st.Size == 1 && len(st.Members) == 1 && !st.Last.Before(cut) {
			singles = append(singles, st)
		}
		total += m.recent(st)
	}
	// At most 1/AttachMinShare stories are dominant: each single is
	// compared with them directly, without a candidate lookup.
	minMass := m.p.AttachMinShare * total
	var dominant []*State
	for _, id := range ids {
		if st := m.stories[id]; st.Size >= 2 && m.recent(st) >= minMass {
			dominant = append(dominant, st)
		}
	}
	if len(dominant) == 0 {
		return
	}
	for _, st := range singles {
		if m.stories[st.ID] == nil || st.Size != 1 {
			continue
		}
		mb := st.Members[0]
		var best *State
		bestSim := 0.0
		for _, c := range dominant {
			if c.gone || c.Last.Before(mb.Published.Add(-m.p.Window)) || c.First.After(mb.Published.Add(m.p.Window)) {
				continue
			}
			dec := m.decay(mb.Published, c)
			s := m.similarity(mb.Vec, mb.Published, c, m.p.AttachThreshold/dec) * dec
			if s > bestSim || (s == bestSim && best != nil && c.ID < best.ID) {
				best, bestSim = c, s
			}
		}
		if best != nil && bestSim >= m.p.AttachThreshold {
			m.merge(best, st)
		}
	}
}

// Evict drops the stories that ended more than Window before the latest
// article placed since the last Evict (they are in the store already, or are about to be with
// this batch's Changes), and rebuilds the postings when stale entries
// outnumber live ones. Call it after TakeChanges.
func (m *Model) Evict() {
	// The cut follows the batch just placed, not the latest time ever
	// seen: an archive older than what the model holds (two archives
	// imported one after the other, the newer first) would otherwise
	// have each batch's stories evicted as soon as they are saved, and
	// reloaded from the store by the next batch together with every
	// story of the newer archive (ant_multisource then saudinewsnet: the
	// whole of ant_multisource's stories fifteen times). In time order
	// the batch's latest article is the latest seen: the same cut.
	if m.batchHi.IsZero() {
		return
	}
	cut := m.batchHi.Add(-m.p.Window)
	m.batchHi = time.Time{}
	for id, st := range m.stories {
		if st.Last.Before(cut) {
			delete(m.stories, id)
			st.gone = true
			m.stale += len(st.posted)
		}
	}
	if m.from.IsZero() || cut.After(m.from) {
		m.from = cut
	}
	if m.stale > len(m.stories)*m.p.PostingTerms {
		m.post = make(map[uint64][]*State, len(m.post))
		ids := make([]int64, 0, len(m.stories))
		for id := range m.stories {
			ids = append(ids, id)
		}
		slices.Sort(ids)
		for _, id := range ids {
			st := m.stories[id]
			st.posted = nil
			m.postStory(st)
		}
		m.stale = 0
	}
}

// TakeChanges returns what changed since the last call and forgets it.
func (m *Model) TakeChanges() *Changes {
	ch := &Changes{Merged: m.merged, Assigned: m.assigned}
	ids := make([]int64, 0, len(m.dirty))
	for id := range m.dirty {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	for _, id := range ids {
		if st := m.stories[id]; st != nil {
			ch.Stories = append(ch.Stories, st)
		}
	}
	m.dirty, m.merged, m.assigned = map[int64]bool{}, map[int64]int64{}, nil
	return ch
}

// Story returns an active story (nil if not in memory).
func (m *Model) Story(id int64) *State { return m.stories[m.Resolve(id)] }
