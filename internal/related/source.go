package related

import (
	"context"
	"runtime"
	"sync"
	"time"

	"github.com/marsad/marsad"
)

// Source serves the lists by article id, as the article page asks for
// them (internal/app's RelatedSource). A page waits at most Wait for lists
// not in the cache: past it the page goes out without them while the
// computation finishes in the background and fills the cache, so the next
// rendering of the page has them.
type Source struct {
	articles ArticleFinder
	cache    *Cache
	// Wait is how long a page waits for lists that must be computed.
	Wait time.Duration
	// Budget bounds a background computation.
	Budget time.Duration
	// MaxPending bounds the computations started and not finished: past
	// it a page goes out without lists and starts nothing (a later view
	// asks again), so a crawler walking the archive queues no more than
	// this many articles.
	MaxPending int

	// sem holds one token per computation running: a computation is
	// milliseconds of CPU (more while the store's document frequencies
	// are not yet cached), and run unbounded a burst of new pages (a
	// crawler) starves every other request of the machine's cores.
	sem      chan struct{}
	mu       sync.Mutex
	inflight map[int64]chan struct{}
}

// ArticleFinder is what Source reads articles with (a marsad.ArticleService).
type ArticleFinder interface {
	// FindArticleByID returns one article. ENOTFOUND if there is none.
	FindArticleByID(ctx context.Context, id int64) (*marsad.Article, error)
}

// NewSource returns a Source reading articles from s and lists through c,
// waiting at most 50 ms, computing on at most half the cores at once and
// keeping at most 64 computations pending.
func NewSource(s ArticleFinder, c *Cache) *Source {
	return &Source{articles: s, cache: c, Wait: 50 * time.Millisecond, Budget: 10 * time.Second,
		MaxPending: 64, sem: make(chan struct{}, max(1, runtime.GOMAXPROCS(0)/2)),
		inflight: map[int64]chan struct{}{}}
}

// ReadAlso returns the read-also picks of article id (none while they are
// being computed). ENOTFOUND when the article does not exist.
func (s *Source) ReadAlso(ctx context.Context, id int64) ([]*marsad.Article, error) {
	l, err := s.lists(ctx, id)
	if err != nil || l == nil {
		return nil, err
	}
	return articlesOf(l.ReadAlso), nil
}

// Similar returns the similar articles of article id, best first (none
// while they are being computed). ENOTFOUND when the article does not
// exist.
func (s *Source) Similar(ctx context.Context, id int64) ([]*marsad.Article, error) {
	l, err := s.lists(ctx, id)
	if err != nil || l == nil {
		return nil, err
	}
	return articlesOf(l.Similar), nil
}

// lists returns the cached lists, or starts (or joins) their computation
// and waits for it at most Wait; nil when it is not done by then.
func (s *Source) lists(ctx context.Context, id int64) (*Lists, error) {
	if l := s.cache.get(id); l != nil {
		return l, nil
	}
	a, err := s.articles.FindArticleByID(ctx, id)
	if err != nil {
		return nil, err
	}
	s.mu.Lock()
	done, ok := s.inflight[id]
	if !ok {
		if len(s.inflight) >= s.MaxPending {
			s.mu.Unlock()
			return nil, nil
		}
		done = make(chan struct{})
		s.inflight[id] = done
		go func() {
			// Detached from the page's request: the answer is for the
			// cache, and a reader who left does not cancel it.
			bctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), s.Budget)
			defer cancel()
			select {
			case s.sem <- struct{}{}:
				_, _ = s.cache.Lists(bctx, a) // an error leaves the cache empty: asked again next time
				<-s.sem
			case <-bctx.Done():
			}
			s.mu.Lock()
			delete(s.inflight, id)
			s.mu.Unlock()
			close(done)
		}()
	}
	s.mu.Unlock()
	t := time.NewTimer(s.Wait)
	defer t.Stop()
	select {
	case <-done:
		return s.cache.get(id), nil
	case <-t.C:
		return nil, nil
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// Ready reports whether article id's lists are known (cached): a page
// rendered while they are still being computed is kept only briefly.
func (s *Source) Ready(id int64) bool { return s.cache.get(id) != nil }

// articlesOf turns entries into the articles a page links to (no body).
func articlesOf(es []Entry) []*marsad.Article {
	out := make([]*marsad.Article, 0, len(es))
	for _, e := range es {
		out = append(out, &marsad.Article{ID: e.ID, Title: e.Title, URL: e.URL, Source: e.Source,
			SourceName: e.SourceName, Published: e.Published, StoryID: e.StoryID})
	}
	return out
}
