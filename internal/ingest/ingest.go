// Package ingest assembles the pipeline every door of marsad uses — a
// store, the Arabic analyzer, then the dedup, story and tag stages in that
// order — in one place, so the binary, the evaluations and the benchmarks
// measure the same thing. (The pipeline package itself cannot: the stages
// import it.)
package ingest

import (
	"github.com/marsad/marsad"
	"github.com/marsad/marsad/internal/analyzer"
	"github.com/marsad/marsad/internal/dedup"
	"github.com/marsad/marsad/internal/dedup/dedupstage"
	"github.com/marsad/marsad/internal/pipeline"
	"github.com/marsad/marsad/internal/related"
	"github.com/marsad/marsad/internal/related/relatedstage"
	"github.com/marsad/marsad/internal/story"
	"github.com/marsad/marsad/internal/tags"
	"github.com/marsad/marsad/internal/tags/tagstage"
)

// Stages returns marsad's stages over store: dedup first (a copy joins its
// canonical article's story, so links must exist before clustering), then
// stories with parameters sp, then tags, then the related lists' term
// vectors.
func Stages(store marsad.Store, an *analyzer.Analyzer, sp story.Params) []pipeline.Stage {
	return StagesWith(store, an, sp, relatedstage.Params())
}

// StagesWith is Stages with the related stage's parameters rp (an
// evaluation of its key and vector sizes).
func StagesWith(store marsad.Store, an *analyzer.Analyzer, sp story.Params, rp related.Params) []pipeline.Stage {
	return []pipeline.Stage{
		dedupstage.New(store, dedup.DefaultConfig()),
		story.NewStage(store, sp, an.Terms),
		tagstage.New(store, tags.New(an, tags.DefaultParams())),
		relatedstage.New(store, related.New(store, an.Terms, rp)),
	}
}

// New returns the standard pipeline over store, with the default story
// parameters; opts are applied after the stages.
func New(store marsad.Store, an *analyzer.Analyzer, opts ...pipeline.Option) *pipeline.Pipeline {
	return pipeline.New(store, an, append([]pipeline.Option{
		pipeline.WithStages(Stages(store, an, story.DefaultParams())...)}, opts...)...)
}
