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

-- Stories (internal/story). Times are Unix seconds; sources is the
-- space-separated list of outlet keys; centroid is the encoded term vector
-- and members the encoded recent member vectors (story.AppendVector), so
-- that a restarted stage resumes with exactly the state it had; the
-- centroid decays with its members' age, and mass is the members' decayed
-- weight at mass_at (Unix seconds, 0: not decayed yet). Candidate
-- stories are found through postings the stage keeps in memory for the
-- stories seen within its time window, loaded through stories_last_seen:
-- no lookup reads more than that window.
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
	centroid         BLOB NOT NULL,
	members          BLOB NOT NULL DEFAULT x'',
	mass             REAL NOT NULL DEFAULT 0,
	mass_at          INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX stories_last_seen ON stories (last_seen);

-- Story stage state: 'generation' changes with every write of stories (a
-- stage holding a model of another generation reloads it); 'docfreq' is the
-- checkpoint of the document-frequency sketch (blob) and the highest article
-- id counted in it (value). A rowid table, not WITHOUT ROWID: there the
-- 16 MiB sketch row sits in the key b-tree, and every lookup of the
-- generation (each batch reads and bumps it) compared keys through the
-- sketch's overflow pages (about 7 ms a batch).
CREATE TABLE story_meta (
	key   TEXT PRIMARY KEY,
	value INTEGER NOT NULL DEFAULT 0,
	blob  BLOB
);
INSERT INTO story_meta (key, value) VALUES ('generation', 0);

-- How far each pipeline stage has processed (highest article id), for
-- catch-up after an interrupted run.
CREATE TABLE stage_progress (
	stage           TEXT PRIMARY KEY,
	last_article_id INTEGER NOT NULL
);
