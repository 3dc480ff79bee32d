-- The work each pipeline stage still owes, instead of one high-water mark
-- per stage: a mark skips the ids another process committed first, and a
-- batch whose stage step failed stayed below it for good. An article saved
-- is owed to every registered stage (one row each); the stage deletes its
-- rows in the transaction that stores its result.
CREATE TABLE stages (
	name     TEXT PRIMARY KEY,
	position INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE stage_work (
	stage      TEXT NOT NULL,
	article_id INTEGER NOT NULL,
	PRIMARY KEY (stage, article_id)
);
-- What the old marks still owed: articles above each mark, and for the
-- story stage every article without a story (those the mark skipped).
INSERT INTO stages (name, position) SELECT stage, 0 FROM stage_progress;
INSERT INTO stage_work (stage, article_id)
	SELECT p.stage, a.id FROM stage_progress p JOIN articles a ON a.id > p.last_article_id;
INSERT INTO stage_work (stage, article_id)
	SELECT 'story', a.id FROM articles a
	WHERE a.story_id IS NULL AND EXISTS (SELECT 1 FROM stages WHERE name = 'story')
	ON CONFLICT DO NOTHING;
DROP TABLE stage_progress;

-- Stories keep the display fields as columns and the clusterer's state
-- (centroid, recent members, decayed mass, title claim) as one blob in the
-- story package's own encoding. The old columns held the same state in an
-- encoding the store owned; it is not carried over: stories stored before
-- this migration stay as they are for readers but are no longer joined by
-- new articles (a story older than the clusterer's 4-day window never is),
-- and `marsad stories rebuild` re-clusters a range with full state.
ALTER TABLE stories ADD COLUMN state BLOB;
ALTER TABLE stories DROP COLUMN centroid;
ALTER TABLE stories DROP COLUMN members;
ALTER TABLE stories DROP COLUMN mass;
ALTER TABLE stories DROP COLUMN mass_at;
ALTER TABLE stories DROP COLUMN title_sim;

-- The generation at which each article was counted into the story stage's
-- document frequencies (0: before this migration or never): a checkpoint
-- saved at generation g holds every article counted at g or before, and a
-- reload recounts those counted after it. The old checkpoint counted the
-- ids up to its value: the placed articles above it are stamped 1 and the
-- checkpoint moves to generation 0.
ALTER TABLE articles ADD COLUMN story_gen INTEGER NOT NULL DEFAULT 0;
UPDATE articles SET story_gen = 1 WHERE story_id IS NOT NULL
	AND id > coalesce((SELECT value FROM story_meta WHERE key = 'docfreq'), 0);
UPDATE story_meta SET value = 0 WHERE key = 'docfreq';
UPDATE story_meta SET value = value + 1 WHERE key = 'generation';
CREATE INDEX articles_story_gen ON articles (story_gen) WHERE story_gen > 0;
