-- Tags (issue 9), as store/sqlite's 0007_tags.sql.
CREATE TABLE tags (
	id      bigserial PRIMARY KEY,
	key     text NOT NULL UNIQUE,
	display text NOT NULL
);
CREATE TABLE tag_forms (
	tag_id  bigint NOT NULL REFERENCES tags (id),
	surface text NOT NULL,
	n       bigint NOT NULL,
	PRIMARY KEY (tag_id, surface)
);
CREATE TABLE article_tags (
	article_id bigint NOT NULL REFERENCES articles (id) ON DELETE CASCADE,
	tag_id     bigint NOT NULL REFERENCES tags (id),
	rank       integer NOT NULL,
	score      double precision NOT NULL,
	publisher  boolean NOT NULL,
	surface    text NOT NULL,
	published  bigint NOT NULL,
	PRIMARY KEY (article_id, tag_id)
);
CREATE INDEX article_tags_tag ON article_tags (tag_id, published);
CREATE INDEX article_tags_published ON article_tags (published);
CREATE TABLE tag_corpus (
	id   integer PRIMARY KEY CHECK (id = 1),
	data bytea NOT NULL
);
