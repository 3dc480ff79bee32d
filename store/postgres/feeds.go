package postgres

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/marsad/marsad"
)

const feedColumns = `f.id, f.url, f.site_url, f.title, f.source_id, s.key, s.name, f.etag, f.last_modified,
	f.created, f.last_polled, f.last_success, f.last_error, f.last_error_at, f.error_count, f.next_poll,
	f.interval_seconds, f.items_seen, f.paused`

func scanFeed(r pgx.CollectableRow) (*marsad.Feed, error) {
	var f marsad.Feed
	var created, polled, success, errAt, next, interval int64
	if err := r.Scan(&f.ID, &f.URL, &f.SiteURL, &f.Title, &f.SourceID, &f.Source, &f.SourceName, &f.ETag,
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
	var a args
	where := []string{"true"}
	if f.ID != nil {
		where = append(where, "f.id = "+a.add(*f.ID))
	}
	if f.URL != nil {
		where = append(where, "f.url = "+a.add(*f.URL))
	}
	order := "f.id"
	if f.DueBy != nil {
		where = append(where, "f.next_poll <= "+a.add(f.DueBy.Unix()), "NOT f.paused")
		order = "f.next_poll, f.id"
	}
	cond := " WHERE " + strings.Join(where, " AND ")
	var total int
	if err := db.pool.QueryRow(ctx, `SELECT count(*) FROM feeds f`+cond, a...).Scan(&total); err != nil {
		return nil, 0, fmt.Errorf("find feeds: %w", err)
	}
	var limit any
	if f.Limit > 0 {
		limit = f.Limit
	}
	rows, err := db.pool.Query(ctx, `SELECT `+feedColumns+` FROM feeds f JOIN sources s ON s.id = f.source_id`+cond+
		` ORDER BY `+order+` LIMIT `+a.add(limit)+` OFFSET `+a.add(max(f.Offset, 0)), a...)
	if err != nil {
		return nil, 0, fmt.Errorf("find feeds: %w", err)
	}
	out, err := pgx.CollectRows(rows, scanFeed)
	if err != nil {
		return nil, 0, fmt.Errorf("find feeds: %w", err)
	}
	return out, total, nil
}

// CreateFeed stores f and its source. EINVALID, ECONFLICT.
func (db *DB) CreateFeed(ctx context.Context, f *marsad.Feed) error {
	if strings.TrimSpace(f.URL) == "" {
		return marsad.Errorf(marsad.EINVALID, "feed has no URL")
	}
	if f.Source == "" {
		return marsad.Errorf(marsad.EINVALID, "feed %s has no source", f.URL)
	}
	src := &marsad.Source{Key: f.Source, Name: f.SourceName, Domain: marsad.DomainOf(f.SiteURL, f.URL)}
	now := db.Now().UTC().Truncate(time.Second)
	var id int64
	err := db.inTx(ctx, func(tx pgx.Tx) error {
		if err := ensureSource(ctx, tx, src); err != nil {
			return err
		}
		err := tx.QueryRow(ctx, `INSERT INTO feeds (url, site_url, title, source_id, created, next_poll, interval_seconds)
			VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (url) DO NOTHING RETURNING id`,
			f.URL, f.SiteURL, f.Title, src.ID, now.Unix(), unixOrZero(f.NextPoll), int64(f.Interval/time.Second)).Scan(&id)
		if errNoRows(err) {
			return marsad.Errorf(marsad.ECONFLICT, "feed %s is already followed", f.URL)
		}
		return err
	})
	if err != nil {
		return fmt.Errorf("create feed %s: %w", f.URL, err)
	}
	f.ID, f.SourceID, f.Created, f.SourceName = id, src.ID, now, src.Name
	return nil
}

// UpdateFeed applies upd. ENOTFOUND.
func (db *DB) UpdateFeed(ctx context.Context, id int64, upd marsad.FeedUpdate) (*marsad.Feed, error) {
	var a args
	var sets []string
	set := func(col string, v any) { sets = append(sets, col+" = "+a.add(v)) }
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
		sets = append(sets, "items_seen = items_seen + "+a.add(upd.ItemsSeenAdd))
	}
	if len(sets) > 0 {
		tag, err := db.pool.Exec(ctx, `UPDATE feeds SET `+strings.Join(sets, ", ")+` WHERE id = `+a.add(id), a...)
		if err != nil {
			return nil, fmt.Errorf("update feed %d: %w", id, err)
		}
		if tag.RowsAffected() == 0 {
			return nil, marsad.Errorf(marsad.ENOTFOUND, "no feed %d", id)
		}
	}
	return db.FindFeedByID(ctx, id)
}

