package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/marsad/marsad"
)

const feedColumns = `f.id, f.url, f.site_url, f.title, f.source_id, s.key, s.name, f.etag, f.last_modified,
	f.created, f.last_polled, f.last_success, f.last_error, f.last_error_at, f.error_count, f.next_poll,
	f.interval_seconds, f.items_seen, f.paused`

func scanFeed(sc rowScanner) (*marsad.Feed, error) {
	var f marsad.Feed
	var created, polled, success, errAt, next, interval int64
	if err := sc.Scan(&f.ID, &f.URL, &f.SiteURL, &f.Title, &f.SourceID, &f.Source, &f.SourceName, &f.ETag,
		&f.LastModified, &created, &polled, &success, &f.LastError, &errAt, &f.ErrorCount, &next, &interval,
		&f.ItemsSeen, &f.Paused); err != nil {
		return nil, err
	}
	f.Created, f.LastPolled, f.LastSuccess = timeOrZero(created), timeOrZero(polled), timeOrZero(success)
	f.LastErrorAt, f.NextPoll = timeOrZero(errAt), timeOrZero(next)
	f.Interval = time.Duration(interval) * time.Second
	return &f, nil
}

// FindFeedByID returns one feed. ENOTFOUND if there is none.
func (db *DB) FindFeedByID(ctx context.Context, id int64) (*marsad.Feed, error) {
	feeds, _, err := db.FindFeeds(ctx, marsad.FeedFilter{ID: &id})
	if err != nil {
		return nil, err
	}
	if len(feeds) == 0 {
		return nil, marsad.Errorf(marsad.ENOTFOUND, "no feed %d", id)
	}
	return feeds[0], nil
}

// FindFeeds returns the feeds matching the filter and the total count.
func (db *DB) FindFeeds(ctx context.Context, f marsad.FeedFilter) ([]*marsad.Feed, int, error) {
	var where []string
	var args []any
	if f.ID != nil {
		where, args = append(where, "f.id = ?"), append(args, *f.ID)
	}
	if f.URL != nil {
		where, args = append(where, "f.url = ?"), append(args, *f.URL)
	}
	order := "f.id"
	if f.DueBy != nil {
		where, args = append(where, "f.next_poll <= ?", "f.paused = 0"), append(args, f.DueBy.Unix())
		order = "f.next_poll, f.id"
	}
	cond := ""
	if len(where) > 0 {
		cond = " WHERE " + strings.Join(where, " AND ")
	}
	var total int
	if err := db.db.QueryRowContext(ctx, `SELECT count(*) FROM feeds f`+cond, args...).Scan(&total); err != nil {
		return nil, 0, fmt.Errorf("find feeds: %w", err)
	}
	q := `SELECT ` + feedColumns + ` FROM feeds f JOIN sources s ON s.id = f.source_id` + cond + ` ORDER BY ` + order +
		limitOffset(f.Limit, f.Offset)
	rows, err := db.db.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, 0, fmt.Errorf("find feeds: %w", err)
	}
	defer rows.Close()
	var out []*marsad.Feed
	for rows.Next() {
		fd, err := scanFeed(rows)
		if err != nil {
			return nil, 0, fmt.Errorf("find feeds: %w", err)
		}
		out = append(out, fd)
	}
	return out, total, rows.Err()
}

// CreateFeed stores f and its source. EINVALID, ECONFLICT.
func (db *DB) CreateFeed(ctx context.Context, f *marsad.Feed) error {
	if strings.TrimSpace(f.URL) == "" {
		return marsad.Errorf(marsad.EINVALID, "feed has no URL")
	}
	if f.Source == "" {
		return marsad.Errorf(marsad.EINVALID, "feed %s has no source", f.URL)
	}
	tx, err := db.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("create feed %s: %w", f.URL, err)
	}
	defer tx.Rollback()
	src := &marsad.Source{Key: f.Source, Name: f.SourceName, Domain: marsad.DomainOf(f.SiteURL, f.URL)}
	if err := ensureSource(ctx, tx, src); err != nil {
		return fmt.Errorf("create feed %s: %w", f.URL, err)
	}
	now := db.Now().UTC().Truncate(time.Second)
	var id int64
	err = tx.QueryRowContext(ctx, `INSERT INTO feeds (url, site_url, title, source_id, created, next_poll, interval_seconds)
		VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (url) DO NOTHING RETURNING id`,
		f.URL, f.SiteURL, f.Title, src.ID, now.Unix(), unixOrZero(f.NextPoll), int64(f.Interval/time.Second)).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		return marsad.Errorf(marsad.ECONFLICT, "feed %s is already followed", f.URL)
	} else if err != nil {
		return fmt.Errorf("create feed %s: %w", f.URL, err)
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("create feed %s: %w", f.URL, err)
	}
	f.ID, f.SourceID, f.Created, f.SourceName = id, src.ID, now, src.Name
	return nil
}

