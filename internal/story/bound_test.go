package story_test

import (
	"testing"
	"time"

	"github.com/marsad/marsad/internal/story"
)

// doc is a hand-made article of the given title terms (no body).
func doc(id int64, t time.Time, terms ...string) *story.Doc {
	return &story.Doc{ID: id, Source: "src", Published: t, Title: terms[0], TitleTerms: terms}
}

// An article identical to a member of a story joins it, however old that
// member's share of the decayed centroid: with an 8-hour half-life a
// member a day older than the story's latest article weighs an eighth in
// the centroid, so its dot with the centroid is an eighth of its dot with
// the member, and a shortcut that bounded the member link by the centroid
// dot (as if every member weighed at least 1) never looked at the members:
// the copy scored 0.127 and opened a story of its own instead of joining
// at 0.9.
func TestNearestMemberCountsUnderDecay(t *testing.T) {
	for _, tc := range []struct {
		name    string
		age     time.Duration // of the first member when the copy arrives
		learned bool          // the learned join (else the hand-set rule)
	}{
		{"same hour", 30 * time.Minute, false},
		{"a day old", 24 * time.Hour, false},
		{"two days old", 48 * time.Hour, false},
		{"learned, same hour", 30 * time.Minute, true},
		{"learned, a day old", 24 * time.Hour, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := story.DefaultParams()
			if !tc.learned {
				p.Learned = nil
			}
			p.AttachThreshold = 0 // no second look: the join alone is tested
			m := story.NewModel(p, nil, 1)
			t0 := time.Date(2018, 4, 12, 0, 0, 0, 0, time.UTC)
			a := doc(1, t0, "صاروخ", "باليستي", "اعتراض", "نجران")
			b := doc(2, t0.Add(tc.age), "مباراه", "هلال", "نصر", "دوري")
			copyOfA := doc(3, t0.Add(tc.age), "صاروخ", "باليستي", "اعتراض", "نجران")
			for _, d := range []*story.Doc{a, b, copyOfA} {
				m.Observe([]*story.Doc{d})
			}
			first := m.Add(a)
			// b is placed in a's story whatever its words (a copy link does that).
			m.AddTo(b, first.StoryID)
			got := m.Add(copyOfA)
			if got.StoryID != first.StoryID {
				t.Fatalf("a copy of a member %s old opened story %d (similarity %.3f), want story %d", tc.age, got.StoryID, got.Similarity, first.StoryID)
			}
			if got.Similarity < 0.5 {
				t.Errorf("similarity %.3f, want the nearest member's (≈ 0.9 × decay)", got.Similarity)
			}
		})
	}
}
