-- Named leases (issue 11): one holder at a time until an expiry (Unix
-- milliseconds) the holder pushes back while it works; the pipeline's
-- stages are run by the holder of their lease when several processes share
-- a store.
CREATE TABLE leases (
	name    TEXT PRIMARY KEY,
	holder  TEXT NOT NULL,
	expires INTEGER NOT NULL
) WITHOUT ROWID;
