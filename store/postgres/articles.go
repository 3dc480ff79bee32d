package postgres

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/marsad/marsad"
)

// articleColumns is the column list read by scanArticle, in order.
const articleColumns = `a.id, a.url, a.source_id, s.key, s.name, a.external_id, a.title, a.summary,
	a.body, a.html, a.author, a.category, a.lang, a.tags, a.published, a.fetched, a.content_hash,
	coalesce(a.canonical_id, 0), coalesce(a.story_id, 0), a.published_claimed`

// articleHeadColumns reads the same columns with the text left empty
// (ArticleFilter.NoText): a list never reads a body out of line.
var articleHeadColumns = strings.NewReplacer("a.summary", "''", "a.body", "''", "a.html", "''").Replace(articleColumns)

func scanArticle(r pgx.Row, extra ...any) (*marsad.Article, error) {
	var a marsad.Article
	var published, fetched, hash, claimed int64
	dest := append([]any{&a.ID, &a.URL, &a.SourceID, &a.Source, &a.SourceName, &a.ExternalID,
		&a.Title, &a.Summary, &a.Body, &a.HTML, &a.Author, &a.Category, &a.Lang, &a.Tags,
		&published, &fetched, &hash, &a.CanonicalID, &a.StoryID, &claimed}, extra...)
	if err := r.Scan(dest...); err != nil {
		return nil, err
	}
	a.Published, a.Fetched = timeOrZero(published), timeOrZero(fetched)
	a.PublishedClaimed = timeOrZero(claimed)
	a.ContentHash = uint64(hash)
	if a.Tags == nil {
		a.Tags = []string{}
	}
	return &a, nil
}

// collectArticles reads every row of rows as an article.
func collectArticles(rows pgx.Rows, err error) ([]*marsad.Article, error) {
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (*marsad.Article, error) { return scanArticle(r) })
}

// FindArticleByID returns one article. ENOTFOUND if there is none.
func (db *DB) FindArticleByID(ctx context.Context, id int64) (*marsad.Article, error) {
	list, _, err := db.FindArticles(ctx, marsad.ArticleFilter{ID: &id, Limit: 1})
	if err != nil {
		return nil, err
	} else if len(list) == 0 {
		return nil, marsad.Errorf(marsad.ENOTFOUND, "no article with id %d", id)
	}
	return list[0], nil
}

// FindArticleByURL returns the article stored under this canonical URL or
// its other scheme's form (marsad.URLKey). ENOTFOUND if there is none.
func (db *DB) FindArticleByURL(ctx context.Context, url string) (*marsad.Article, error) {
	list, _, err := db.FindArticles(ctx, marsad.ArticleFilter{URL: &url, Limit: 1})
	if err != nil {
		return nil, err
	} else if len(list) == 0 {
		return nil, marsad.Errorf(marsad.ENOTFOUND, "no article with url %s", url)
	}
	return list[0], nil
}

// maxFilterIDs bounds ArticleFilter.IDs, as in store/sqlite.
const maxFilterIDs = 1000

// args collects the bound values of a statement and names their
// placeholders ($1, $2 …).
type args []any

func (a *args) add(v any) string {
	*a = append(*a, v)
	return fmt.Sprintf("$%d", len(*a))
}

