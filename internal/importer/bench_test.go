package importer_test

import (
	"context"
	"testing"

	"github.com/marsad/marsad/internal/importer"
	"github.com/marsad/marsad/internal/testdata"
)

// BenchmarkImportNoStages measures the import door, analysis, saving and
// indexing, without the dedup and story stages (see `marsad bench import`
// for the whole pipeline).
func BenchmarkImportNoStages(b *testing.B) {
	path := testdata.Path(b, "saudinewsnet/articles.jsonl")
	n := 0
	for i := 0; i < b.N; i++ {
		db := openStore(b)
		res, err := importFile(b, context.Background(), db, path, importer.Options{})
		if err != nil {
			b.Fatal(err)
		}
		n += res.Read
	}
	b.ReportMetric(float64(n)/b.Elapsed().Seconds(), "articles/s")
}
