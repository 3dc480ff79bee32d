-- Named leases, as store/sqlite's 0011_leases.sql: one holder at a time
-- until an expiry (Unix milliseconds) the holder pushes back while it works.
CREATE TABLE leases (
	name    text PRIMARY KEY,
	holder  text NOT NULL,
	expires bigint NOT NULL
);
