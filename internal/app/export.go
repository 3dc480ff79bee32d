package app

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"time"

	"github.com/marsad/marsad"
	"github.com/marsad/marsad/internal/analyzer"
	"github.com/marsad/marsad/internal/dedup/dedupstage"
	"github.com/marsad/marsad/internal/importer"
	"github.com/marsad/marsad/internal/story"
	"github.com/marsad/marsad/internal/tags/tagstage"
)

// archivedStages returns the stages whose decisions an export carries, in the
// pipeline's order.
func archivedStages() []string {
	return []string{dedupstage.StageName, story.StageName, tagstage.StageName}
}

// ExportOptions tune Export.
type ExportOptions struct {
	// After starts the export after this article id (resuming one).
	After int64
	// Batch is how many articles are read at a time (default 500): what
	// the export holds in memory, whatever the archive's size.
	Batch int
	// OnBatch is told, after each batch written, how many lines were
	// written so far and the last id.
	OnBatch func(lines int, last int64)
}

// Export writes the stored articles with an id above opt.After to w, in id
// order, one JSON object a line: the import format with marsad's own
// fields (importer.Line), which `marsad import` restores. Each batch is
// written whole before the next is read, so an interrupted export ends with
// complete lines but perhaps a partial last one, and resumes after the
// last complete line's id. It returns the lines written and the last id.
//
// The archive is read in batches, not in one snapshot: articles saved
// while it runs are exported when their id comes after the current batch,
// and an article's story or tags are those stored when its batch is read.
func (a *App) Export(ctx context.Context, w io.Writer, opt ExportOptions) (lines int, last int64, err error) {
	if opt.Batch <= 0 {
		opt.Batch = 500
	}
	opt.Batch = min(opt.Batch, 1000) // FindArticles takes at most 1000 ids
	counts, err := a.Store.OwedCounts(ctx)
	if err != nil {
		return 0, opt.After, err
	}
	bw := bufio.NewWriterSize(w, 1<<20)
	enc := json.NewEncoder(bw)
	enc.SetEscapeHTML(false) // the text stays readable: <, > and & as they are
	last = opt.After
	for {
		list, _, err := a.Store.FindArticles(ctx, marsad.ArticleFilter{AfterID: last, Limit: opt.Batch})
		if err != nil {
			return lines, last, err
		}
		if len(list) == 0 {
			return lines, last, bw.Flush()
		}
		out, err := a.exportBatch(ctx, list, last, counts)
		if err != nil {
			return lines, last, err
		}
		for _, l := range out {
			if err := enc.Encode(l); err != nil {
				return lines, last, fmt.Errorf("export article %d: %w", l.Marsad.ID, err)
			}
		}
		if err := bw.Flush(); err != nil {
			return lines, last, fmt.Errorf("export: %w", err)
		}
		lines += len(out)
		last = list[len(list)-1].ID
		if opt.OnBatch != nil {
			opt.OnBatch(lines, last)
		}
	}
}

// exportBatch turns one batch of articles (every article with an id in
// (after, last id of list]) into lines.
func (a *App) exportBatch(ctx context.Context, list []*marsad.Article, after int64, registered map[string]int) ([]*importer.Line, error) {
	top := list[len(list)-1].ID
	owed := map[int64][]string{}
	for _, st := range archivedStages() {
		if _, ok := registered[st]; !ok {
			// A stage this archive never ran owes every article.
			for _, art := range list {
				owed[art.ID] = append(owed[art.ID], st)
			}
			continue
		}
		// Every article with an id in (after, top] is in list, so the
		// owed ones among them are at most len(list).
		ids, err := a.Store.OwedArticles(ctx, st, after, len(list))
		if err != nil {
			return nil, err
		}
		for _, id := range ids {
			if id <= top {
				owed[id] = append(owed[id], st)
			}
		}
	}
	records, err := a.firstMemberStories(ctx, list)
	if err != nil {
		return nil, err
	}
	out := make([]*importer.Line, len(list))
	for i, art := range list {
		ar := &importer.Archived{ID: art.ID, Analyzer: analyzer.Version, Fetched: art.Fetched.UTC(),
			PublishedClaimed: art.PublishedClaimed, CopyOf: art.CanonicalID, Story: art.StoryID,
			StoryRecord: records[art.ID], Owed: owed[art.ID]}
		if !slices.Contains(ar.Owed, tagstage.StageName) {
			if ar.Tags, err = a.Store.TagsOf(ctx, art.ID); err != nil {
				return nil, fmt.Errorf("export article %d: %w", art.ID, err)
			}
		}
		out[i] = &importer.Line{URL: art.URL, Title: art.Title, Body: art.Body, HTML: art.HTML,
			Summary: art.Summary, Source: art.Source, SourceName: art.SourceName, Published: art.Published.UTC(),
			Author: art.Author, Tags: art.Tags, Category: art.Category, ID: art.ExternalID, Lang: art.Lang, Marsad: ar}
	}
	return out, nil
}

// firstMemberStories returns, by article id, the stories whose first
// member (by id) is in list, with the clusterer's state: each story is
// written once, on the line a restore reads first.
func (a *App) firstMemberStories(ctx context.Context, list []*marsad.Article) (map[int64]*importer.ArchivedStory, error) {
	first := map[int64]int64{} // story → its lowest member id in list
	for _, art := range list {
		if art.StoryID != 0 {
			if _, ok := first[art.StoryID]; !ok {
				first[art.StoryID] = art.ID
			}
		}
	}
	want := map[int64]time.Time{} // story → last seen, for stories whose first member is here
	for st, id := range first {
		members, _, err := a.Store.FindArticles(ctx, marsad.ArticleFilter{StoryID: &st, Limit: 1, NoText: true})
		if err != nil {
			return nil, err
		}
		if len(members) == 1 && members[0].ID == id {
			s, err := a.Store.FindStoryByID(ctx, st)
			if err != nil {
				return nil, fmt.Errorf("export story %d: %w", st, err)
			}
			want[st] = s.LastSeen
		}
	}
	out := map[int64]*importer.ArchivedStory{}
	if len(want) == 0 {
		return out, nil
	}
	// The state is read where the story stage reads it: stories by last
	// seen time, in a read transaction.
	err := a.Store.StoryRead(ctx, func(tx marsad.StoryTx) error {
		for st, seen := range want {
			recs, err := tx.StoriesSeen(ctx, seen, seen.Add(time.Second))
			if err != nil {
				return err
			}
			for _, r := range recs {
				if r.ID == st {
					out[first[st]] = &importer.ArchivedStory{ID: r.ID, Title: r.Title, TitleArticleID: r.TitleArticleID,
						FirstSeen: r.FirstSeen.UTC(), LastSeen: r.LastSeen.UTC(), Articles: r.Articles,
						Sources: r.Sources, State: r.State}
				}
			}
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("export stories: %w", err)
	}
	return out, nil
}