// UpdateFeed applies upd. ENOTFOUND.
func (db *DB) UpdateFeed(ctx context.Context, id int64, upd marsad.FeedUpdate) (*marsad.Feed, error) {
	var sets []string
	var args []any
	set := func(col string, v any) { sets, args = append(sets, col+" = ?"), append(args, v) }
	if upd.Title != nil {
		set("title", *upd.Title)
	}
	if upd.SiteURL != nil {
		set("site_url", *upd.SiteURL)
	}
	if upd.ETag != nil {
		set("etag", *upd.ETag)
	}
	if upd.LastModified != nil {
		set("last_modified", *upd.LastModified)
	}
	if upd.LastPolled != nil {
		set("last_polled", unixOrZero(*upd.LastPolled))
	}
	if upd.LastSuccess != nil {
		set("last_success", unixOrZero(*upd.LastSuccess))
	}
	if upd.LastError != nil {
		set("last_error", *upd.LastError)
	}
	if upd.LastErrorAt != nil {
		set("last_error_at", unixOrZero(*upd.LastErrorAt))
	}
	if upd.ErrorCount != nil {
		set("error_count", *upd.ErrorCount)
	}
	if upd.NextPoll != nil {
		set("next_poll", unixOrZero(*upd.NextPoll))
	}
	if upd.Interval != nil {
		set("interval_seconds", int64(*upd.Interval/time.Second))
	}
	if upd.Paused != nil {
		set("paused", *upd.Paused)
	}
	if upd.ItemsSeenAdd != 0 {
		sets, args = append(sets, "items_seen = items_seen + ?"), append(args, upd.ItemsSeenAdd)
	}
	if len(sets) > 0 {
		res, err := db.db.ExecContext(ctx, `UPDATE feeds SET `+strings.Join(sets, ", ")+` WHERE id = ?`, append(args, id)...)
		if err != nil {
			return nil, fmt.Errorf("update feed %d: %w", id, err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return nil, marsad.Errorf(marsad.ENOTFOUND, "no feed %d", id)
		}
	}
	return db.FindFeedByID(ctx, id)
}

// DeleteFeed removes a feed and its item records. ENOTFOUND.
func (db *DB) DeleteFeed(ctx context.Context, id int64) error {
	tx, err := db.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("delete feed %d: %w", id, err)
	}
	defer tx.Rollback()
	if _, err := tx.ExecContext(ctx, `DELETE FROM feed_items WHERE feed_id = ?`, id); err != nil {
		return fmt.Errorf("delete feed %d: %w", id, err)
	}
	res, err := tx.ExecContext(ctx, `DELETE FROM feeds WHERE id = ?`, id)
	if err != nil {
		return fmt.Errorf("delete feed %d: %w", id, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return marsad.Errorf(marsad.ENOTFOUND, "no feed %d", id)
	}
	return tx.Commit()
}

// ClaimDueFeeds picks due feeds and moves their next poll to now+lease in
// one statement, so that two pollers never claim one feed. EINVALID.
//
// The outer "next_poll <= ?" repeats the subquery's condition on purpose:
// SQLite runs the statement under its write lock, but PostgreSQL (READ
// COMMITTED) re-checks only the outer WHERE of a row another transaction
// claimed meanwhile, and must then skip it.
func (db *DB) ClaimDueFeeds(ctx context.Context, now time.Time, lease time.Duration, limit int) ([]*marsad.Feed, error) {
	if lease <= 0 {
		return nil, marsad.Errorf(marsad.EINVALID, "feed lease %v is not positive", lease)
	}
	due, until := now.Unix(), now.Add(lease).Unix()
	pick := `SELECT id FROM feeds WHERE next_poll <= ? AND paused = 0 ORDER BY next_poll, id`
	args := []any{until, due, due}
	if limit > 0 {
		pick += ` LIMIT ?`
		args = append(args, limit)
	}
	tx, err := db.db.BeginTx(ctx, nil)
	if err != nil {
		return nil, fmt.Errorf("claim due feeds: %w", err)
	}
	defer tx.Rollback()
	rows, err := tx.QueryContext(ctx, `UPDATE feeds SET next_poll = ? WHERE next_poll <= ? AND paused = 0 AND id IN (`+pick+`) RETURNING id`, args...)
	if err != nil {
		return nil, fmt.Errorf("claim due feeds: %w", err)
	}
	ids, err := collect(rows, func(sc rowScanner) (any, error) {
		var id int64
		return id, sc.Scan(&id)
	})
	if err != nil {
		return nil, fmt.Errorf("claim due feeds: %w", err)
	}
	var out []*marsad.Feed
	for start := 0; start < len(ids); start += feedItemChunk {
		chunk := ids[start:min(start+feedItemChunk, len(ids))]
		rows, err := tx.QueryContext(ctx, `SELECT `+feedColumns+` FROM feeds f JOIN sources s ON s.id = f.source_id
			WHERE f.id IN (`+placeholders(len(chunk))+`) ORDER BY f.id`, chunk...)
		if err != nil {
			return nil, fmt.Errorf("claim due feeds: %w", err)
		}
		feeds, err := collect(rows, scanFeed)
		if err != nil {
			return nil, fmt.Errorf("claim due feeds: %w", err)
		}
		out = append(out, feeds...)
	}
	if err := tx.Commit(); err != nil {
		return nil, fmt.Errorf("claim due feeds: %w", err)
	}
	return out, nil
}

// collect reads every row with scan and closes rows.
func collect[T any](rows *sql.Rows, scan func(rowScanner) (T, error)) ([]T, error) {
	defer rows.Close()
	var out []T
	for rows.Next() {
		v, err := scan(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, rows.Err()
}

// feedItemChunk keeps IN lists and multi-row inserts under the bound
// parameter limits of SQLite and PostgreSQL.
const feedItemChunk = 400

// SeenFeedItems returns which keys are recorded for the feed.
func (db *DB) SeenFeedItems(ctx context.Context, feedID int64, keys []string) (map[string]bool, error) {
	seen := make(map[string]bool, len(keys))
	for start := 0; start < len(keys); start += feedItemChunk {
		chunk := keys[start:min(start+feedItemChunk, len(keys))]
		args := []any{feedID}
		for _, k := range chunk {
			args = append(args, k)
		}
		rows, err := db.db.QueryContext(ctx, `SELECT item_key FROM feed_items WHERE feed_id = ? AND item_key IN (`+placeholders(len(chunk))+`)`, args...)
		if err != nil {
			return nil, fmt.Errorf("seen items of feed %d: %w", feedID, err)
		}
		for rows.Next() {
			var k string
			if err := rows.Scan(&k); err != nil {
				rows.Close()
				return nil, fmt.Errorf("seen items of feed %d: %w", feedID, err)
			}
			seen[k] = true
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, fmt.Errorf("seen items of feed %d: %w", feedID, err)
		}
	}
	return seen, nil
}

// AddFeedItems records keys and counts them in items_seen.
func (db *DB) AddFeedItems(ctx context.Context, feedID int64, keys []string) (int, error) {
	if len(keys) == 0 {
		return 0, nil
	}
	tx, err := db.db.BeginTx(ctx, nil)
	if err != nil {
		return 0, fmt.Errorf("add items to feed %d: %w", feedID, err)
	}
	defer tx.Rollback()
	now := db.Now().Unix()
	added := 0
	for start := 0; start < len(keys); start += feedItemChunk {
		chunk := keys[start:min(start+feedItemChunk, len(keys))]
		var args []any
		vals := make([]string, len(chunk))
		for i, k := range chunk {
			vals[i] = "(?, ?, ?)"
			args = append(args, feedID, k, now)
		}
		res, err := tx.ExecContext(ctx, `INSERT INTO feed_items (feed_id, item_key, seen) VALUES `+strings.Join(vals, ", ")+
			` ON CONFLICT (feed_id, item_key) DO NOTHING`, args...)
		if err != nil {
			return 0, fmt.Errorf("add items to feed %d: %w", feedID, err)
		}
		n, _ := res.RowsAffected()
		added += int(n)
	}
	if added > 0 {
		if _, err := tx.ExecContext(ctx, `UPDATE feeds SET items_seen = items_seen + ? WHERE id = ?`, added, feedID); err != nil {
			return 0, fmt.Errorf("add items to feed %d: %w", feedID, err)
		}
	}
	return added, tx.Commit()
}
