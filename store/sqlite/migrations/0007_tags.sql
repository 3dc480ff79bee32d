-- Tags (issue 9). A tag is identified by its key, the analyzer's terms of
-- its words; display is the surface form the archive writes most often
-- (kept up to date from tag_forms when articles are tagged).
CREATE TABLE tags (
	id      INTEGER PRIMARY KEY,
	key     TEXT NOT NULL UNIQUE,
	display TEXT NOT NULL
);
CREATE TABLE tag_forms (
	tag_id  INTEGER NOT NULL REFERENCES tags (id),
	surface TEXT NOT NULL,
	n       INTEGER NOT NULL,
	PRIMARY KEY (tag_id, surface)
) WITHOUT ROWID;
-- published is the article's, so that a tag's articles (latest first) and
-- its counts over time are read from this table's index alone.
CREATE TABLE article_tags (
	article_id INTEGER NOT NULL REFERENCES articles (id) ON DELETE CASCADE,
	tag_id     INTEGER NOT NULL REFERENCES tags (id),
	rank       INTEGER NOT NULL,
	score      REAL NOT NULL,
	publisher  INTEGER NOT NULL,
	surface    TEXT NOT NULL,
	published  INTEGER NOT NULL,
	PRIMARY KEY (article_id, tag_id)
) WITHOUT ROWID;
CREATE INDEX article_tags_tag ON article_tags (tag_id, published);
CREATE INDEX article_tags_published ON article_tags (published);
-- The tag stage's corpus statistics (document frequencies of phrases), in
-- the tags package's own encoding.
CREATE TABLE tag_corpus (
	id   INTEGER PRIMARY KEY CHECK (id = 1),
	data BLOB NOT NULL
);