// FindArticles returns the articles matching f and the total count of
// matches (ignoring Offset and Limit).
func (db *DB) FindArticles(ctx context.Context, f marsad.ArticleFilter) ([]*marsad.Article, int, error) {
	var a args
	where := []string{"true"}
	if f.ID != nil {
		where = append(where, "a.id = "+a.add(*f.ID))
	}
	if f.URL != nil {
		where = append(where, "a.url_key = "+a.add(marsad.URLKey(*f.URL)))
	}
	if f.SourceID != nil {
		where = append(where, "a.source_id = "+a.add(*f.SourceID))
	}
	if f.StoryID != nil {
		where = append(where, "a.story_id = "+a.add(*f.StoryID))
	}
	if !f.From.IsZero() {
		where = append(where, "a.published >= "+a.add(f.From.Unix()))
	}
	if !f.To.IsZero() {
		where = append(where, "a.published < "+a.add(f.To.Unix()))
	}
	if len(f.IDs) > 0 {
		if len(f.IDs) > maxFilterIDs {
			return nil, 0, marsad.Errorf(marsad.EINVALID, "%d ids in one article filter, at most %d", len(f.IDs), maxFilterIDs)
		}
		where = append(where, "a.id = ANY("+a.add(f.IDs)+")")
	}
	if f.AfterID > 0 {
		where = append(where, "a.id > "+a.add(f.AfterID))
	}
	order := "a.id"
	if f.Newest {
		order = "a.published DESC, a.id DESC"
	}
	cond := strings.Join(where, " AND ")
	var total int
	if err := db.pool.QueryRow(ctx, `SELECT count(*) FROM articles a WHERE `+cond, a...).Scan(&total); err != nil {
		return nil, 0, fmt.Errorf("count articles: %w", err)
	}
	var limit any // NULL: no limit
	if f.Limit > 0 {
		limit = f.Limit
	}
	cols := articleColumns
	if f.NoText {
		cols = articleHeadColumns
	}
	q := `SELECT ` + cols + ` FROM articles a JOIN sources s ON s.id = a.source_id
		WHERE ` + cond + ` ORDER BY ` + order + ` LIMIT ` + a.add(limit) + ` OFFSET ` + a.add(max(f.Offset, 0))
	out, err := collectArticles(db.pool.Query(ctx, q, a...))
	if err != nil {
		return nil, 0, fmt.Errorf("find articles: %w", err)
	}
	return out, total, nil
}

// CountArticles returns the number of stored articles.
func (db *DB) CountArticles(ctx context.Context) (int, error) {
	var n int
	if err := db.pool.QueryRow(ctx, `SELECT count(*) FROM articles`).Scan(&n); err != nil {
		return 0, fmt.Errorf("count articles: %w", err)
	}
	return n, nil
}

