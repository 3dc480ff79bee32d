// Package storetest is the contract suite of marsad.Store: every backend
// (store/sqlite, store/postgres) runs it by calling Run with a way to open
// a fresh store, and passes when it behaves as the root package's doc
// comments say. The suite tests behaviour through the root interfaces only:
// no backend's SQL, no algorithm package. The story state and dedup
// sketches it stores are arbitrary bytes, as a store keeps blobs.
package storetest

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/marsad/marsad"
)

// Opener returns a fresh, empty store for one test, and reopen, which
// opens another handle on the same store each time it is called: what
// another process sharing the store sees (for SQLite, a second Open of
// the same file). The suite closes every handle it gets, the first one
// included; the opener only cleans up what lies behind them (a temporary
// folder, a scratch database).
type Opener func(t *testing.T) (s marsad.Store, reopen func(t *testing.T) marsad.Store)

// Run runs the whole contract suite, one subtest per area, each on a
// fresh store.
func Run(t *testing.T, open Opener) {
	tests := []struct {
		name string
		fn   func(t *testing.T, h *harness)
	}{
		{"Articles/SaveAndReadBack", testSaveAndReadBack},
		{"Articles/ReingestIsIdempotent", testReingestIsIdempotent},
		{"Articles/KeepID", testKeepID},
		{"Articles/OnePagePerScheme", testOnePagePerScheme},
		{"Articles/SaveRefusesArticleWithoutURL", testSaveRefusesArticleWithoutURL},
		{"Articles/FindArticlesFiltersAndPages", testFindArticles},
		{"Articles/NotFound", testArticlesNotFound},
		{"Sources", testSources},
		{"Feeds/CreateFindDelete", testFeedsCreateFindDelete},
		{"Feeds/Update", testFeedsUpdate},
		{"Feeds/FindFeedsOrderAndPages", testFindFeeds},
		{"Feeds/Items", testFeedItems},
		{"Feeds/ClaimDueFeeds", testClaimDueFeeds},
		{"Feeds/Pause", testFeedsPause},
		{"Search/Requests", testSearch},
		{"Search/InvalidRequests", testSearchInvalid},
		{"Search/ByStory", testSearchByStory},
		{"Search/Reindex", testReindex},
		{"Dedup/PutLinksCopies", testDedupPut},
		{"Dedup/Relink", testDedupRelink},
		{"Dedup/FailedBatchKeepsNothing", testDedupFailedBatch},
		{"Dedup/Reset", testDedupReset},
		{"Stories/SaveAndRead", testStorySave},
		{"Stories/FindStories", testFindStories},
		{"Stories/MergeAndNextID", testStoryMerge},
		{"Stories/GenerationCheckpointCounted", testStoryGeneration},
		{"Stories/ReadTransactionRefusesSave", testStoryReadRefusesSave},
		{"Stories/FailedTransactionKeepsNothing", testStoryFailedTx},
		{"Stories/CopyStories", testCopyStories},
		{"Stories/CopyStoriesLowest", testCopyStoriesLowest},
		{"Stories/ClearStoriesForRebuild", testClearStories},
		{"Stories/TwoWritersAtOnce", testStoryWriters},
		{"Tags/SaveAndRead", testTagsSaveAndRead},
		{"Tags/DisplayAndReplace", testTagsDisplayAndReplace},
		{"Tags/TwoWritersAtOnce", testTagsTwoWriters},
		{"Related/VectorsAndCandidates", testRelatedVectors},
		{"Work/Ledger", testWorkLedger},
		{"Work/SurvivesCrash", testWorkSurvivesCrash},
		{"Work/TwoWritersAtOnce", testTwoWriters},
		{"Work/ReadyWork", testReadyWork},
		{"Leases/TakeRenewExpireRelease", testLeases},
		{"Leases/OneHolderAtOnce", testLeaseOneHolder},
		{"Leases/StorySaveUnderLease", testStorySaveUnderLease},
		{"Meta", testMeta},
		{"DataVersion", testDataVersion},
		{"Stats", testStats},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, reopen := open(t)
			h := &harness{Store: s, reopen: reopen}
			t.Cleanup(func() {
				if !h.closed {
					s.Close()
				}
			})
			tt.fn(t, h)
		})
	}
}

// harness is the store under test and the way to a second handle on it.
type harness struct {
	marsad.Store
	reopen func(t *testing.T) marsad.Store
	closed bool // the test closed the first handle itself
}

// second opens another handle on the store, closed when the test ends.
func (h *harness) second(t *testing.T) marsad.Store {
	t.Helper()
	s := h.reopen(t)
	t.Cleanup(func() { s.Close() })
	return s
}

// t0 is the base of every publication time in the suite, whole seconds
// in UTC as every store keeps them.
var t0 = time.Date(2024, 3, 1, 12, 0, 0, 0, time.UTC)

// hour returns t0 plus n hours.
func hour(n int) time.Time { return t0.Add(time.Duration(n) * time.Hour) }

// input returns an article of source src published at pub, indexed with
// the given title and body terms.
func input(url, src string, pub time.Time, titleTerms, bodyTerms string) *marsad.ArticleInput {
	return &marsad.ArticleInput{
		Article: &marsad.Article{URL: url, Title: "عنوان " + url, Body: "نص " + url, Lang: "ar",
			Published: pub, Fetched: pub.Add(time.Minute)},
		Source:     &marsad.Source{Key: src, Name: "مصدر " + src},
		TitleTerms: titleTerms,
		BodyTerms:  bodyTerms,
	}
}

