-- A paused feed is never due (the admin, issue 13), as store/sqlite's
-- 0010_feed_paused.sql.
ALTER TABLE feeds ADD COLUMN paused boolean NOT NULL DEFAULT false;
