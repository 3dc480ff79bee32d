-- Document frequencies of the indexed terms, read straight from the search
-- index (no copy to keep in step): the related-articles lists weigh an
-- article's terms by rarity (TF-IDF) to pick its more-like-this query.
-- 'row' gives, per term, the number of articles holding it in title or body.
CREATE VIRTUAL TABLE article_vocab USING fts5vocab (article_fts, 'row');
