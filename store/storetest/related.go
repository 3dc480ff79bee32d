package storetest

import (
	"math"
	"slices"
	"testing"

	"github.com/marsad/marsad"
)

func kt(term string, w float64) marsad.KeyTerm { return marsad.KeyTerm{Term: term, Weight: w} }

// candidates runs a candidate query and returns its hits' ids, scores and
// copy counts.
func candidates(t *testing.T, s marsad.Store, q marsad.CandidateQuery) (ids []int64, scores []float64, copies []int) {
	t.Helper()
	hits, err := s.RelatedCandidates(ctx(t), q)
	check(t, "related candidates", err)
	for _, h := range hits {
		ids, scores, copies = append(ids, h.Article.ID), append(scores, h.Score), append(copies, h.Copies)
		if h.Article.Body != "" || h.Article.Title == "" || h.Article.Source == "" {
			t.Errorf("candidate %d: title %q source %q body %q; want the head without text", h.Article.ID, h.Article.Title, h.Article.Source, h.Article.Body)
		}
	}
	return ids, scores, copies
}

func near(a, b []float64) bool {
	return len(a) == len(b) && !slices.ContainsFunc(a, func(x float64) bool {
		i := slices.Index(a, x)
		return math.Abs(x-b[i]) > 1e-9
	})
}

// Term vectors are saved through the work ledger and read back as given;
// the candidate query sums the shared keys' weight products within the
// window, one hit per copy group (its best article, Copies counting the
// others), the asking group left out; a vector saved again replaces its
// keys; ResetTermVectors forgets them all and owes every article again.
func testRelatedVectors(t *testing.T, h *harness) {
	c := ctx(t)
	check(t, "register", h.RegisterStages(c, []string{"dedup", "related"}))
	x := saveAt(t, h, "r", at{"a", 0}, at{"b", 1}, at{"c", 2}, at{"d", 3}, at{"e", 4}, at{"f", 500})
	// x[2] is a copy of x[1].
	check(t, "dedup", h.DedupBatch(c, "dedup", x, func(ix marsad.DedupIndex) error {
		return ix.Put(c, []marsad.DedupEntry{entry(x[1], "b", 1, 0, 9), entry(x[2], "c", 2, x[1], 9)}, [][]int64{{1}, {1}})
	}))
	data := []byte{1, 0, 0xff, 7} // arbitrary bytes, zeros included
	vec := func(i int, keys ...marsad.KeyTerm) marsad.TermVector {
		return marsad.TermVector{ArticleID: x[i], Published: hour([]int{0, 1, 2, 3, 4, 500}[i]), Data: append(slices.Clone(data), byte(i)), Keys: keys}
	}
	batch := []marsad.TermVector{
		vec(0, kt("قمه", 0.9), kt("عرب", 0.1)),
		vec(1, kt("قمه", 0.5), kt("قدس", 0.5)),
		vec(2, kt("قمه", 0.6)),
		vec(3, kt("عرب", 1)),
		vec(4, kt("طقس", 1)),
		vec(5, kt("قمه", 1)),
	}
	saved, err := h.SaveTermVectors(c, "related", batch)
	if err != nil || !slices.Equal(saved, x) {
		t.Fatalf("SaveTermVectors = %v, %v; want %v", saved, err, x)
	}
	if again, err := h.SaveTermVectors(c, "related", batch[:1]); err != nil || len(again) != 0 {
		t.Fatalf("SaveTermVectors of done work = %v, %v; want nothing saved", again, err)
	}
	if owed, err := h.OwedCounts(c); err != nil || owed["related"] != 0 {
		t.Errorf("owed after save = %v, %v; want related 0", owed, err)
	}
	vs, err := h.TermVectors(c, []int64{x[3], x[0], 1 << 40, x[0]})
	if err != nil || len(vs) != 2 || vs[0].ArticleID != x[3] || vs[1].ArticleID != x[0] ||
		!slices.Equal(vs[0].Data, batch[3].Data) || !vs[1].Published.Equal(hour(0)) {
		t.Fatalf("TermVectors = %+v, %v; want x3 then x0 as saved", vs, err)
	}
	q := marsad.CandidateQuery{Terms: []marsad.KeyTerm{kt("قمه", 1), kt("عرب", 0.5)}, From: hour(0), To: hour(10), Exclude: x[0], Limit: 10}
	// x1 scores 0.5 and its copy x2 0.6: one hit, x2, with one copy; x3
	// 0.5; x4 shares nothing; x5 is outside the window; x0 is excluded.
	if got, scores, copies := candidates(t, h, q); !slices.Equal(got, []int64{x[2], x[3]}) ||
		!near(scores, []float64{0.6, 0.5}) || !slices.Equal(copies, []int{1, 0}) {
		t.Errorf("candidates = %v %v %v; want [x2 x3] [0.6 0.5] [1 0]", got, scores, copies)
	}
	q.Limit = 1
	if got, _, _ := candidates(t, h, q); !slices.Equal(got, []int64{x[2]}) {
		t.Errorf("candidates limit 1 = %v; want [x2]", got)
	}
	q.Limit, q.From, q.To, q.Exclude = 10, hour(0).Add(0), hour(0).Add(0), 0
	if got, _, _ := candidates(t, h, q); len(got) != 0 {
		t.Errorf("candidates in an empty window = %v; want none", got)
	}
	q.From, q.To = marsad.CandidateQuery{}.From, marsad.CandidateQuery{}.To
	if got, _, _ := candidates(t, h, q); !slices.Equal(got, []int64{x[5], x[0], x[2], x[3]}) {
		t.Errorf("candidates without a window or exclusion = %v; want [x5 x0 x2 x3]", got)
	}
	// Saved again, a vector's keys replace its old ones.
	check(t, "owe again", h.OweAgain(c, "related"))
	if _, err := h.SaveTermVectors(c, "related", []marsad.TermVector{vec(5, kt("طقس", 1))}); err != nil {
		t.Fatal(err)
	}
	if got, _, _ := candidates(t, h, q); !slices.Equal(got, []int64{x[0], x[2], x[3]}) {
		t.Errorf("candidates after x5's keys changed = %v; want [x0 x2 x3]", got)
	}
	for _, bad := range []struct {
		what string
		err  error
	}{
		{"no stage", func() error { _, err := h.SaveTermVectors(c, "", batch[:1]); return err }()},
		{"empty key", func() error {
			_, err := h.SaveTermVectors(c, "related", []marsad.TermVector{vec(0, kt("", 1))})
			return err
		}()},
		{"key of two terms", func() error {
			_, err := h.SaveTermVectors(c, "related", []marsad.TermVector{vec(0, kt("قمه عرب", 1))})
			return err
		}()},
		{"no query term", func() error { _, err := h.RelatedCandidates(c, marsad.CandidateQuery{Limit: 3}); return err }()},
		{"negative limit", func() error {
			_, err := h.RelatedCandidates(c, marsad.CandidateQuery{Terms: q.Terms, Limit: -1})
			return err
		}()},
	} {
		wantCode(t, bad.what, bad.err, marsad.EINVALID)
	}
	check(t, "reset", h.ResetTermVectors(c, "related"))
	if vs, err := h.TermVectors(c, x); err != nil || len(vs) != 0 {
		t.Errorf("TermVectors after reset = %d, %v; want none", len(vs), err)
	}
	if got, _, _ := candidates(t, h, q); len(got) != 0 {
		t.Errorf("candidates after reset = %v; want none", got)
	}
	if owed, err := h.OwedCounts(c); err != nil || owed["related"] != len(x) {
		t.Errorf("owed after reset = %v, %v; want related %d", owed, err, len(x))
	}
}
