-- One article per page (issue 13): the http:// and https:// forms of a URL
-- name one page. url_key is the URL without its scheme (marsad.URLKey),
-- unique; every new row has one.
ALTER TABLE articles ADD COLUMN url_key TEXT;
UPDATE articles SET url_key = CASE
	WHEN substr(url, 1, 6) = 'https:' THEN substr(url, 7)
	WHEN substr(url, 1, 5) = 'http:' THEN substr(url, 6)
	ELSE url END;
-- A store written before this may hold both forms of one page as two
-- articles (dedup linked the later as a copy): the first stored keeps the
-- key and answers lookups by either form; the later one keeps its row and
-- id, with no key.
UPDATE articles SET url_key = NULL
	WHERE id NOT IN (SELECT min(id) FROM articles GROUP BY url_key);
CREATE UNIQUE INDEX articles_page ON articles (url_key);