// at is an article to store: its source and its publication hour.
type at struct {
	src string
	hr  int
}

// saveAt stores one article per spec, with no index terms, and returns
// their ids; name and the position make its URL.
func saveAt(t *testing.T, s marsad.Store, name string, specs ...at) []int64 {
	t.Helper()
	batch := make([]*marsad.ArticleInput, len(specs))
	for i, sp := range specs {
		batch[i] = input(fmt.Sprintf("https://%s.example/%s%d", sp.src, name, i+1), sp.src, hour(sp.hr), "", "")
	}
	return save(t, s, batch...)
}

// save stores the batch and returns the ids, failing the test on error.
func save(t *testing.T, s marsad.Store, batch ...*marsad.ArticleInput) []int64 {
	t.Helper()
	res, err := s.SaveArticles(t.Context(), batch)
	if err != nil {
		t.Fatalf("save articles: %v", err)
	}
	if len(res) != len(batch) {
		t.Fatalf("save articles: %d results for %d inputs", len(res), len(batch))
	}
	ids := make([]int64, len(res))
	for i, r := range res {
		ids[i] = r.ID
	}
	return ids
}

// seq saves n articles of source src, published an hour apart from hour
// start, with no index terms, and returns their ids.
func seq(t *testing.T, s marsad.Store, prefix, src string, start, n int) []int64 {
	t.Helper()
	batch := make([]*marsad.ArticleInput, n)
	for i := range batch {
		batch[i] = input(fmt.Sprintf("https://%s.example/%s/%d", src, prefix, i), src, hour(start+i), "", "")
	}
	return save(t, s, batch...)
}

// check fails the test when err is not nil.
func check(t *testing.T, what string, err error) {
	t.Helper()
	if err != nil {
		t.Fatalf("%s: %v", what, err)
	}
}

// wantCode fails the test unless err carries the application error code.
func wantCode(t *testing.T, what string, err error, code string) {
	t.Helper()
	if got := marsad.ErrorCode(err); got != code {
		t.Errorf("%s: error %v (code %q), want code %q", what, err, got, code)
	}
}

// article reads one article, failing the test when it cannot.
func article(t *testing.T, s marsad.Store, id int64) *marsad.Article {
	t.Helper()
	a, err := s.FindArticleByID(t.Context(), id)
	check(t, fmt.Sprintf("find article %d", id), err)
	return a
}

// articleFields returns one field of each article as stored.
func articleFields(t *testing.T, s marsad.Store, field func(*marsad.Article) int64, ids ...int64) []int64 {
	t.Helper()
	out := make([]int64, len(ids))
	for i, id := range ids {
		out[i] = field(article(t, s, id))
	}
	return out
}

// pageCase is a filter of a Find… method and what it must return: the
// ids in order and the total, which ignores Offset and Limit.
type pageCase[F any] struct {
	name  string
	f     F
	want  []int64
	total int
}

// checkPages runs find on every case.
func checkPages[F, T any](t *testing.T, cases []pageCase[F], find func(F) ([]T, int, error), id func(T) int64) {
	t.Helper()
	for _, tt := range cases {
		got, total, err := find(tt.f)
		if err != nil {
			t.Errorf("%s: %v", tt.name, err)
			continue
		}
		gotIDs := make([]int64, len(got))
		for i, x := range got {
			gotIDs[i] = id(x)
		}
		wantIDs(t, tt.name, gotIDs, tt.want)
		if total != tt.total {
			t.Errorf("%s: total %d, want %d (Offset and Limit ignored)", tt.name, total, tt.total)
		}
	}
}

// parallel runs fn for workers 0 … n-1 at once and fails the test with
// their errors.
func parallel(t *testing.T, n int, fn func(w int) error) {
	t.Helper()
	errs := make([]error, n)
	var wg sync.WaitGroup
	for w := range n {
		wg.Go(func() { errs[w] = fn(w) })
	}
	wg.Wait()
	check(t, "concurrent work", errors.Join(errs...))
}

// ids returns the ids of list in its order.
func ids(list []*marsad.Article) []int64 {
	out := make([]int64, len(list))
	for i, a := range list {
		out[i] = a.ID
	}
	return out
}

// sorted returns a sorted copy of ids.
func sorted(ids []int64) []int64 {
	out := slices.Clone(ids)
	slices.Sort(out)
	return out
}

// wantIDs fails the test unless got equals want, element by element.
func wantIDs(t *testing.T, what string, got, want []int64) {
	t.Helper()
	if !slices.Equal(got, want) && !(len(got) == 0 && len(want) == 0) {
		t.Errorf("%s: ids %v, want %v", what, got, want)
	}
}

// owedCounts returns the store's owed work by stage.
func owedCounts(t *testing.T, s marsad.Store) map[string]int {
	t.Helper()
	m, err := s.OwedCounts(t.Context())
	check(t, "owed counts", err)
	return m
}

// allOwed returns every id stage owes, ascending, read page by page.
func allOwed(t *testing.T, s marsad.Store, stage string) []int64 {
	t.Helper()
	var out []int64
	after := int64(0)
	for {
		page, err := s.OwedArticles(t.Context(), stage, after, 7)
		check(t, "owed articles of "+stage, err)
		if len(page) == 0 {
			return out
		}
		out = append(out, page...)
		after = page[len(page)-1]
	}
}

// ctx returns the test's context.
func ctx(t *testing.T) context.Context { return t.Context() }