// SaveArticles inserts the batch in one transaction; an article whose page
// is already stored (marsad.URLKey: under this URL or its other scheme's
// form) is left unchanged, but for its URL made https when the input
// brings that form (marsad.PreferURL). Sources are created as needed, the
// analyzed terms go to the search index and every registered stage owes
// the new articles. The inserts travel as one pipelined batch.
func (db *DB) SaveArticles(ctx context.Context, batch []*marsad.ArticleInput) ([]marsad.SaveResult, error) {
	for i, in := range batch {
		if in.Article == nil || in.Article.URL == "" {
			return nil, marsad.Errorf(marsad.EINVALID, "article %d of the batch has no URL", i)
		}
		if in.KeepID && in.Article.ID <= 0 {
			return nil, marsad.Errorf(marsad.EINVALID, "article %d of the batch (%s) keeps its id but has none", i, in.Article.URL)
		}
	}
	now := db.Now().UTC()
	var results []marsad.SaveResult
	err := db.inTx(ctx, func(tx pgx.Tx) (err error) {
		results = make([]marsad.SaveResult, len(batch))
		sources := map[string]int64{}
		for _, in := range batch {
			a, src := in.Article, in.Source
			if src == nil {
				src = &marsad.Source{Key: a.Source, Name: a.SourceName}
			}
			sid, ok := sources[src.Key]
			if !ok {
				if err := ensureSource(ctx, tx, src); err != nil {
					return err
				}
				sid, sources[src.Key] = src.ID, src.ID
			}
			a.SourceID = sid
			if a.Fetched.IsZero() {
				a.Fetched = now
			}
			if a.Published.IsZero() {
				a.Published = a.Fetched
			}
		}
		// The pages already stored are looked up first and only new ones
		// inserted: an INSERT … ON CONFLICT that finds its row taken still
		// uses up a sequence number, and ids then drift from SQLite's.
		urls, keys := make([]string, len(batch)), make([]string, len(batch))
		for i, in := range batch {
			urls[i], keys[i] = in.Article.URL, marsad.URLKey(in.Article.URL)
		}
		pages, err := storedPages(ctx, tx, urls)
		if err != nil {
			return err
		}
		if err := checkKeptIDs(ctx, tx, batch); err != nil {
			return err
		}
		var b pgx.Batch
		var keptMax int64
		var queued []int
		for i, in := range batch {
			a := in.Article
			if _, ok := pages[keys[i]]; ok {
				continue
			}
			pages[keys[i]] = storedPage{url: a.URL} // queued: id below
			queued = append(queued, i)
			tags := a.Tags
			if tags == nil {
				tags = []string{}
			}
			// No conflict target: a row holding the URL or its key is the
			// page (a kept id was checked above).
			args := []any{a.URL, keys[i], a.SourceID, a.ExternalID, a.Title, a.Summary, a.Body, a.HTML, a.Author, a.Category,
				a.Lang, tags, a.Published.Unix(), a.Fetched.Unix(), int64(a.ContentHash), unixOrZero(a.PublishedClaimed)}
			if in.KeepID {
				keptMax = max(keptMax, a.ID)
				b.Queue(`INSERT INTO articles (url, url_key, source_id, external_id, title, summary, body, html, author,
				category, lang, tags, published, fetched, content_hash, published_claimed, id)
				VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17)
				ON CONFLICT DO NOTHING RETURNING id`, append(args, a.ID)...)
				continue
			}
			b.Queue(`INSERT INTO articles (url, url_key, source_id, external_id, title, summary, body, html, author,
				category, lang, tags, published, fetched, content_hash, published_claimed)
				VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16)
				ON CONFLICT DO NOTHING RETURNING id`, args...)
		}
		var raced []string // stored by another process since the lookup
		defer func() {
			if keptMax > 0 && err == nil {
				err = advanceArticleIDs(ctx, tx, keptMax)
			}
		}()
		if b.Len() > 0 {
			br := tx.SendBatch(ctx, &b)
			for _, i := range queued {
				var id int64
				err := br.QueryRow().Scan(&id)
				switch {
				case errNoRows(err):
					raced = append(raced, urls[i])
					delete(pages, keys[i])
				case err != nil:
					br.Close()
					return fmt.Errorf("save %s: %w", urls[i], err)
				default:
					results[i] = marsad.SaveResult{ID: id, Inserted: true}
					pages[keys[i]] = storedPage{id: id, url: urls[i]}
				}
			}
			if err := br.Close(); err != nil {
				return err
			}
		}
		if len(raced) > 0 {
			more, err := storedPages(ctx, tx, raced)
			if err != nil {
				return err
			}
			for k, p := range more {
				pages[k] = p
			}
		}
		for i := range batch {
			if results[i].Inserted {
				continue
			}
			// Already stored (or twice in this batch): the stored id,
			// nothing changed but the scheme.
			p := pages[keys[i]]
			results[i] = marsad.SaveResult{ID: p.id}
			if marsad.PreferURL(p.url, urls[i]) {
				// Unless an older row holds the https form already.
				if _, err := tx.Exec(ctx, `UPDATE articles SET url = $1 WHERE id = $2
					AND NOT EXISTS (SELECT 1 FROM articles WHERE url = $1)`, urls[i], p.id); err != nil {
					return fmt.Errorf("save %s: %w", urls[i], err)
				}
				pages[keys[i]] = storedPage{id: p.id, url: urls[i]}
			}
		}
		// The index rows go in as one statement over arrays.
		var inserted []int64
		var titles, bodies, vectors []string
		for i, in := range batch {
			if !results[i].Inserted {
				continue
			}
			inserted = append(inserted, results[i].ID)
			titles, bodies = append(titles, in.TitleTerms), append(bodies, in.BodyTerms)
			vectors = append(vectors, termVector(in.TitleTerms, in.BodyTerms))
		}
		if len(inserted) > 0 {
			if _, err := tx.Exec(ctx, `INSERT INTO article_search (article_id, title_terms, body_terms, tsv)
				SELECT * FROM unnest($1::bigint[], $2::text[], $3::text[], $4::tsvector[])`,
				inserted, titles, bodies, vectors); err != nil {
				return fmt.Errorf("index articles: %w", err)
			}
		}
		return oweNew(ctx, tx, inserted)
	})
	if err != nil {
		return nil, fmt.Errorf("save articles: %w", err)
	}
	for i, in := range batch {
		in.Article.ID = results[i].ID
	}
	return results, nil
}

