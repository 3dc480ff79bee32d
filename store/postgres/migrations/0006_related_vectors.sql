-- The related stage's term vectors (issue 9), as store/sqlite's
-- 0012_related_vectors.sql: data is internal/related's encoding of an
-- article's term counts; related_keys holds its heaviest terms, read by
-- term and date for the candidate query of an article's week.
CREATE TABLE related_vectors (
	article_id bigint PRIMARY KEY REFERENCES articles (id) ON DELETE CASCADE,
	published  bigint NOT NULL,
	data       bytea NOT NULL
);
CREATE TABLE related_keys (
	term       text NOT NULL,
	published  bigint NOT NULL,
	article_id bigint NOT NULL REFERENCES articles (id) ON DELETE CASCADE,
	weight     float8 NOT NULL,
	PRIMARY KEY (term, published, article_id)
);
-- An article's rows are replaced when its vector is saved again.
CREATE INDEX related_keys_article ON related_keys (article_id);
