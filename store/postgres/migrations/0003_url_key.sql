-- One article per page (issue 13), as store/sqlite's 0009_url_key.sql: the
-- http:// and https:// forms of a URL name one page; url_key is the URL
-- without its scheme (marsad.URLKey), unique; every new row has one. (The
-- index is not named articles_url_key: that is url's UNIQUE constraint.)
ALTER TABLE articles ADD COLUMN url_key text;
UPDATE articles SET url_key = CASE
	WHEN substr(url, 1, 6) = 'https:' THEN substr(url, 7)
	WHEN substr(url, 1, 5) = 'http:' THEN substr(url, 6)
	ELSE url END;
-- Both forms stored before this: the first keeps the key (see SQLite's).
UPDATE articles SET url_key = NULL
	WHERE id NOT IN (SELECT min(id) FROM articles GROUP BY url_key);
CREATE UNIQUE INDEX articles_page ON articles (url_key);
