-- Near-duplicate detection (internal/dedup) and story clustering
-- (internal/story). Every lookup goes through an index on a key, never a
-- scan, so the cost per article does not grow with the archive.

-- Shingle set (sorted little-endian uint32s) of each compared article, for
-- exact-Jaccard verification of LSH candidates.
CREATE TABLE dedup_docs (
	article_id INTEGER PRIMARY KEY REFERENCES articles (id) ON DELETE CASCADE,
	shingles   BLOB NOT NULL
);

-- LSH band keys: two articles sharing a key are near-duplicate candidates.
CREATE TABLE dedup_bands (
	band_key   INTEGER NOT NULL,
	article_id INTEGER NOT NULL REFERENCES articles (id) ON DELETE CASCADE,
	PRIMARY KEY (band_key, article_id)
);
CREATE INDEX dedup_bands_article ON dedup_bands (article_id);

-- Stories. centroid is the encoded term vector (internal/story); times are
-- Unix seconds; sources is the space-separated list of outlet keys.
CREATE TABLE stories (
	id               INTEGER PRIMARY KEY,
	title            TEXT NOT NULL DEFAULT '',
	title_article_id INTEGER NOT NULL DEFAULT 0,
	title_sim        REAL NOT NULL DEFAULT 0,
	first_seen       INTEGER NOT NULL,
	last_seen        INTEGER NOT NULL,
	articles         INTEGER NOT NULL,
	outlets          INTEGER NOT NULL,
	sources          TEXT NOT NULL DEFAULT '',
	centroid         BLOB NOT NULL
);
CREATE INDEX stories_last_seen ON stories (last_seen);

-- Term postings of story centroids, with the story's last_seen copied so
-- that a lookup reads only recent stories' postings.
CREATE TABLE story_terms (
	term      TEXT NOT NULL,
	story_id  INTEGER NOT NULL REFERENCES stories (id) ON DELETE CASCADE,
	last_seen INTEGER NOT NULL,
	PRIMARY KEY (term, story_id)
);
CREATE INDEX story_terms_term_last ON story_terms (term, last_seen);
CREATE INDEX story_terms_story ON story_terms (story_id);

-- Document frequencies of clustering features; the row with term '' holds
-- the number of documents counted.
CREATE TABLE story_df (
	term TEXT PRIMARY KEY,
	df   INTEGER NOT NULL
);

-- How far each pipeline stage has processed (highest article id), for
-- catch-up after an interrupted run.
CREATE TABLE stage_progress (
	stage           TEXT PRIMARY KEY,
	last_article_id INTEGER NOT NULL
);
