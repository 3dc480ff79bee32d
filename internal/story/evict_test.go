package story_test

import (
	"testing"
	"time"

	"github.com/marsad/marsad/internal/story"
)

// Evict keeps what the batch just placed may still need. Two archives
// imported newest first: the older archive's batches come after the model
// has seen the newer one, and evicting by the latest time ever seen
// dropped each older batch's stories as soon as it was saved (the next
// batch reloaded them from the store with every story of the newer
// archive). The cut follows the batch placed since the last Evict.
func TestEvictFollowsTheBatchPlaced(t *testing.T) {
	for _, tc := range []struct {
		name      string
		gap       time.Duration // of the second batch after (<0: before) the first
		wantFirst bool          // the first batch's story still in memory
	}{
		{"next hour", time.Hour, true},
		{"a week later", 7 * 24 * time.Hour, false},
		{"three years earlier", -3 * 365 * 24 * time.Hour, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := story.DefaultParams()
			m := story.NewModel(p, nil, 1)
			t0 := time.Date(2018, 4, 12, 0, 0, 0, 0, time.UTC)
			place := func(d *story.Doc) int64 {
				m.Observe([]*story.Doc{d})
				a := m.Add(d)
				m.TakeChanges()
				m.Evict()
				return a.StoryID
			}
			newer := place(doc(1, t0, "صاروخ", "باليستي", "اعتراض", "نجران"))
			t1 := t0.Add(tc.gap)
			older := place(doc(2, t1, "مباراه", "هلال", "نصر", "دوري"))
			if !m.Has(older) {
				t.Fatalf("the story of the batch just placed (%s) was evicted", t1.Format(time.DateOnly))
			}
			// A later batch of the same period keeps it too.
			next := place(doc(3, t1.Add(time.Hour), "اسهم", "بورصه", "ارتفاع", "مؤشر"))
			if !m.Has(older) || !m.Has(next) {
				t.Fatalf("stories of the period being placed evicted: %d kept %v, %d kept %v", older, m.Has(older), next, m.Has(next))
			}
			if got := m.Has(newer); got != tc.wantFirst {
				t.Errorf("the first batch's story in memory: %v, want %v", got, tc.wantFirst)
			}
		})
	}
}
