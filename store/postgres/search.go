package postgres

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/jackc/pgx/v5"

	"github.com/marsad/marsad"
	"github.com/marsad/marsad/store/internal/querytree"
)

// rankWeights are ts_rank's weights for the labels {D, C, B, A}: body terms
// are labelled D and title terms A, so a match in the title counts four
// times one in the body, as SQLite's bm25 column weights (4, 1) do.
const rankWeights = `'{0.25, 0.25, 0.25, 1.0}'::float4[]`

// rankNormalization 1 divides a rank by 1 + log(document length): a match
// in a short article outranks one in a long article, as bm25's length
// normalization does.
const rankNormalization = 1

// Search runs req against the tsvector index (analyzed terms) and the
// article filters; hits are best first, with the total number of matches.
// Copies collapse exactly as in store/sqlite: one hit per copy group (or
// story, with ByStory), its best match shown, Copies counting the others.
func (db *DB) Search(ctx context.Context, req marsad.SearchRequest) ([]marsad.SearchHit, int, error) {
	var match, rank string
	if req.Expr != nil {
		m, positive, err := tsExpr(req.Expr)
		if err != nil {
			return nil, 0, err
		}
		if !positive {
			return nil, 0, marsad.Errorf(marsad.EINVALID, "a query needs at least one word that is not excluded")
		}
		match, rank = m, strings.Join(rankLeaves(req.Expr, nil), " | ")
	}
	if match == "" && len(req.Sources) == 0 && req.From.IsZero() && req.To.IsZero() {
		return nil, 0, marsad.Errorf(marsad.EINVALID, "empty query")
	}
	if len(req.Sources) > marsad.MaxSearchSources {
		return nil, 0, marsad.Errorf(marsad.EINVALID, "a search can name at most %d sources, not %d", marsad.MaxSearchSources, len(req.Sources))
	}
	var a args
	var qm, qr string
	if match != "" {
		qm, qr = a.add(match), a.add(rank)
	}
	var where []string
	if len(req.Sources) > 0 {
		where = append(where, "s.key = ANY("+a.add(req.Sources)+")")
	}
	if !req.From.IsZero() {
		where = append(where, "a.published >= "+a.add(req.From.Unix()))
	}
	if !req.To.IsZero() {
		where = append(where, "a.published < "+a.add(req.To.Unix()))
	}
	filter := ""
	if len(where) > 0 {
		filter = ` JOIN sources s ON s.id = a.source_id WHERE ` + strings.Join(where, " AND ")
	}
	// As in store/sqlite: h holds every match with its score, group and
	// date from the article's small columns; g keeps the best member of
	// each group (DISTINCT ON) with the group's size; the page is cut from
	// g before any body is read and the total counted from the same g.
	// A copy group is its canonical article's id; a story group the
	// story's id, negated so the two never collide.
	grp := "coalesce(a.canonical_id, a.id)"
	if req.ByStory {
		grp = "CASE WHEN a.story_id IS NOT NULL THEN -a.story_id ELSE coalesce(a.canonical_id, a.id) END"
	}
	var with, order, outer string
	if match != "" {
		with = `WITH m AS MATERIALIZED (SELECT t.article_id AS id,
				ts_rank(` + rankWeights + `, t.tsv, ` + qr + `::tsquery, ` + strconv.Itoa(rankNormalization) + `)::float8 AS score
				FROM article_search t WHERE t.tsv @@ ` + qm + `::tsquery),
			h AS MATERIALIZED (SELECT m.id, m.score, ` + grp + ` AS grp, a.published
				FROM m JOIN articles a ON a.id = m.id` + filter + `),
			g AS MATERIALIZED (SELECT DISTINCT ON (grp) id, score, published, count(*) OVER (PARTITION BY grp) AS n
				FROM h ORDER BY grp, score DESC, id) `
		order, outer = "score DESC, id DESC", "p.score DESC, p.id DESC"
	} else {
		with = `WITH h AS MATERIALIZED (SELECT a.id, ` + grp + ` AS grp, a.published FROM articles a` + filter + `),
			g AS MATERIALIZED (SELECT DISTINCT ON (grp) id, 0.0::float8 AS score, published, count(*) OVER (PARTITION BY grp) AS n
				FROM h ORDER BY grp, published DESC, id) `
		order, outer = "published DESC, id DESC", "p.published DESC, p.id DESC"
	}
	limit := req.Limit
	if limit <= 0 {
		limit = 20
	}
	withArgs := len(a)
	q := with + `SELECT ` + articleColumns + `, p.score, p.n, (SELECT count(*) FROM g)
		FROM (SELECT id, score, published, n FROM g ORDER BY ` + order + ` LIMIT ` + a.add(limit) + ` OFFSET ` + a.add(max(req.Offset, 0)) + `) p
		JOIN articles a ON a.id = p.id JOIN sources s ON s.id = a.source_id
		ORDER BY ` + outer
	rows, err := db.pool.Query(ctx, q, a...)
	if err != nil {
		return nil, 0, fmt.Errorf("search %q: %w", match, err)
	}
	var hits []marsad.SearchHit
	total := 0
	for rows.Next() {
		var h marsad.SearchHit
		var n int
		art, err := scanArticle(rows, &h.Score, &n, &total)
		if err != nil {
			rows.Close()
			return nil, 0, fmt.Errorf("search %q: %w", match, err)
		}
		h.Article, h.Copies = art, n-1
		hits = append(hits, h)
	}
	if err := rows.Err(); err != nil {
		return nil, 0, fmt.Errorf("search %q: %w", match, err)
	}
	if len(hits) == 0 && req.Offset > 0 {
		// A page past the end has no row to carry the total: count apart.
		if err := db.pool.QueryRow(ctx, with+`SELECT count(*) FROM g`, a[:withArgs]...).Scan(&total); err != nil {
			return nil, 0, fmt.Errorf("search %q: %w", match, err)
		}
	}
	return hits, total, nil
}

