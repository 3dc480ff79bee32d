package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"

	"github.com/marsad/marsad"
	"github.com/marsad/marsad/internal/story"
)

// postingTerms is how many of a story's heaviest centroid terms are posted
// in story_terms: enough to find the story from any typical member, few
// enough to keep each update to a few dozen rows.
const postingTerms = 60

// StoryBatch runs fn with a story.Index over one transaction, so that a
// batch of articles is clustered atomically.
func (db *DB) StoryBatch(ctx context.Context, fn func(story.Index) error) error {
	tx, err := db.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("story batch: %w", err)
	}
	defer tx.Rollback()
	if err := fn(&storyIndex{q: tx}); err != nil {
		return err
	}
	return tx.Commit()
}

type storyIndex struct{ q txQuerier }

const storyStateColumns = `id, title, title_article_id, title_sim, first_seen, last_seen, articles, sources, centroid`

func scanStoryState(r rowScanner) (*story.State, error) {
	var st story.State
	var first, last int64
	var sources string
	var centroid []byte
	if err := r.Scan(&st.ID, &st.Title, &st.TitleID, &st.TitleSim, &first, &last, &st.Size, &sources, &centroid); err != nil {
		return nil, err
	}
	st.First, st.Last, st.Sources = time.Unix(first, 0).UTC(), time.Unix(last, 0).UTC(), strings.Fields(sources)
	v, err := story.DecodeVector(centroid)
	if err != nil {
		return nil, err
	}
	st.Centroid = v
	return &st, nil
}

