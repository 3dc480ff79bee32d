package pipeline_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/marsad/marsad"
	"github.com/marsad/marsad/internal/analyzer"
	"github.com/marsad/marsad/internal/pipeline"
)

func TestBatcherGathersCallersAndCountsEachOnItsOwn(t *testing.T) {
	db := openStore(t)
	rec := &recorder{db: db}
	p := pipeline.New(db, analyzer.New(), pipeline.WithStages(rec))
	b := pipeline.NewBatcher(p, 1000, 50*time.Millisecond)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go b.Run(ctx)

	const callers = 8
	var wg sync.WaitGroup
	results := make([]pipeline.Result, callers)
	errs := make([]error, callers)
	for c := range callers {
		wg.Go(func() {
			raws := []*marsad.RawArticle{
				{URL: fmt.Sprintf("https://f%d.example/1", c), Title: "خبر", Body: "نص"},
				{URL: fmt.Sprintf("https://f%d.example/2", c), Title: "خبر آخر", Body: "نص آخر"},
				{URL: "https://shared.example/same", Title: "خبر مشترك", Body: "نص"}, // all callers carry it
				{URL: "", Title: "بلا رابط"},
			}
			results[c], errs[c] = b.Ingest(ctx, raws)
		})
	}
	wg.Wait()
	imported, unchanged := 0, 0
	for c := range callers {
		if errs[c] != nil {
			t.Fatal(errs[c])
		}
		r := results[c]
		if r.Read != 4 || r.Invalid != 1 || r.Imported+r.Unchanged != 3 || r.Imported < 2 {
			t.Errorf("caller %d: %+v", c, r)
		}
		imported += r.Imported
		unchanged += r.Unchanged
	}
	if n, _ := db.CountArticles(ctx); n != 2*callers+1 || imported != n || unchanged != callers-1 {
		t.Errorf("store %d, imported %d, unchanged %d", n, imported, unchanged)
	}
	if len(rec.seen) != 2*callers+1 {
		t.Errorf("stage saw %d articles", len(rec.seen))
	}
}
