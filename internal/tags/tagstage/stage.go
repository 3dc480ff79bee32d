// Package tagstage is the pipeline stage of tags: a thin layer that feeds
// saved articles to the pure tags package and writes its results through
// marsad.TagStore.
package tagstage

import (
	"context"
	"fmt"

	"github.com/marsad/marsad"
	"github.com/marsad/marsad/internal/pipeline"
	"github.com/marsad/marsad/internal/tags"
)

// StageName is the stage's name in the pipeline and the work ledger.
const StageName = "tags"

// checkpointEvery is how many counted articles the corpus statistics may
// run ahead of their stored checkpoint (12 MiB each time it is written). A
// restart loses the counts of at most this many articles from the
// statistics (their tags are stored): document frequencies a little low,
// never a tag lost.
const checkpointEvery = 2000

// Stage tags newly saved articles. It keeps the corpus statistics in
// memory between batches; the pipeline serialises calls.
type Stage struct {
	store   marsad.TagStore
	x       *tags.Extractor
	corpus  *tags.Corpus
	sinceCk int
}

// New returns the tag stage.
func New(store marsad.TagStore, x *tags.Extractor) *Stage {
	return &Stage{store: store, x: x}
}

// Name implements pipeline.Stage.
func (s *Stage) Name() string { return StageName }

// PrepareItem implements pipeline.Preparer: the candidates are cut in the
// parallel prepare workers; only counting and ranking, which need the
// corpus, are left to Process.
func (s *Stage) PrepareItem(it *pipeline.Item) {
	if it.Prepared == nil {
		it.Prepared = map[string]any{}
	}
	// The pipeline hands its preparers the article's tokens.
	p := s.x.PrepareTokens(doc(it), it.TitleTokens, it.BodyTokens)
	p.Hashes() // hashed here, in parallel; counted serially in Process
	it.Prepared[StageName] = p
}

func doc(it *pipeline.Item) tags.Doc {
	return tags.Doc{Title: it.Article.Title, Body: it.Article.Body, Publisher: it.Article.Tags}
}

// Process implements pipeline.Stage: each article is counted into the
// corpus statistics, then tagged with them (so an article sees the
// archive up to itself), and the batch is saved with the work it
// completes.
func (s *Stage) Process(ctx context.Context, items []*pipeline.Item) error {
	if len(items) == 0 {
		return nil
	}
	if s.corpus == nil {
		if err := s.load(ctx); err != nil {
			return err
		}
	}
	batch := make([]marsad.ArticleTags, 0, len(items))
	for _, it := range items {
		p, ok := it.Prepared[StageName].(*tags.Prepared)
		if !ok {
			p = s.x.Prepare(doc(it))
		}
		s.corpus.AddHashed(p.Hashes())
		found := s.x.Select(s.x.Features(p, s.corpus), it.Article.Tags, s.x.Params())
		at := marsad.ArticleTags{ArticleID: it.Article.ID}
		for _, t := range found {
			at.Tags = append(at.Tags, marsad.ArticleTag{Key: t.Key, Surface: t.Surface, Score: t.Score, Publisher: t.Publisher})
		}
		batch = append(batch, at)
	}
	var blob []byte
	if s.sinceCk+len(items) >= checkpointEvery {
		var err error
		if blob, err = s.corpus.MarshalBinary(); err != nil {
			return fmt.Errorf("tags: %w", err)
		}
	}
	saved, err := s.store.SaveTags(ctx, StageName, batch, blob)
	if err != nil {
		s.corpus = nil // it counted articles the store did not take
		return fmt.Errorf("tags: %w", err)
	}
	if len(saved) != len(batch) {
		// Another process tagged some of them and counted them in its own
		// statistics: reload the stored ones rather than count twice.
		s.corpus = nil
	}
	if blob != nil {
		s.sinceCk = 0
	} else {
		s.sinceCk += len(items)
	}
	return nil
}

// load reads the stored corpus statistics, or starts empty.
func (s *Stage) load(ctx context.Context) error {
	b, err := s.store.TagCorpus(ctx)
	if err != nil {
		return fmt.Errorf("tags: %w", err)
	}
	c := tags.NewCorpus()
	if b != nil {
		if err := c.UnmarshalBinary(b); err != nil {
			return fmt.Errorf("tags: stored corpus: %w", err)
		}
	}
	s.corpus, s.sinceCk = c, 0
	return nil
}