// Candidates implements story.Index through the (term, last_seen) index of
// story_terms: only postings of stories seen since `since` are read.
func (x *storyIndex) Candidates(ctx context.Context, terms []string, since time.Time, limit int) ([]*story.State, error) {
	if len(terms) == 0 {
		return nil, nil
	}
	args := make([]any, 0, len(terms)+2)
	for _, t := range terms {
		args = append(args, t)
	}
	args = append(args, since.Unix(), limit)
	rows, err := x.q.QueryContext(ctx, `SELECT `+storyStateColumns+` FROM stories WHERE id IN (
		SELECT story_id FROM story_terms WHERE term IN (`+placeholders(len(terms))+`) AND last_seen >= ?
		GROUP BY story_id ORDER BY count(*) DESC, story_id LIMIT ?) ORDER BY id`, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*story.State
	for rows.Next() {
		st, err := scanStoryState(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, st)
	}
	return out, rows.Err()
}

// Put implements story.Index.
func (x *storyIndex) Put(ctx context.Context, st *story.State, article int64) error {
	cols := []any{st.Title, st.TitleID, st.TitleSim, st.First.Unix(), st.Last.Unix(), st.Size, len(st.Sources),
		strings.Join(st.Sources, " "), story.EncodeVector(st.Centroid)}
	if st.ID == 0 {
		res, err := x.q.ExecContext(ctx, `INSERT INTO stories (title, title_article_id, title_sim, first_seen, last_seen,
			articles, outlets, sources, centroid) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`, cols...)
		if err != nil {
			return err
		}
		if st.ID, err = res.LastInsertId(); err != nil {
			return err
		}
	} else {
		if _, err := x.q.ExecContext(ctx, `UPDATE stories SET title = ?, title_article_id = ?, title_sim = ?, first_seen = ?,
			last_seen = ?, articles = ?, outlets = ?, sources = ?, centroid = ? WHERE id = ?`, append(cols, st.ID)...); err != nil {
			return err
		}
		if _, err := x.q.ExecContext(ctx, `DELETE FROM story_terms WHERE story_id = ?`, st.ID); err != nil {
			return err
		}
	}
	terms := story.Top(st.Centroid, postingTerms)
	if len(terms) > 0 {
		args := make([]any, 0, 3*len(terms))
		for _, t := range terms {
			args = append(args, t, st.ID, st.Last.Unix())
		}
		if _, err := x.q.ExecContext(ctx, `INSERT INTO story_terms (term, story_id, last_seen) VALUES `+
			strings.TrimSuffix(strings.Repeat("(?, ?, ?), ", len(terms)), ", "), args...); err != nil {
			return err
		}
	}
	_, err := x.q.ExecContext(ctx, `UPDATE articles SET story_id = ? WHERE id = ?`, st.ID, article)
	return err
}

// Merge implements story.Index.
func (x *storyIndex) Merge(ctx context.Context, into *story.State, from int64) error {
	for _, q := range []string{
		`UPDATE articles SET story_id = ? WHERE story_id = ?`,
	} {
		if _, err := x.q.ExecContext(ctx, q, into.ID, from); err != nil {
			return err
		}
	}
	if _, err := x.q.ExecContext(ctx, `DELETE FROM story_terms WHERE story_id = ?`, from); err != nil {
		return err
	}
	_, err := x.q.ExecContext(ctx, `DELETE FROM stories WHERE id = ?`, from)
	return err
}

// DocFreq implements story.Index.
func (x *storyIndex) DocFreq(ctx context.Context, terms []string) (map[string]int, int, error) {
	out := make(map[string]int, len(terms))
	var n int
	if err := x.q.QueryRowContext(ctx, `SELECT coalesce(max(df), 0) FROM story_df WHERE term = ''`).Scan(&n); err != nil {
		return nil, 0, err
	}
	// Chunks stay under SQLite's default limit on bound parameters.
	for start := 0; start < len(terms); start += 500 {
		chunk := terms[start:min(len(terms), start+500)]
		args := make([]any, len(chunk))
		for i, t := range chunk {
			args[i] = t
		}
		rows, err := x.q.QueryContext(ctx, `SELECT term, df FROM story_df WHERE term IN (`+placeholders(len(chunk))+`)`, args...)
		if err != nil {
			return nil, 0, err
		}
		for rows.Next() {
			var t string
			var df int
			if err := rows.Scan(&t, &df); err != nil {
				rows.Close()
				return nil, 0, err
			}
			out[t] = df
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, 0, err
		}
	}
	return out, n, nil
}

// AddDocFreq implements story.Index.
func (x *storyIndex) AddDocFreq(ctx context.Context, docs [][]string) error {
	counts := map[string]int{"": len(docs)}
	for _, d := range docs {
		for _, t := range d {
			counts[t]++
		}
	}
	for t, c := range counts {
		if _, err := x.q.ExecContext(ctx, `INSERT INTO story_df (term, df) VALUES (?, ?)
			ON CONFLICT (term) DO UPDATE SET df = story_df.df + excluded.df`, t, c); err != nil {
			return err
		}
	}
	return nil
}

const storyColumns = `id, title, title_article_id, first_seen, last_seen, articles, outlets`

func scanStory(r rowScanner) (*marsad.Story, error) {
	var s marsad.Story
	var first, last int64
	if err := r.Scan(&s.ID, &s.Title, &s.TitleArticleID, &first, &last, &s.Articles, &s.Outlets); err != nil {
		return nil, err
	}
	s.FirstSeen, s.LastSeen = time.Unix(first, 0).UTC(), time.Unix(last, 0).UTC()
	return &s, nil
}

// FindStoryByID returns one story. ENOTFOUND if there is none.
func (db *DB) FindStoryByID(ctx context.Context, id int64) (*marsad.Story, error) {
	s, err := scanStory(db.db.QueryRowContext(ctx, `SELECT `+storyColumns+` FROM stories WHERE id = ?`, id))
	if err == sql.ErrNoRows {
		return nil, marsad.Errorf(marsad.ENOTFOUND, "no story with id %d", id)
	} else if err != nil {
		return nil, fmt.Errorf("find story %d: %w", id, err)
	}
	return s, nil
}

// FindStories returns the stories matching the filter, latest last_seen
// first, and the total count of matches.
func (db *DB) FindStories(ctx context.Context, f marsad.StoryFilter) ([]*marsad.Story, int, error) {
	where, args := []string{"1 = 1"}, []any{}
	if !f.From.IsZero() {
		where, args = append(where, "last_seen >= ?"), append(args, f.From.Unix())
	}
	if !f.To.IsZero() {
		where, args = append(where, "last_seen < ?"), append(args, f.To.Unix())
	}
	if f.MinArticles > 0 {
		where, args = append(where, "articles >= ?"), append(args, f.MinArticles)
	}
	cond := strings.Join(where, " AND ")
	var total int
	if err := db.db.QueryRowContext(ctx, `SELECT count(*) FROM stories WHERE `+cond, args...).Scan(&total); err != nil {
		return nil, 0, fmt.Errorf("find stories: %w", err)
	}
	limit := f.Limit
	if limit <= 0 {
		limit = -1
	}
	rows, err := db.db.QueryContext(ctx, `SELECT `+storyColumns+` FROM stories WHERE `+cond+
		` ORDER BY last_seen DESC, id LIMIT ? OFFSET ?`, append(args, limit, f.Offset)...)
	if err != nil {
		return nil, 0, fmt.Errorf("find stories: %w", err)
	}
	defer rows.Close()
	var out []*marsad.Story
	for rows.Next() {
		s, err := scanStory(rows)
		if err != nil {
			return nil, 0, fmt.Errorf("find stories: %w", err)
		}
		out = append(out, s)
	}
	return out, total, rows.Err()
}

// ClearStories removes the stories whose members were published in
// [from, to) and detaches those articles, for `marsad stories rebuild`.
func (db *DB) ClearStories(ctx context.Context, from, to time.Time) error {
	tx, err := db.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("clear stories: %w", err)
	}
	defer tx.Rollback()
	for _, q := range []string{
		`DELETE FROM story_terms WHERE story_id IN (SELECT DISTINCT story_id FROM articles WHERE published >= ? AND published < ? AND story_id IS NOT NULL)`,
		`DELETE FROM stories WHERE id IN (SELECT DISTINCT story_id FROM articles WHERE published >= ? AND published < ? AND story_id IS NOT NULL)`,
		`UPDATE articles SET story_id = NULL WHERE story_id IN (SELECT story_id FROM articles WHERE published >= ? AND published < ?)`,
	} {
		if _, err := tx.ExecContext(ctx, q, from.Unix(), to.Unix()); err != nil {
			return fmt.Errorf("clear stories: %w", err)
		}
	}
	return tx.Commit()
}
