-- Sources (outlets) and articles, the search index over analyzed terms, and
-- a key/value table for store-wide facts such as the analyzer version.

CREATE TABLE meta (
	key   TEXT PRIMARY KEY,
	value TEXT NOT NULL
);

CREATE TABLE sources (
	id     INTEGER PRIMARY KEY,
	key    TEXT NOT NULL UNIQUE,
	name   TEXT NOT NULL DEFAULT '',
	domain TEXT NOT NULL DEFAULT ''
);

-- Times are Unix seconds (UTC). tags is a JSON array of display strings.
-- The small columns come first: a query that reads only them (search
-- filters, copy groups, stories) never walks the overflow pages of a body.
CREATE TABLE articles (
	id           INTEGER PRIMARY KEY,
	url          TEXT NOT NULL UNIQUE,
	source_id    INTEGER NOT NULL REFERENCES sources (id),
	published    INTEGER NOT NULL,
	fetched      INTEGER NOT NULL,
	content_hash INTEGER NOT NULL DEFAULT 0,
	canonical_id INTEGER REFERENCES articles (id),
	story_id     INTEGER,
	external_id  TEXT NOT NULL DEFAULT '',
	lang         TEXT NOT NULL DEFAULT '',
	category     TEXT NOT NULL DEFAULT '',
	author       TEXT NOT NULL DEFAULT '',
	tags         TEXT NOT NULL DEFAULT '[]',
	title        TEXT NOT NULL DEFAULT '',
	summary      TEXT NOT NULL DEFAULT '',
	body         TEXT NOT NULL DEFAULT '',
	html         TEXT NOT NULL DEFAULT ''
);
CREATE INDEX articles_published ON articles (published);
CREATE INDEX articles_source_published ON articles (source_id, published);
CREATE INDEX articles_content_hash ON articles (content_hash);
CREATE INDEX articles_canonical ON articles (canonical_id);
CREATE INDEX articles_story ON articles (story_id);

-- The full-text index holds the ANALYZED terms (normalized, stemmed, no
-- stopwords), space-separated, written by the pipeline; SQLite's tokenizer
-- only splits them at spaces. The 'ascii' tokenizer does that at the least
-- cost: every non-ASCII character (Arabic) is part of a token and our terms
-- hold no ASCII punctuation. rowid = articles.id.
CREATE VIRTUAL TABLE article_fts USING fts5 (
	title,
	body,
	content = '',
	contentless_delete = 1,
	tokenize = 'ascii'
);
-- Merge index segments 8 at a time instead of 4: half the merge work while
-- importing; `marsad import` optimizes the index when it is done.
INSERT INTO article_fts (article_fts, rank) VALUES ('automerge', 8);
