-- Near-duplicate index, second layout (internal/dedup). The detector reads
-- only these two tables, never the wide articles rows:
--   * dedup_docs gains the fields the canonical choice needs (source,
--     published, canonical), copied from articles; articles.canonical_id
--     stays the truth every reader uses, and both are written in the same
--     transaction.
--   * band keys move to a WITHOUT ROWID table: one b-tree per row instead of
--     three (rowid table, primary-key index, article index). A key row has
--     no foreign key: a deleted article's rows are dropped by the join with
--     dedup_docs (which cascades), and nothing has to find keys by article.
ALTER TABLE dedup_docs ADD COLUMN source_id INTEGER NOT NULL DEFAULT 0;
ALTER TABLE dedup_docs ADD COLUMN published INTEGER NOT NULL DEFAULT 0;
ALTER TABLE dedup_docs ADD COLUMN canonical_id INTEGER;
UPDATE dedup_docs SET (source_id, published, canonical_id) =
	(SELECT a.source_id, a.published, a.canonical_id FROM articles a WHERE a.id = dedup_docs.article_id);
CREATE INDEX dedup_docs_canonical ON dedup_docs (canonical_id) WHERE canonical_id IS NOT NULL;

CREATE TABLE dedup_keys (
	band_key   INTEGER NOT NULL,
	article_id INTEGER NOT NULL,
	PRIMARY KEY (band_key, article_id)
) WITHOUT ROWID;
INSERT INTO dedup_keys (band_key, article_id) SELECT band_key, article_id FROM dedup_bands;
DROP TABLE dedup_bands;
