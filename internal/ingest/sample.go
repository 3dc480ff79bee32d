package ingest

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/marsad/marsad"
	"github.com/marsad/marsad/internal/analyzer"
	"github.com/marsad/marsad/internal/importer"
	"github.com/marsad/marsad/store/sqlite"
)

// Sample opens a new store at path and ingests the first perFile valid
// lines of each JSONL file through the standard pipeline (bad lines are
// skipped, as the importer does): a populated store for tests that need
// one (pages, the browser test) without importing whole archives.
func Sample(ctx context.Context, path string, perFile int, files ...string) (*sqlite.DB, error) {
	db, err := sqlite.Open(ctx, path)
	if err != nil {
		return nil, err
	}
	if err := SampleInto(ctx, db, perFile, files...); err != nil {
		db.Close()
		return nil, err
	}
	return db, nil
}

// SampleInto ingests the same sample as Sample into an open store of any
// backend, in batches of 500.
func SampleInto(ctx context.Context, store marsad.Store, perFile int, files ...string) error {
	p := New(store, analyzer.New())
	for _, name := range files {
		batch, err := readLines(name, perFile)
		if err != nil {
			return err
		}
		for i := 0; i < len(batch); i += 500 {
			if _, err := p.Ingest(ctx, batch[i:min(len(batch), i+500)]); err != nil {
				return fmt.Errorf("ingest %s: %w", name, err)
			}
		}
	}
	return nil
}

func readLines(name string, n int) ([]*marsad.RawArticle, error) {
	f, err := os.Open(name)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	rd := importer.NewReader(f, name)
	var out []*marsad.RawArticle
	for len(out) < n {
		raw, err := rd.Next()
		var le *importer.LineError
		switch {
		case errors.Is(err, io.EOF):
			return out, nil
		case errors.As(err, &le):
			continue
		case err != nil:
			return nil, err
		}
		out = append(out, raw)
	}
	return out, nil
}
