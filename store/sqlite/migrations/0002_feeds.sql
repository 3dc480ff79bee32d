-- Followed feeds with their polling health, and the items already taken from
-- each feed (so that a poll never ingests an item twice and a killed poll
-- resumes). Times are Unix seconds (UTC), 0 for never.

CREATE TABLE feeds (
	id               INTEGER PRIMARY KEY,
	url              TEXT NOT NULL UNIQUE,
	site_url         TEXT NOT NULL DEFAULT '',
	title            TEXT NOT NULL DEFAULT '',
	source_id        INTEGER NOT NULL REFERENCES sources (id),
	etag             TEXT NOT NULL DEFAULT '',
	last_modified    TEXT NOT NULL DEFAULT '',
	created          INTEGER NOT NULL,
	last_polled      INTEGER NOT NULL DEFAULT 0,
	last_success     INTEGER NOT NULL DEFAULT 0,
	last_error       TEXT NOT NULL DEFAULT '',
	last_error_at    INTEGER NOT NULL DEFAULT 0,
	error_count      INTEGER NOT NULL DEFAULT 0,
	next_poll        INTEGER NOT NULL DEFAULT 0,
	interval_seconds INTEGER NOT NULL DEFAULT 0,
	items_seen       INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX feeds_next_poll ON feeds (next_poll);

CREATE TABLE feed_items (
	feed_id  INTEGER NOT NULL REFERENCES feeds (id) ON DELETE CASCADE,
	item_key TEXT NOT NULL,
	seen     INTEGER NOT NULL,
	PRIMARY KEY (feed_id, item_key)
);
