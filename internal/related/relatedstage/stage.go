// Package relatedstage is the pipeline stage that keeps, for every article,
// what its related lists are computed from (internal/related): its term
// counts and heaviest terms, written once when the article is saved (or by
// catch-up), so that a list is computed without analyzing any body.
package relatedstage

import (
	"context"
	"fmt"

	"github.com/marsad/marsad"
	"github.com/marsad/marsad/internal/pipeline"
	"github.com/marsad/marsad/internal/related"
)

// StageName is the stage's name in the work ledger.
const StageName = "related"

// Stage stores the term vectors of new articles.
type Stage struct {
	store marsad.RelatedStore
	f     *related.Finder
}

// New returns the stage writing to store, with f's parameters and document
// frequencies (f reads the same store).
func New(store marsad.RelatedStore, f *related.Finder) *Stage {
	return &Stage{store: store, f: f}
}

// Params are the related parameters the stage's Finder uses: the
// defaults, with each term's document frequency read once, when the stage
// first meets it, and scaled with the archive after that
// (related.Params.DFRefresh 0): an import from nothing would otherwise read
// again, at every step of its growth, every term of its batch, and the
// stage's weights only choose an article's keys and stored terms.
func Params() related.Params {
	p := related.DefaultParams()
	p.DFRefresh = 0
	p.VectorCache = 0 // the stage stores vectors; it computes no list
	// The stage never refreshes its frequencies: a term keeps the share
	// read when the stage first met it, and a scan would fix those of
	// every term already indexed at the scan's size instead.
	p.ScanVocabulary = false
	return p
}

// Name implements pipeline.Stage.
func (s *Stage) Name() string { return StageName }

// Process implements pipeline.Stage: the vectors of the items, from the
// terms the pipeline analyzed, saved for the articles still owed.
func (s *Stage) Process(ctx context.Context, items []*pipeline.Item) error {
	if len(items) == 0 {
		return nil
	}
	docs := make([]related.Analyzed, len(items))
	for i, it := range items {
		docs[i] = related.Analyzed{Article: it.Article, Title: it.TitleTerms, Body: it.BodyTerms}
	}
	vs, err := s.f.Vectors(ctx, docs)
	if err != nil {
		return fmt.Errorf("related: %w", err)
	}
	if _, err := s.store.SaveTermVectors(ctx, StageName, vs); err != nil {
		return fmt.Errorf("related: %w", err)
	}
	return nil
}