// checkKeptIDs refuses (ECONFLICT) a batch whose KeepID articles name ids
// that hold other pages; the same page (marsad.URLKey) under its id is an
// article already restored.
func checkKeptIDs(ctx context.Context, q querier, batch []*marsad.ArticleInput) error {
	want := map[int64]string{}
	for _, in := range batch {
		if in.KeepID {
			want[in.Article.ID] = in.Article.URL
		}
	}
	if len(want) == 0 {
		return nil
	}
	ids := make([]int64, 0, len(want))
	for id := range want {
		ids = append(ids, id)
	}
	rows, err := q.Query(ctx, `SELECT id, url FROM articles WHERE id = ANY($1)`, ids)
	if err != nil {
		return fmt.Errorf("kept ids: %w", err)
	}
	var id int64
	var url string
	_, err = pgx.ForEachRow(rows, []any{&id, &url}, func() error {
		if marsad.URLKey(url) != marsad.URLKey(want[id]) {
			return marsad.Errorf(marsad.ECONFLICT, "article id %d is taken by %s, cannot store %s under it", id, url, want[id])
		}
		return nil
	})
	return err
}

// advanceArticleIDs moves the id sequence past top, an id given by a
// KeepID save, so that the next article without one does not take it.
// setval is not transactional: a save rolled back leaves a gap, never a
// reused id.
func advanceArticleIDs(ctx context.Context, q querier, top int64) error {
	_, err := q.Exec(ctx, `SELECT setval(s::regclass, greatest($1, (SELECT max(id) FROM articles)))
		FROM pg_get_serial_sequence('articles', 'id') AS s
		WHERE $1 >= nextval(s::regclass)`, top)
	if err != nil {
		return fmt.Errorf("advance article ids: %w", err)
	}
	return nil
}

// storedPage is the stored article of a page: its id and URL.
type storedPage struct {
	id  int64
	url string
}

// storedPages returns the stored articles of the pages of urls, by
// marsad.URLKey. The row holding the key answers for its page; a row of an
// older store that holds a URL without a key (both forms stored before
// migration 0003) answers only when there is no such row.
func storedPages(ctx context.Context, q querier, urls []string) (map[string]storedPage, error) {
	keys := make([]string, len(urls))
	for i, u := range urls {
		keys[i] = marsad.URLKey(u)
	}
	rows, err := q.Query(ctx, `SELECT id, url, url_key IS NOT NULL FROM articles
		WHERE url_key = ANY($1) OR url = ANY($2)`, keys, urls)
	if err != nil {
		return nil, err
	}
	pages := make(map[string]storedPage, len(urls))
	var p storedPage
	var keyed bool
	_, err = pgx.ForEachRow(rows, []any{&p.id, &p.url, &keyed}, func() error {
		if k := marsad.URLKey(p.url); keyed || pages[k].id == 0 {
			pages[k] = p
		}
		return nil
	})
	return pages, err
}