// tsExpr renders a query tree as tsquery text. Every term is a quoted
// lexeme (tsPhrase), so no term is ever read as tsquery syntax; the
// operators come from the tree only.
func tsExpr(n *marsad.QueryNode) (expr string, positive bool, err error) {
	return querytree.Render(n, tsSyntax)
}

// tsSyntax spells the query tree in tsquery.
var tsSyntax = querytree.Syntax{Phrase: tsPhrase, And: " & ", Or: " | ", AndNot: " & !"}

// tsPhrase renders terms as one lexeme or a phrase of adjacent lexemes
// ("" when there are none). A term holding spaces is several words, as in
// an FTS5 string.
func tsPhrase(terms []string) string {
	var words []string
	for _, t := range terms {
		words = append(words, strings.Fields(t)...)
	}
	for i, w := range words {
		words[i] = quoteLexeme(w)
	}
	if len(words) == 0 {
		return ""
	}
	if len(words) == 1 {
		return words[0]
	}
	return "(" + strings.Join(words, " <-> ") + ")"
}

// rankLeaves appends the positive leaves of the tree (terms and phrases
// outside any exclusion), which the rank sums over: ts_rank of an OR of
// leaves adds each leaf's weighted frequency as bm25 adds each term's,
// where the rank of an AND would measure how close the terms stand.
func rankLeaves(n *marsad.QueryNode, out []string) []string {
	switch n.Op {
	case marsad.OpTerm, marsad.OpPhrase:
		if e := tsPhrase(n.Terms); e != "" {
			out = append(out, e)
		}
	case marsad.OpAnd, marsad.OpOr:
		for _, c := range n.Children {
			out = rankLeaves(c, out)
		}
	}
	return out
}

// lexemeEscaper doubles the two characters special inside a quoted
// lexeme. Built once: a Replacer is safe for concurrent use, and building
// one per lexeme was a sixth of a PostgreSQL worker's CPU in an import.
var lexemeEscaper = strings.NewReplacer(`\`, `\\`, `'`, `''`)

// quoteLexeme quotes s as one tsquery or tsvector lexeme: inside quotes
// only the quote and the backslash are special. Analyzed terms almost
// never hold either, so they are copied as they are.
func quoteLexeme(s string) string {
	if !strings.ContainsAny(s, `\'`) {
		return `'` + s + `'`
	}
	return `'` + lexemeEscaper.Replace(s) + `'`
}

// maxPosition is the highest position a tsvector keeps (later ones are
// stored as this one).
const maxPosition = 16383

// termVector renders the analyzed terms of an article as tsvector text:
// the title's terms at positions 1…n with weight A, the body's after a gap
// of one position (so no phrase runs from the title into the body) with
// the default weight D. PostgreSQL parses nothing: each term is a lexeme.
func termVector(title, body string) string {
	var b strings.Builder
	pos := 0
	add := func(terms, weight string) {
		for _, t := range strings.Fields(terms) {
			pos++
			if b.Len() > 0 {
				b.WriteByte(' ')
			}
			b.WriteString(quoteLexeme(t))
			b.WriteByte(':')
			b.WriteString(strconv.Itoa(min(pos, maxPosition)))
			b.WriteString(weight)
		}
	}
	add(title, "A")
	pos++
	add(body, "")
	return b.String()
}

// errNoRows reports whether err is pgx's "no rows".
func errNoRows(err error) bool { return errors.Is(err, pgx.ErrNoRows) }

// DocFrequencies counts, for each term, the indexed articles whose
// tsvector holds it (one GIN index probe per distinct term), and the
// articles.
func (db *DB) DocFrequencies(ctx context.Context, terms []string) ([]int, int, error) {
	df := make([]int, len(terms))
	var docs int
	if err := db.pool.QueryRow(ctx, `SELECT count(*) FROM articles`).Scan(&docs); err != nil {
		return nil, 0, fmt.Errorf("doc frequencies: %w", err)
	}
	if len(terms) == 0 {
		return df, docs, nil
	}
	at := map[string][]int{}
	var uniq, queries []string
	for i, t := range terms {
		if _, ok := at[t]; !ok {
			uniq, queries = append(uniq, t), append(queries, quoteLexeme(t))
		}
		at[t] = append(at[t], i)
	}
	rows, err := db.pool.Query(ctx, `SELECT u.t, (SELECT count(*) FROM article_search s WHERE s.tsv @@ u.q::tsquery)
		FROM unnest($1::text[], $2::text[]) AS u(t, q)`, uniq, queries)
	if err != nil {
		return nil, 0, fmt.Errorf("doc frequencies of %d terms: %w", len(uniq), err)
	}
	defer rows.Close()
	for rows.Next() {
		var t string
		var n int
		if err := rows.Scan(&t, &n); err != nil {
			return nil, 0, fmt.Errorf("doc frequencies: %w", err)
		}
		for _, i := range at[t] {
			df[i] = n
		}
	}
	if err := rows.Err(); err != nil {
		return nil, 0, fmt.Errorf("doc frequencies: %w", err)
	}
	return df, docs, nil
}
