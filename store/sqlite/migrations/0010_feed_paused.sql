-- A feed an operator paused (the admin, issue 13) is never due until it is
-- resumed; the poller's own writes never touch this column, so a poll in
-- flight when the feed is paused cannot undo the pause.
ALTER TABLE feeds ADD COLUMN paused INTEGER NOT NULL DEFAULT 0;
