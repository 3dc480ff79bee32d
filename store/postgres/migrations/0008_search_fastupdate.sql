-- The search index's GIN index writes each article's lexemes straight into
-- the index instead of appending them to GIN's pending list. With the
-- pending list (fastupdate, the default) every lookup of a term scans the
-- whole unsorted list until a vacuum merges it, and the related stage looks
-- up the document frequency of every term it meets for the first time
-- while the import fills that list: 93 % of the server's time in an import
-- of ant_multisource went to those lookups, 51 articles/s; without the
-- pending list 540/s (docs/PERFORMANCE.md, 2026-11-30). A search while
-- feeds are polled scans the list too.
ALTER INDEX article_search_tsv SET (fastupdate = off);
