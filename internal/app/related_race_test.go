package app_test

import (
	"context"
	"testing"

	"github.com/marsad/marsad"
)

// finishingSource is a related source that computes in the background and
// finishes right after its first read-also answer: the page asked read
// also while the lists were pending and similar once they were known.
type finishingSource struct {
	ready    bool
	ra, sim  []*marsad.Article
	readAlso int // calls
}

func (s *finishingSource) ReadAlso(context.Context, int64) ([]*marsad.Article, error) {
	s.readAlso++
	if !s.ready {
		s.ready = true // the computation ends now
		return nil, nil
	}
	return s.ra, nil
}

func (s *finishingSource) Similar(context.Context, int64) ([]*marsad.Article, error) {
	if !s.ready {
		return nil, nil
	}
	return s.sim, nil
}

func (s *finishingSource) Ready(int64) bool { return s.ready }

// TestArticlePageListsComeFromOneAnswer: lists that become known between
// the page's two asks are asked again, so the page (not pending, and kept
// as long as any) does not go out with similar articles and no read-also
// pick; lists still pending make a pending page.
func TestArticlePageListsComeFromOneAnswer(t *testing.T) {
	ctx := context.Background()
	db, pages := openArchive(t)
	arts, _, err := db.FindArticles(ctx, marsad.ArticleFilter{Limit: 3, NoText: true})
	if err != nil || len(arts) < 3 {
		t.Fatalf("%d articles, %v", len(arts), err)
	}
	src := &finishingSource{ra: arts[1:2], sim: arts[2:3]}
	pages.Related = src
	page, err := pages.Article(ctx, arts[0].ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(page.ReadAlso) != 1 || len(page.Similar) != 1 || page.RelatedPending {
		t.Fatalf("lists known during the page: read also %d, similar %d, pending %v: want both lists, not pending",
			len(page.ReadAlso), len(page.Similar), page.RelatedPending)
	}
	pages.Related = stillPending{&finishingSource{}}
	if page, err = pages.Article(ctx, arts[0].ID); err != nil || !page.RelatedPending {
		t.Fatalf("lists still computing: pending %v, %v", page != nil && page.RelatedPending, err)
	}
}

// stillPending never finishes.
type stillPending struct{ *finishingSource }

func (s stillPending) ReadAlso(context.Context, int64) ([]*marsad.Article, error) { return nil, nil }
func (s stillPending) Ready(int64) bool                                           { return false }
