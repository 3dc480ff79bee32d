package story

import (
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"testing"

	"github.com/marsad/marsad"
	"github.com/marsad/marsad/internal/analyzer"
	"github.com/marsad/marsad/internal/importer"
	"github.com/marsad/marsad/internal/pipeline"
	"github.com/marsad/marsad/internal/testdata"
	"github.com/marsad/marsad/store/sqlite"
)

// Two stages writing to one store in turns keep their document
// frequencies by adding what the other counted (and taking back what a
// placement that was not saved counted): after the run they hold exactly
// what a stage loading the store afresh counts.
func TestDocumentFrequenciesFollowAnotherWriterExactly(t *testing.T) {
	ctx := context.Background()
	f, err := os.Open(testdata.Path(t, "ant_multisource/articles.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rd := importer.NewReader(f, "ant")
	var raws []*marsad.RawArticle
	for len(raws) < 600 {
		raw, err := rd.Next()
		if errors.Is(err, io.EOF) {
			break
		} else if err != nil {
			continue
		}
		raws = append(raws, raw)
	}
	db, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "s.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	an := analyzer.New()
	a, b := NewStage(db, DefaultParams(), an.Terms), NewStage(db, DefaultParams(), an.Terms)
	pa := pipeline.New(db, an, pipeline.WithStages(a))
	pb := pipeline.New(db, an, pipeline.WithStages(b))
	for i := 0; i < len(raws); i += 50 {
		p := pa
		if (i/50)%2 == 1 {
			p = pb
		}
		if _, err := p.Ingest(ctx, raws[i:min(len(raws), i+50)]); err != nil {
			t.Fatal(err)
		}
	}
	fresh := NewStage(db, DefaultParams(), an.Terms)
	if err := db.StoryRead(ctx, func(tx marsad.StoryTx) error {
		if err := a.sync(ctx, tx); err != nil {
			return err
		}
		return fresh.sync(ctx, tx)
	}); err != nil {
		t.Fatal(err)
	}
	got, want := a.m.DocFreq(), fresh.m.DocFreq()
	if got.N() != want.N() || !reflect.DeepEqual(got.rows, want.rows) {
		t.Errorf("after taking turns the stage counts %d documents, a fresh load %d (or their counters differ)", got.N(), want.N())
	}
	if int(want.N()) != len(raws) {
		t.Logf("%d documents counted of %d read", want.N(), len(raws))
	}
}

// TestFeatureIndices holds the indices pairFeatures uses (to skip counting
// the shared rare terms, to bound the member features) to the features'
// names.
func TestFeatureIndices(t *testing.T) {
	for i, name := range map[int]string{rareShared: "rare_shared", fNearest: "nearest", fLatest: "latest",
		fTitleNearest: "title_nearest", fEntityNearest: "entity_nearest"} {
		if featureNames[i] != name {
			t.Fatalf("featureNames[%d] is %q, want %s", i, featureNames[i], name)
		}
	}
}
