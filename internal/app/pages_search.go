package app

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/marsad/marsad"
	"github.com/marsad/marsad/internal/search"
)

// Analyzer is what the pages need of the Arabic analyzer: query terms,
// normalized names, and tokens with offsets for snippets.
type Analyzer interface {
	search.Analyzer
	search.Tokenizer
}

// SearchQuery is a search as the reader asks it: the query text (with its
// own source:/from:/to: filters) and the form's outlet and date fields.
type SearchQuery struct {
	Q      string
	Source string // an outlet's key, Arabic or Latin name
	From   string // YYYY-MM-DD, inclusive
	To     string // YYYY-MM-DD, inclusive
	Page   int
}

// Bounds on one search, beside search.WebLimits.
const (
	// MaxQueryRunes bounds the query text before it is parsed at all.
	MaxQueryRunes = 400
	// SearchTimeout bounds one search's work in the store.
	SearchTimeout = 3 * time.Second
	// searchWait is how long a search waits for one of the running ones
	// to finish before it is turned away.
	searchWait = 2 * time.Second
	// ResultsPerPage is the number of stories on a page of results.
	ResultsPerPage = 20
)

// SearchResult is one story among the hits: its best matching article
// with highlighted title and snippet, and how many other of its articles
// match.
type SearchResult struct {
	Article *marsad.Article
	Story   *marsad.Story // nil when the article has no story yet
	Others  int
	Title   []search.Segment
	Snippet []search.Segment
}

// SearchPage is one page of results, grouped by story.
type SearchPage struct {
	Query   SearchQuery
	Results []SearchResult
	Total   int // stories (or copy groups) that match
	Page    int
	Pages   int
	Sources []*marsad.Source // the outlets the search was limited to
	Took    time.Duration
}

// ErrBusy is the error of a search turned away because enough others are
// running (EUNAVAILABLE); the web layer answers 503 with Retry-After.
var ErrBusy = marsad.Errorf(marsad.EUNAVAILABLE, "يجري الآن عدد كبير من عمليات البحث؛ أعد المحاولة بعد لحظات.")

// Search runs a reader's search. A malformed or too costly query is an
// *search.Error (EINVALID, with an Arabic message); a search that runs out
// of time is EINVALID too, with a message that asks for a narrower query.
func (p *Pages) Search(ctx context.Context, q SearchQuery) (*SearchPage, error) {
	start := time.Now()
	page, err := pageArg(q.Page)
	if err != nil {
		return nil, err
	}
	if n := utf8.RuneCountInString(q.Q); n > MaxQueryRunes {
		return nil, marsad.Errorf(marsad.EINVALID, "الاستعلام طويل (%d حرفاً)؛ الحد %d حرف.", n, MaxQueryRunes)
	}
	text := q.Q
	if q.From != "" {
		text += " from:" + q.From
	}
	if q.To != "" {
		text += " to:" + q.To
	}
	parsed, err := search.ParseLimited(text, p.an, search.WebLimits)
	if err != nil {
		return nil, err
	}
	out := &SearchPage{Query: q, Page: page}
	names := parsed.Request.Sources
	if q.Source != "" {
		names = append(names, q.Source)
	}
	if len(names) > 0 {
		srcs, err := p.resolveSources(ctx, names)
		if err != nil {
			return nil, err
		}
		out.Sources = srcs
		parsed.Request.Sources = parsed.Request.Sources[:0]
		for _, s := range srcs {
			parsed.Request.Sources = append(parsed.Request.Sources, s.Key)
		}
	}
	req := parsed.Request
	req.ByStory = true
	req.Offset, req.Limit = (page-1)*ResultsPerPage, ResultsPerPage

	select {
	case p.searches <- struct{}{}:
	case <-time.After(searchWait):
		return nil, ErrBusy
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	sctx, cancel := context.WithTimeout(ctx, SearchTimeout)
	hits, total, err := p.store.Search(sctx, req)
	cancel()
	<-p.searches
	if err != nil {
		if errors.Is(err, context.DeadlineExceeded) || (sctx.Err() != nil && ctx.Err() == nil) {
			return nil, marsad.Errorf(marsad.EINVALID, "استغرق هذا البحث وقتاً أطول من المسموح؛ أضف كلمة أو حدّد مصدراً أو مدة.")
		}
		return nil, err
	}
	out.Total, out.Pages = total, pagesOf(total, ResultsPerPage)
	for _, h := range hits {
		r := SearchResult{Article: h.Article, Others: h.Copies,
			Title:   search.Highlight(p.an, h.Article.Title, parsed.Terms),
			Snippet: search.Snippet(p.an, h.Article.Body, parsed.Terms, 30)}
		if h.Article.StoryID != 0 {
			st, err := p.store.FindStoryByID(ctx, h.Article.StoryID)
			if err != nil && marsad.ErrorCode(err) != marsad.ENOTFOUND {
				return nil, err
			}
			r.Story = st
		}
		h.Article.Body, h.Article.HTML = "", "" // the snippet is what shows
		out.Results = append(out.Results, r)
	}
	out.Took = time.Since(start)
	return out, nil
}

// resolveSources finds the outlets named by a key, a Latin name or an
// Arabic name (compared after the analyzer's normalization, so عكاظ finds
// «صحيفة عكاظ» and okaz finds okaz). EINVALID when a name matches none.
func (p *Pages) resolveSources(ctx context.Context, names []string) ([]*marsad.Source, error) {
	all, err := p.store.FindSources(ctx)
	if err != nil {
		return nil, err
	}
	seen := map[int64]bool{}
	var out []*marsad.Source
	for _, name := range names {
		want := p.an.Normalize(strings.ToLower(strings.TrimSpace(name)))
		if want == "" {
			continue
		}
		found := false
		for _, s := range all {
			key, nm := strings.ToLower(s.Key), p.an.Normalize(strings.ToLower(s.Name))
			if key == want || nm == want || strings.Contains(nm, want) || strings.TrimPrefix(strings.ToLower(s.Domain), "www.") == want {
				found = true
				if !seen[s.ID] {
					seen[s.ID] = true
					out = append(out, s)
				}
			}
		}
		if !found {
			return nil, marsad.Errorf(marsad.EINVALID, "لا مصدر باسم «%s». صفحة المصادر تذكر أسماءها ومفاتيحها.", name)
		}
	}
	if len(out) > search.WebLimits.Sources {
		return nil, marsad.Errorf(marsad.EINVALID, "%s", fmt.Sprintf("يطابق هذا الاسم %d مصدراً؛ الحد %d.", len(out), search.WebLimits.Sources))
	}
	return out, nil
}