// DeleteFeed removes a feed and its item records (ON DELETE CASCADE).
// ENOTFOUND.
func (db *DB) DeleteFeed(ctx context.Context, id int64) error {
	tag, err := db.pool.Exec(ctx, `DELETE FROM feeds WHERE id = $1`, id)
	if err != nil {
		return fmt.Errorf("delete feed %d: %w", id, err)
	}
	if tag.RowsAffected() == 0 {
		return marsad.Errorf(marsad.ENOTFOUND, "no feed %d", id)
	}
	return nil
}

// ClaimDueFeeds picks due feeds and moves their next poll to now+lease in
// one statement. FOR UPDATE SKIP LOCKED lets pollers claim at the same
// moment without waiting for one another: a feed another poller is
// claiming is skipped, not waited for, and the outer condition re-checks
// a row that another claim moved meanwhile. EINVALID.
func (db *DB) ClaimDueFeeds(ctx context.Context, now time.Time, lease time.Duration, limit int) ([]*marsad.Feed, error) {
	if lease <= 0 {
		return nil, marsad.Errorf(marsad.EINVALID, "feed lease %v is not positive", lease)
	}
	var lim any
	if limit > 0 {
		lim = limit
	}
	var out []*marsad.Feed
	err := db.inTx(ctx, func(tx pgx.Tx) error {
		rows, err := tx.Query(ctx, `UPDATE feeds SET next_poll = $1 WHERE next_poll <= $2 AND NOT paused AND id IN (
			SELECT id FROM feeds WHERE next_poll <= $2 AND NOT paused ORDER BY next_poll, id LIMIT $3 FOR UPDATE SKIP LOCKED)
			RETURNING id`, now.Add(lease).Unix(), now.Unix(), lim)
		if err != nil {
			return err
		}
		ids, err := pgx.CollectRows(rows, pgx.RowTo[int64])
		if err != nil || len(ids) == 0 {
			return err
		}
		rows, err = tx.Query(ctx, `SELECT `+feedColumns+` FROM feeds f JOIN sources s ON s.id = f.source_id
			WHERE f.id = ANY($1) ORDER BY f.id`, ids)
		if err != nil {
			return err
		}
		out, err = pgx.CollectRows(rows, scanFeed)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("claim due feeds: %w", err)
	}
	return out, nil
}

// SeenFeedItems returns which keys are recorded for the feed.
func (db *DB) SeenFeedItems(ctx context.Context, feedID int64, keys []string) (map[string]bool, error) {
	seen := make(map[string]bool, len(keys))
	if len(keys) == 0 {
		return seen, nil
	}
	rows, err := db.pool.Query(ctx, `SELECT item_key FROM feed_items WHERE feed_id = $1 AND item_key = ANY($2)`, feedID, keys)
	if err != nil {
		return nil, fmt.Errorf("seen items of feed %d: %w", feedID, err)
	}
	var k string
	if _, err := pgx.ForEachRow(rows, []any{&k}, func() error { seen[k] = true; return nil }); err != nil {
		return nil, fmt.Errorf("seen items of feed %d: %w", feedID, err)
	}
	return seen, nil
}

// AddFeedItems records keys and counts them in items_seen.
func (db *DB) AddFeedItems(ctx context.Context, feedID int64, keys []string) (int, error) {
	if len(keys) == 0 {
		return 0, nil
	}
	now := db.Now().Unix()
	var added int
	err := db.inTx(ctx, func(tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, `INSERT INTO feed_items (feed_id, item_key, seen) SELECT $1, k, $3 FROM unnest($2::text[]) k
			ON CONFLICT (feed_id, item_key) DO NOTHING`, feedID, keys, now)
		if err != nil {
			return err
		}
		added = int(tag.RowsAffected())
		if added > 0 {
			_, err = tx.Exec(ctx, `UPDATE feeds SET items_seen = items_seen + $1 WHERE id = $2`, added, feedID)
		}
		return err
	})
	if err != nil {
		return 0, fmt.Errorf("add items to feed %d: %w", feedID, err)
	}
	return added, nil
}
