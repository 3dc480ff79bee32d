-- The publication time an article claimed when it was more than a day ahead
-- of its arrival (Unix seconds, 0 when the claim was kept as published).
-- The pipeline then dates the article at its arrival; this keeps the claim.
ALTER TABLE articles ADD COLUMN published_claimed INTEGER NOT NULL DEFAULT 0;
