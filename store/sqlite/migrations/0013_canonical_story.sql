-- The story stage asks, for each copy group of a batch, whether an article
-- has copies and the lowest story among a group's placed members
-- (CopyStories). Through articles_canonical (canonical_id alone) that read
-- every member of the group, so its cost per article grew with the copies
-- the archive held (`marsad bench stories --copies 10`: ×7 from the first
-- copy to the tenth). With story_id in the key each is one seek. The index
-- holds only copies and serves every lookup articles_canonical served
-- (canonical_id = ?, IN (…), IS NOT NULL).
CREATE INDEX articles_canonical_story ON articles (canonical_id, story_id) WHERE canonical_id IS NOT NULL;
DROP INDEX articles_canonical;
