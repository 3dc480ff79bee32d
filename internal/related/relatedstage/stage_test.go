package relatedstage_test

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/marsad/marsad"
	"github.com/marsad/marsad/internal/analyzer"
	"github.com/marsad/marsad/internal/ingest"
	"github.com/marsad/marsad/internal/related"
	"github.com/marsad/marsad/internal/related/relatedstage"
	"github.com/marsad/marsad/internal/testdata"
)

// Every imported article gets a vector with keys, nothing stays owed, and
// lists computed from the vectors alone are the lists computed from a
// search and the bodies for most articles (same re-ranking, other
// candidates): the stored counts are the ones the bodies give.
func TestStageStoresEveryArticlesVector(t *testing.T) {
	if testing.Short() {
		t.Skip("imports 1,200 articles")
	}
	ctx := context.Background()
	db, err := ingest.Sample(ctx, filepath.Join(t.TempDir(), "m.db"), 600,
		testdata.Path(t, "ant_multisource/articles.jsonl"), testdata.Path(t, "saudinewsnet/articles.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	st, err := db.Stats(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if st.Pending[relatedstage.StageName] != 0 {
		t.Fatalf("stats %+v: the related stage still owes articles", st)
	}
	arts, _, err := db.FindArticles(ctx, marsad.ArticleFilter{Limit: 200})
	if err != nil {
		t.Fatal(err)
	}
	ids := make([]int64, len(arts))
	for i, a := range arts {
		ids[i] = a.ID
	}
	vs, err := db.TermVectors(ctx, ids)
	if err != nil {
		t.Fatal(err)
	}
	if len(vs) != len(arts) {
		t.Errorf("%d vectors for %d articles", len(vs), len(arts))
	}
	an := analyzer.New()
	byVectors := related.New(db, an.Terms, related.DefaultParams())
	sp := related.DefaultParams()
	sp.FromSearch = true
	bySearch := related.New(db, an.Terms, sp)
	same, listed := 0, 0
	for _, a := range arts[:60] {
		lv, err := byVectors.Find(ctx, a)
		if err != nil {
			t.Fatal(err)
		}
		ls, err := bySearch.Find(ctx, a)
		if err != nil {
			t.Fatal(err)
		}
		if len(lv.Similar) == 0 || len(ls.Similar) == 0 {
			continue
		}
		listed++
		if lv.Similar[0].ID == ls.Similar[0].ID {
			same++
		}
	}
	if listed < 30 || same < listed*2/3 {
		t.Errorf("the first similar article is the same from vectors and from the search for %d of %d lists", same, listed)
	}
	t.Logf("the first similar article is the same for %d of %d lists", same, listed)
}
