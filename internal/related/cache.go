package related

import (
	"container/list"
	"context"
	"sync"
	"time"

	"github.com/marsad/marsad"
)

// Cache keeps the lists of recently shown articles in memory, so a page
// viewed again does not compute them again (a computation runs the
// candidate query and reads and weighs 80 candidates' stored vectors:
// milliseconds of CPU, see docs/PERFORMANCE.md). An entry lives TTL, so new articles and changed
// stories reach a list within TTL; at most Size entries are kept, the
// least recently used going first.
type Cache struct {
	f    *Finder
	ttl  time.Duration
	size int
	now  func() time.Time

	mu    sync.Mutex
	byID  map[int64]*list.Element
	order *list.List // front: most recently used
}

type cached struct {
	id    int64
	lists *Lists
	at    time.Time
}

// NewCache returns a cache of at most size lists, each kept ttl.
func NewCache(f *Finder, size int, ttl time.Duration) *Cache {
	return &Cache{f: f, ttl: ttl, size: max(size, 1), now: time.Now, byID: map[int64]*list.Element{}, order: list.New()}
}

// get returns the fresh cached lists of article id, nil when there are none.
func (c *Cache) get(id int64) *Lists {
	c.mu.Lock()
	defer c.mu.Unlock()
	if e, ok := c.byID[id]; ok {
		if v := e.Value.(*cached); c.now().Sub(v.at) < c.ttl {
			c.order.MoveToFront(e)
			return v.lists
		}
	}
	return nil
}

// Lists returns the article's lists from the cache, computing them when
// they are missing or older than the TTL. Two pages asking at once may
// both compute; the later answer is kept.
func (c *Cache) Lists(ctx context.Context, a *marsad.Article) (*Lists, error) {
	if l := c.get(a.ID); l != nil {
		return l, nil
	}
	now := c.now()
	l, err := c.f.Find(ctx, a)
	if err != nil {
		return nil, err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if e, ok := c.byID[a.ID]; ok {
		e.Value = &cached{a.ID, l, now}
		c.order.MoveToFront(e)
		return l, nil
	}
	c.byID[a.ID] = c.order.PushFront(&cached{a.ID, l, now})
	for c.order.Len() > c.size {
		last := c.order.Back()
		delete(c.byID, last.Value.(*cached).id)
		c.order.Remove(last)
	}
	return l, nil
}
