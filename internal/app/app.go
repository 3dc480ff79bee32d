// Package app holds marsad's use cases — what the CLI, the web pages and
// the JSON API do — written once over the root package's interfaces:
// ingest through the one pipeline, reindex after an analyzer change,
// rebuild stories, and the read side the pages and the API share. A door
// (command, handler) parses its input, calls a use case and renders the
// result; it never talks to a store directly.
package app

import (
	"context"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/marsad/marsad"
	"github.com/marsad/marsad/internal/analyzer"
	"github.com/marsad/marsad/internal/dedup"
	"github.com/marsad/marsad/internal/dedup/dedupstage"
	"github.com/marsad/marsad/internal/ingest"
	"github.com/marsad/marsad/internal/pipeline"
	"github.com/marsad/marsad/internal/related/relatedstage"
	"github.com/marsad/marsad/internal/story"
	"github.com/marsad/marsad/internal/tags/tagstage"
)

// App is marsad's use cases over one store.
type App struct {
	Store    marsad.Store
	Analyzer *analyzer.Analyzer
	Log      *slog.Logger
}

// New returns the use cases over store.
func New(store marsad.Store, an *analyzer.Analyzer, log *slog.Logger) *App {
	if log == nil {
		log = slog.Default()
	}
	return &App{Store: store, Analyzer: an, Log: log}
}

// Pipeline returns the one pipeline every door uses (import, poller, API),
// with its stages.
func (a *App) Pipeline(opts ...pipeline.Option) *pipeline.Pipeline {
	return ingest.New(a.Store, a.Analyzer, append([]pipeline.Option{pipeline.WithLogger(a.Log)}, opts...)...)
}

// AnalyzerVersionKey is the meta key under which a store records the
// analyzer version its index was built with.
const AnalyzerVersionKey = "analyzer_version"

// CheckIndex records the analyzer version in a new store and refuses
// (EINVALID, naming the repair) a store indexed by another version: its
// terms would not match the queries. where names the store in the message.
func (a *App) CheckIndex(ctx context.Context, where string) error {
	v, err := a.Store.Meta(ctx, AnalyzerVersionKey)
	if err != nil {
		return err
	}
	want := fmt.Sprint(analyzer.Version)
	switch v {
	case want:
		return nil
	case "":
		return a.Store.SetMeta(ctx, AnalyzerVersionKey, want)
	}
	return marsad.Errorf(marsad.EINVALID, "store %s was indexed by analyzer version %s, this marsad has version %s: run `marsad reindex`",
		where, v, want)
}

// ReindexResult tells what a reindex did.
type ReindexResult struct {
	Articles int
	Copies   int
}

// Reindex rebuilds what depends on the analyzer's terms — the search
// index, content hashes and near-duplicate links — with this analyzer, and
// records its version. progress, when set, is told how many articles were
// reindexed so far. Stories keep their clusters (RebuildStories
// re-clusters).
func (a *App) Reindex(ctx context.Context, progress func(done int)) (ReindexResult, error) {
	var res ReindexResult
	var after int64
	for {
		list, _, err := a.Store.FindArticles(ctx, marsad.ArticleFilter{AfterID: after, Limit: 500})
		if err != nil {
			return res, err
		}
		if len(list) == 0 {
			break
		}
		batch := make([]*marsad.ArticleInput, len(list))
		for i, art := range list {
			body := a.Analyzer.Terms(art.Body)
			art.ContentHash = dedup.ContentHash(body)
			batch[i] = &marsad.ArticleInput{Article: art,
				TitleTerms: strings.Join(a.Analyzer.Terms(art.Title), " "), BodyTerms: strings.Join(body, " ")}
		}
		if err := a.Store.ReindexArticles(ctx, batch); err != nil {
			return res, err
		}
		after = list[len(list)-1].ID
		res.Articles += len(list)
		if progress != nil {
			progress(res.Articles)
		}
	}
	if err := a.Store.OptimizeIndex(ctx); err != nil {
		return res, err
	}
	// Near-duplicate sketches were made of the old terms: the dedup stage
	// owes every article again, and the pipeline's catch-up rebuilds them,
	// so old and new articles compare alike.
	if err := a.Store.ResetDedup(ctx, dedupstage.StageName); err != nil {
		return res, err
	}
	// Tag keys are analyzer terms: the tags are found again with the new
	// ones.
	if err := a.Store.ResetTags(ctx, tagstage.StageName); err != nil {
		return res, err
	}
	// The related lists' vectors are counts of analyzer terms.
	if err := a.Store.ResetTermVectors(ctx, relatedstage.StageName); err != nil {
		return res, err
	}
	if err := a.Pipeline().CatchUp(ctx); err != nil {
		return res, err
	}
	if err := a.Store.SetMeta(ctx, AnalyzerVersionKey, fmt.Sprint(analyzer.Version)); err != nil {
		return res, err
	}
	st, err := a.Store.Stats(ctx)
	if err != nil {
		return res, err
	}
	res.Copies = st.Copies
	return res, nil
}

// RebuildStories re-clusters the articles published in [from, to), in
// published order, on a fresh model; it returns how many articles it
// placed.
func (a *App) RebuildStories(ctx context.Context, from, to time.Time) (int, error) {
	if !from.Before(to) {
		return 0, marsad.Errorf(marsad.EINVALID, "rebuild range %s – %s is empty", from.Format(time.DateOnly), to.Format(time.DateOnly))
	}
	if err := a.Store.ClearStories(ctx, from, to); err != nil {
		return 0, err
	}
	arts, _, err := a.Store.FindArticles(ctx, marsad.ArticleFilter{From: from, To: to})
	if err != nil {
		return 0, err
	}
	st := story.NewStage(a.Store, story.DefaultParams(), a.Analyzer.Terms)
	if err := st.Rebuild(ctx, arts, 500); err != nil {
		return 0, err
	}
	return len(arts), nil
}
