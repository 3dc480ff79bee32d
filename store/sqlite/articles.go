package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/marsad/marsad"
)

// articleColumns is the column list read by scanArticle, in order.
const articleColumns = `a.id, a.url, a.source_id, s.key, s.name, a.external_id, a.title, a.summary,
	a.body, a.html, a.author, a.category, a.lang, a.tags, a.published, a.fetched, a.content_hash,
	coalesce(a.canonical_id, 0), coalesce(a.story_id, 0), a.published_claimed`

// articleHeadColumns reads the same columns as articleColumns with the
// text left empty (ArticleFilter.NoText): a list never walks a body's
// overflow pages.
var articleHeadColumns = strings.NewReplacer("a.summary", "''", "a.body", "''", "a.html", "''").Replace(articleColumns)

type rowScanner interface{ Scan(dest ...any) error }

func scanArticle(r rowScanner, extra ...any) (*marsad.Article, error) {
	var a marsad.Article
	var tags string
	var published, fetched, hash, claimed int64
	dest := append([]any{&a.ID, &a.URL, &a.SourceID, &a.Source, &a.SourceName, &a.ExternalID,
		&a.Title, &a.Summary, &a.Body, &a.HTML, &a.Author, &a.Category, &a.Lang, &tags,
		&published, &fetched, &hash, &a.CanonicalID, &a.StoryID, &claimed}, extra...)
	if err := r.Scan(dest...); err != nil {
		return nil, err
	}
	a.Published, a.Fetched = timeOrZero(published), timeOrZero(fetched)
	a.PublishedClaimed = timeOrZero(claimed)
	a.ContentHash = uint64(hash)
	if err := json.Unmarshal([]byte(tags), &a.Tags); err != nil {
		return nil, fmt.Errorf("article %d: tags: %w", a.ID, err)
	}
	if a.Tags == nil {
		a.Tags = []string{}
	}
	return &a, nil
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

// FindArticles returns the articles matching f and the total count of
// matches (ignoring Offset and Limit).
func (db *DB) FindArticles(ctx context.Context, f marsad.ArticleFilter) ([]*marsad.Article, int, error) {
	where, args := []string{"1 = 1"}, []any{}
	if f.ID != nil {
		where, args = append(where, "a.id = ?"), append(args, *f.ID)
	}
	if f.URL != nil {
		where, args = append(where, "a.url_key = ?"), append(args, marsad.URLKey(*f.URL))
	}
	if f.SourceID != nil {
		where, args = append(where, "a.source_id = ?"), append(args, *f.SourceID)
	}
	if f.StoryID != nil {
		where, args = append(where, "a.story_id = ?"), append(args, *f.StoryID)
	}
	if !f.From.IsZero() {
		where, args = append(where, "a.published >= ?"), append(args, f.From.Unix())
	}
	if !f.To.IsZero() {
		where, args = append(where, "a.published < ?"), append(args, f.To.Unix())
	}
	if len(f.IDs) > 0 {
		if len(f.IDs) > maxFilterIDs {
			return nil, 0, marsad.Errorf(marsad.EINVALID, "%d ids in one article filter, at most %d", len(f.IDs), maxFilterIDs)
		}
		where, args = append(where, "a.id IN ("+placeholders(len(f.IDs))+")"), append(args, int64Args(f.IDs)...)
	}
	if f.AfterID > 0 {
		where, args = append(where, "a.id > ?"), append(args, f.AfterID)
	}
	order := "a.id"
	if f.Newest {
		order = "a.published DESC, a.id DESC"
	}
	cond := strings.Join(where, " AND ")
	var total int
	if err := db.db.QueryRowContext(ctx, `SELECT count(*) FROM articles a WHERE `+cond, args...).Scan(&total); err != nil {
		return nil, 0, fmt.Errorf("count articles: %w", err)
	}
	cols := articleColumns
	if f.NoText {
		cols = articleHeadColumns
	}
	rows, err := db.db.QueryContext(ctx, `SELECT `+cols+`
		FROM articles a JOIN sources s ON s.id = a.source_id
		WHERE `+cond+` ORDER BY `+order+limitOffset(f.Limit, f.Offset), args...)
	if err != nil {
		return nil, 0, fmt.Errorf("find articles: %w", err)
	}
	defer rows.Close()
	var out []*marsad.Article
	for rows.Next() {
		a, err := scanArticle(rows)
		if err != nil {
			return nil, 0, fmt.Errorf("find articles: %w", err)
		}
		out = append(out, a)
	}
	return out, total, rows.Err()
}

// maxFilterIDs bounds ArticleFilter.IDs: one IN list, far below SQLite's
// limit of bound variables.
const maxFilterIDs = 1000

// CountArticles returns the number of stored articles.
func (db *DB) CountArticles(ctx context.Context) (int, error) {
	var n int
	err := db.db.QueryRowContext(ctx, `SELECT count(*) FROM articles`).Scan(&n)
	return n, err
}

// SaveArticles inserts the batch in one transaction; an article whose page
// is already stored (marsad.URLKey: under this URL or its other scheme's
// form) is left unchanged, but for its URL made https when the input
// brings that form (marsad.PreferURL). Sources are created as needed and
// the analyzed terms go to the search index.
func (db *DB) SaveArticles(ctx context.Context, batch []*marsad.ArticleInput) ([]marsad.SaveResult, error) {
	if err := checkSaveBatch(batch); err != nil {
		return nil, err
	}
	tx, err := db.db.BeginTx(ctx, nil)
	if err != nil {
		return nil, fmt.Errorf("save articles: %w", err)
	}
	defer tx.Rollback()
	// id NULL takes the next free id; a KeepID article gives its own (its
	// id is checked first). No conflict target: a row holding the URL or
	// its key is the page.
	ins, err := tx.PrepareContext(ctx, `INSERT INTO articles (id, url, url_key, source_id, external_id, title,
		summary, body, html, author, category, lang, tags, published, fetched, content_hash, published_claimed)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT DO NOTHING RETURNING id`)
	if err != nil {
		return nil, fmt.Errorf("save articles: %w", err)
	}
	defer ins.Close()
	fts, err := tx.PrepareContext(ctx, `INSERT INTO article_fts (rowid, title, body) VALUES (?, ?, ?)`)
	if err != nil {
		return nil, fmt.Errorf("save articles: %w", err)
	}
	defer fts.Close()
	sources := map[string]int64{}
	now := db.Now().UTC()
	results := make([]marsad.SaveResult, len(batch))
	for i, in := range batch {
		a := in.Article
		src := in.Source
		if src == nil {
			src = &marsad.Source{Key: a.Source, Name: a.SourceName}
		}
		sid, ok := sources[src.Key]
		if !ok {
			if err := ensureSource(ctx, tx, src); err != nil {
				return nil, err
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
		tags := a.Tags
		if tags == nil {
			tags = []string{}
		}
		tagJSON, err := json.Marshal(tags)
		if err != nil {
			return nil, fmt.Errorf("save %s: tags: %w", a.URL, err)
		}
		var keep any // NULL: the next free id
		if in.KeepID {
			if err := checkKeptID(ctx, tx, a); err != nil {
				return nil, err
			}
			keep = a.ID
		}
		var id int64
		err = ins.QueryRowContext(ctx, keep, a.URL, marsad.URLKey(a.URL), sid, a.ExternalID, a.Title, a.Summary, a.Body, a.HTML,
			a.Author, a.Category, a.Lang, string(tagJSON), a.Published.Unix(), a.Fetched.Unix(),
			int64(a.ContentHash), unixOrZero(a.PublishedClaimed)).Scan(&id)
		switch {
		case errors.Is(err, sql.ErrNoRows):
			// Already stored: report its id, change nothing but the scheme.
			if id, err = keepPage(ctx, tx, a.URL); err != nil {
				return nil, fmt.Errorf("save %s: %w", a.URL, err)
			}
			results[i] = marsad.SaveResult{ID: id}
		case err != nil:
			return nil, fmt.Errorf("save %s: %w", a.URL, err)
		default:
			results[i] = marsad.SaveResult{ID: id, Inserted: true}
		}
		a.ID = results[i].ID
	}
	// The index rows go in after all the article rows: FTS5 flushes its
	// pending terms to a new segment whenever another statement of the
	// transaction opens a savepoint, so interleaving the two inserts would
	// write one tiny segment per article and merge them over and over.
	// In one run, the batch becomes one segment.
	for i, in := range batch {
		if !results[i].Inserted {
			continue
		}
		if _, err := fts.ExecContext(ctx, results[i].ID, in.TitleTerms, in.BodyTerms); err != nil {
			return nil, fmt.Errorf("index %s: %w", in.Article.URL, err)
		}
	}
	var inserted []int64
	for _, r := range results {
		if r.Inserted {
			inserted = append(inserted, r.ID)
		}
	}
	if err := oweNew(ctx, tx, inserted); err != nil {
		return nil, err
	}
	if err := tx.Commit(); err != nil {
		return nil, fmt.Errorf("save articles: %w", err)
	}
	return results, nil
}

// keepPage returns the id of the stored article of url's page and, when
// url is the page's https form and the stored one its http form, stores
// the page under url. The row holding the key answers first; a row of an
// older store that holds url without a key (both forms stored before
// migration 0009) answers when there is no such row.
func keepPage(ctx context.Context, tx *sql.Tx, url string) (int64, error) {
	var id int64
	var stored string
	err := tx.QueryRowContext(ctx, `SELECT id, url FROM articles WHERE url_key = ? OR url = ?
		ORDER BY url_key IS NULL LIMIT 1`, marsad.URLKey(url), url).Scan(&id, &stored)
	if err != nil {
		return 0, err
	}
	if marsad.PreferURL(stored, url) {
		// Unless an older row holds the https form already.
		if _, err := tx.ExecContext(ctx, `UPDATE articles SET url = ? WHERE id = ?
			AND NOT EXISTS (SELECT 1 FROM articles WHERE url = ?)`, url, id, url); err != nil {
			return 0, err
		}
	}
	return id, nil
}

// ReindexArticles replaces the search index entries and content hashes of
// a batch of articles; used by
// `marsad reindex` when the analyzer's rules change.
func (db *DB) ReindexArticles(ctx context.Context, batch []*marsad.ArticleInput) error {
	tx, err := db.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("reindex: %w", err)
	}
	defer tx.Rollback()
	for _, in := range batch {
		if _, err := tx.ExecContext(ctx, `DELETE FROM article_fts WHERE rowid = ?`, in.Article.ID); err != nil {
			return fmt.Errorf("reindex %d: %w", in.Article.ID, err)
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO article_fts (rowid, title, body) VALUES (?, ?, ?)`,
			in.Article.ID, in.TitleTerms, in.BodyTerms); err != nil {
			return fmt.Errorf("reindex %d: %w", in.Article.ID, err)
		}
		if _, err := tx.ExecContext(ctx, `UPDATE articles SET content_hash = ? WHERE id = ?`,
			int64(in.Article.ContentHash), in.Article.ID); err != nil {
			return fmt.Errorf("reindex %d: %w", in.Article.ID, err)
		}
	}
	return tx.Commit()
}

type execQuerier interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

func ensureSource(ctx context.Context, q execQuerier, s *marsad.Source) error {
	if s.Key == "" {
		return marsad.Errorf(marsad.EINVALID, "source has no key")
	}
	if s.Name == "" {
		s.Name = s.Key
	}
	if _, err := q.ExecContext(ctx, `INSERT INTO sources (key, name, domain) VALUES (?, ?, ?)
		ON CONFLICT (key) DO NOTHING`, s.Key, s.Name, s.Domain); err != nil {
		return fmt.Errorf("source %s: %w", s.Key, err)
	}
	if err := q.QueryRowContext(ctx, `SELECT id, name, domain FROM sources WHERE key = ?`, s.Key).Scan(&s.ID, &s.Name, &s.Domain); err != nil {
		return fmt.Errorf("source %s: %w", s.Key, err)
	}
	return nil
}

// EnsureSource returns the stored source with s.Key, creating it from s when
// it does not exist; s.ID is set.
func (db *DB) EnsureSource(ctx context.Context, s *marsad.Source) error {
	return ensureSource(ctx, db.db, s)
}

// FindSources returns every source ordered by key.
func (db *DB) FindSources(ctx context.Context) ([]*marsad.Source, error) {
	rows, err := db.db.QueryContext(ctx, `SELECT id, key, name, domain FROM sources ORDER BY key`)
	if err != nil {
		return nil, fmt.Errorf("find sources: %w", err)
	}
	defer rows.Close()
	var out []*marsad.Source
	for rows.Next() {
		var s marsad.Source
		if err := rows.Scan(&s.ID, &s.Key, &s.Name, &s.Domain); err != nil {
			return nil, fmt.Errorf("find sources: %w", err)
		}
		out = append(out, &s)
	}
	return out, rows.Err()
}

// FindSourceByKey returns one source. ENOTFOUND if there is none.
func (db *DB) FindSourceByKey(ctx context.Context, key string) (*marsad.Source, error) {
	var s marsad.Source
	err := db.db.QueryRowContext(ctx, `SELECT id, key, name, domain FROM sources WHERE key = ?`, key).Scan(&s.ID, &s.Key, &s.Name, &s.Domain)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, marsad.Errorf(marsad.ENOTFOUND, "no source %q", key)
	} else if err != nil {
		return nil, fmt.Errorf("find source %s: %w", key, err)
	}
	return &s, nil
}

// OptimizeIndex merges the search index's segments into one. Each saved
// batch adds a segment; after a big import, merging makes every query
// open one b-tree instead of dozens.
func (db *DB) OptimizeIndex(ctx context.Context) error {
	if _, err := db.db.ExecContext(ctx, `INSERT INTO article_fts (article_fts) VALUES ('optimize')`); err != nil {
		return fmt.Errorf("optimize index: %w", err)
	}
	return nil
}

// checkSaveBatch refuses a batch with an article SaveArticles cannot store.
func checkSaveBatch(batch []*marsad.ArticleInput) error {
	for i, in := range batch {
		if in.Article == nil || in.Article.URL == "" {
			return marsad.Errorf(marsad.EINVALID, "article %d of the batch has no URL", i)
		}
		if in.KeepID && in.Article.ID <= 0 {
			return marsad.Errorf(marsad.EINVALID, "article %d of the batch (%s) keeps its id but has none", i, in.Article.URL)
		}
	}
	return nil
}

// checkKeptID refuses (ECONFLICT) to store a under its own id when that id
// holds another page; the same page under it (by marsad.URLKey) is an
// article already restored.
func checkKeptID(ctx context.Context, q execQuerier, a *marsad.Article) error {
	var url string
	err := q.QueryRowContext(ctx, `SELECT url FROM articles WHERE id = ?`, a.ID).Scan(&url)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return nil
	case err != nil:
		return fmt.Errorf("save %s: id %d: %w", a.URL, a.ID, err)
	case marsad.URLKey(url) != marsad.URLKey(a.URL):
		return marsad.Errorf(marsad.ECONFLICT, "article id %d is taken by %s, cannot store %s under it", a.ID, url, a.URL)
	}
	return nil
}