// ReindexArticles replaces the search index rows and content hashes of a
// batch of stored articles (`marsad reindex`); unknown ids are ignored.
func (db *DB) ReindexArticles(ctx context.Context, batch []*marsad.ArticleInput) error {
	err := db.inTx(ctx, func(tx pgx.Tx) error {
		var b pgx.Batch
		for _, in := range batch {
			id := in.Article.ID
			b.Queue(`INSERT INTO article_search (article_id, title_terms, body_terms, tsv)
				SELECT id, $2, $3, $4::tsvector FROM articles WHERE id = $1
				ON CONFLICT (article_id) DO UPDATE SET title_terms = excluded.title_terms,
					body_terms = excluded.body_terms, tsv = excluded.tsv`,
				id, in.TitleTerms, in.BodyTerms, termVector(in.TitleTerms, in.BodyTerms))
			b.Queue(`UPDATE articles SET content_hash = $1 WHERE id = $2`, int64(in.Article.ContentHash), id)
		}
		return tx.SendBatch(ctx, &b).Close()
	})
	if err != nil {
		return fmt.Errorf("reindex: %w", err)
	}
	return nil
}

// querier is what a pool, a connection and a transaction share.
type querier interface {
	Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error)
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
}

func ensureSource(ctx context.Context, q querier, s *marsad.Source) error {
	if s.Key == "" {
		return marsad.Errorf(marsad.EINVALID, "source has no key")
	}
	if s.Name == "" {
		s.Name = s.Key
	}
	// Look first: an insert that conflicts still uses up a sequence number.
	err := q.QueryRow(ctx, `SELECT id, name, domain FROM sources WHERE key = $1`, s.Key).Scan(&s.ID, &s.Name, &s.Domain)
	if err == nil {
		return nil
	} else if !errNoRows(err) {
		return fmt.Errorf("source %s: %w", s.Key, err)
	}
	if _, err := q.Exec(ctx, `INSERT INTO sources (key, name, domain) VALUES ($1, $2, $3)
		ON CONFLICT (key) DO NOTHING`, s.Key, s.Name, s.Domain); err != nil {
		return fmt.Errorf("source %s: %w", s.Key, err)
	}
	if err := q.QueryRow(ctx, `SELECT id, name, domain FROM sources WHERE key = $1`, s.Key).Scan(&s.ID, &s.Name, &s.Domain); err != nil {
		return fmt.Errorf("source %s: %w", s.Key, err)
	}
	return nil
}

// EnsureSource returns the stored source with s.Key, creating it from s when
// it does not exist; s.ID is set.
func (db *DB) EnsureSource(ctx context.Context, s *marsad.Source) error {
	return ensureSource(ctx, db.pool, s)
}

// FindSources returns every source ordered by key.
func (db *DB) FindSources(ctx context.Context) ([]*marsad.Source, error) {
	rows, err := db.pool.Query(ctx, `SELECT id, key, name, domain FROM sources ORDER BY key`)
	if err != nil {
		return nil, fmt.Errorf("find sources: %w", err)
	}
	out, err := pgx.CollectRows(rows, scanSource)
	if err != nil {
		return nil, fmt.Errorf("find sources: %w", err)
	}
	return out, nil
}

func scanSource(r pgx.CollectableRow) (*marsad.Source, error) {
	var s marsad.Source
	return &s, r.Scan(&s.ID, &s.Key, &s.Name, &s.Domain)
}

// FindSourceByKey returns one source. ENOTFOUND if there is none.
func (db *DB) FindSourceByKey(ctx context.Context, key string) (*marsad.Source, error) {
	var s marsad.Source
	err := db.pool.QueryRow(ctx, `SELECT id, key, name, domain FROM sources WHERE key = $1`, key).Scan(&s.ID, &s.Key, &s.Name, &s.Domain)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, marsad.Errorf(marsad.ENOTFOUND, "no source %q", key)
	} else if err != nil {
		return nil, fmt.Errorf("find source %s: %w", key, err)
	}
	return &s, nil
}
