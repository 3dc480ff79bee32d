-- The related stage's term vectors (issue 9): an article's related lists
-- are computed from these instead of analyzing candidates' bodies on each
-- request. data is internal/related's encoding of the article's term
-- counts; keys its heaviest terms, space-separated, so that its rows in
-- related_keys can be replaced by their primary key.
CREATE TABLE related_vectors (
	article_id INTEGER PRIMARY KEY REFERENCES articles (id) ON DELETE CASCADE,
	published  INTEGER NOT NULL,
	keys       TEXT NOT NULL,
	data       BLOB NOT NULL
);
-- One row per key term of an article, ordered by term then date: the
-- candidate query of an article reads, for each of its own key terms, the
-- rows of its week only. published is the article's (copied, as in
-- article_tags). No foreign key: related_vectors' cascade is the one that
-- matters, and a check per row would double the stage's writes.
CREATE TABLE related_keys (
	term       TEXT NOT NULL,
	published  INTEGER NOT NULL,
	article_id INTEGER NOT NULL,
	weight     REAL NOT NULL,
	PRIMARY KEY (term, published, article_id)
) WITHOUT ROWID;
-- The candidate query reads the copy group of a few hundred matching
-- articles per list: from this index, a few pages, instead of as many
-- article rows (each spread over pages by its body and HTML).
CREATE INDEX articles_group ON articles (id, canonical_id);
