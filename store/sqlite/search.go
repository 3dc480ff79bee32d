package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
	"strings"

	"github.com/marsad/marsad"
	"github.com/marsad/marsad/store/internal/querytree"
)

// Column weights for bm25: a match in the title counts four times one in
// the body, so an article about X ranks above one that mentions X.
const titleWeight, bodyWeight = 4.0, 1.0

// Search runs req against the FTS5 index (analyzed terms) and the article
// filters; hits are best first, with the total number of matches.
func (db *DB) Search(ctx context.Context, req marsad.SearchRequest) ([]marsad.SearchHit, int, error) {
	var match string
	if req.Expr != nil {
		m, positive, err := ftsExpr(req.Expr)
		if err != nil {
			return nil, 0, err
		}
		if !positive {
			return nil, 0, marsad.Errorf(marsad.EINVALID, "a query needs at least one word that is not excluded")
		}
		match = m
	}
	if match == "" && len(req.Sources) == 0 && req.From.IsZero() && req.To.IsZero() {
		return nil, 0, marsad.Errorf(marsad.EINVALID, "empty query")
	}
	if len(req.Sources) > marsad.MaxSearchSources {
		return nil, 0, marsad.Errorf(marsad.EINVALID, "a search can name at most %d sources, not %d", marsad.MaxSearchSources, len(req.Sources))
	}
	var where []string
	var args []any
	if len(req.Sources) > 0 {
		where = append(where, "s.key IN ("+placeholders(len(req.Sources))+")")
		for _, k := range req.Sources {
			args = append(args, k)
		}
	}
	if !req.From.IsZero() {
		where, args = append(where, "a.published >= ?"), append(args, req.From.Unix())
	}
	if !req.To.IsZero() {
		where, args = append(where, "a.published < ?"), append(args, req.To.Unix())
	}
	// h holds every match: its id, score, copy group (the canonical
	// article's id) and date, read from the small leading columns of the
	// article row. g keeps the best match of each group, so a wire story
	// republished by ten papers is one hit; its Copies counts the others.
	// The page is cut from g before any body is read, and the total is
	// counted from the same g: the match runs once.
	// A copy group is its canonical article's id; a story group the
	// story's id, negated so the two never collide.
	grp := "coalesce(a.canonical_id, a.id)"
	if req.ByStory {
		grp = "CASE WHEN a.story_id IS NOT NULL THEN -a.story_id ELSE coalesce(a.canonical_id, a.id) END"
	}
	var with, order, outer string
	var withArgs []any
	filter := ""
	if len(where) > 0 {
		filter = ` JOIN sources s ON s.id = a.source_id WHERE ` + strings.Join(where, " AND ")
	}
	if match != "" {
		// bm25() only works in the FTS cursor's own query: score the matches
		// in a materialized CTE first.
		with = fmt.Sprintf(`WITH m AS MATERIALIZED (SELECT rowid AS id, -bm25(article_fts, %g, %g) AS score
			FROM article_fts WHERE article_fts MATCH ?),
			h AS MATERIALIZED (SELECT m.id, m.score, %s AS grp, a.published
				FROM m JOIN articles a ON a.id = m.id%s),
			g AS MATERIALIZED (SELECT id, max(score) AS score, published, count(*) AS n FROM h GROUP BY grp) `,
			titleWeight, bodyWeight, grp, filter)
		withArgs = append([]any{match}, args...)
		order, outer = "score DESC, id DESC", "p.score DESC, p.id DESC"
	} else {
		with = `WITH h AS MATERIALIZED (SELECT a.id, ` + grp + ` AS grp, a.published
				FROM articles a` + filter + `),
			g AS MATERIALIZED (SELECT id, 0.0 AS score, max(published) AS published, count(*) AS n FROM h GROUP BY grp) `
		withArgs = args
		order, outer = "published DESC, id DESC", "p.published DESC, p.id DESC"
	}
	limit := req.Limit
	if limit <= 0 {
		limit = 20
	}
	// In SQLite, the bare column id of an aggregate query with one max()
	// comes from the row holding the maximum: the group's best match.
	rows, err := db.db.QueryContext(ctx, with+`SELECT `+articleColumns+`, p.score, p.n, (SELECT count(*) FROM g)
		FROM (SELECT id, score, published, n FROM g ORDER BY `+order+` LIMIT ? OFFSET ?) p
		JOIN articles a ON a.id = p.id JOIN sources s ON s.id = a.source_id
		ORDER BY `+outer,
		slices.Concat(withArgs, []any{limit, req.Offset})...)
	if err != nil {
		return nil, 0, fmt.Errorf("search %q: %w", match, err)
	}
	defer rows.Close()
	var hits []marsad.SearchHit
	total := 0
	for rows.Next() {
		var h marsad.SearchHit
		var n int
		a, err := scanArticle(rows, &h.Score, &n, &total)
		if err != nil {
			return nil, 0, fmt.Errorf("search %q: %w", match, err)
		}
		h.Article, h.Copies = a, n-1
		hits = append(hits, h)
	}
	if err := rows.Err(); err != nil {
		return nil, 0, fmt.Errorf("search %q: %w", match, err)
	}
	if len(hits) == 0 && req.Offset > 0 {
		// A page past the end has no row to carry the total: count apart.
		if err := db.db.QueryRowContext(ctx, with+`SELECT count(*) FROM g`, withArgs...).Scan(&total); err != nil {
			return nil, 0, fmt.Errorf("search %q: %w", match, err)
		}
	}
	return hits, total, nil
}

// ftsExpr renders a query tree as an FTS5 match expression. positive
// tells whether the expression can match on its own (FTS5 has no unary
// NOT: exclusions must hang off a positive part).
func ftsExpr(n *marsad.QueryNode) (expr string, positive bool, err error) {
	return querytree.Render(n, ftsSyntax)
}

// ftsSyntax spells the query tree in FTS5: a leaf is one quoted string
// (its terms a phrase).
var ftsSyntax = querytree.Syntax{
	Phrase: func(terms []string) string {
		if len(terms) == 0 {
			return ""
		}
		return ftsString(strings.Join(terms, " "))
	},
	And: " AND ", Or: " OR ", AndNot: " NOT ",
}

// ftsString quotes s as an FTS5 string: inside it every token is a phrase
// word, so no term can be read as an operator.
func ftsString(s string) string { return `"` + strings.ReplaceAll(s, `"`, `""`) + `"` }

// DocFrequencies reads the document frequency of each term from the search
// index's vocabulary (fts5vocab, migration 0008) and counts the articles.
func (db *DB) DocFrequencies(ctx context.Context, terms []string) ([]int, int, error) {
	df := make([]int, len(terms))
	var docs int
	if err := db.db.QueryRowContext(ctx, `SELECT count(*) FROM articles`).Scan(&docs); err != nil {
		return nil, 0, fmt.Errorf("doc frequencies: %w", err)
	}
	if len(terms) == 0 {
		return df, docs, nil
	}
	at := make(map[string][]int, len(terms))
	args := make([]any, 0, len(terms))
	for i, t := range terms {
		if _, ok := at[t]; !ok {
			args = append(args, t)
		}
		at[t] = append(at[t], i)
	}
	// Chunks stay far below SQLite's limit on bound parameters.
	for len(args) > 0 {
		n := min(len(args), 500)
		if err := db.readDocFrequencies(ctx, args[:n], at, df); err != nil {
			return nil, 0, err
		}
		args = args[n:]
	}
	return df, docs, nil
}

// AllDocFrequencies returns the document frequency of every term of the
// search index and the number of articles, read in one transaction: one
// scan of the index's vocabulary, cheaper than DocFrequencies of a few
// thousand terms (the fts5vocab table counts a looked-up term's documents
// by reading its posting list, and a list's terms are mostly common ones).
// internal/related fills its document-frequency cache with it.
func (db *DB) AllDocFrequencies(ctx context.Context) (map[string]int, int, error) {
	tx, err := db.db.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return nil, 0, fmt.Errorf("all doc frequencies: %w", err)
	}
	defer tx.Rollback()
	var docs int
	if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM articles`).Scan(&docs); err != nil {
		return nil, 0, fmt.Errorf("all doc frequencies: %w", err)
	}
	rows, err := tx.QueryContext(ctx, `SELECT term, doc FROM article_vocab`)
	if err != nil {
		return nil, 0, fmt.Errorf("all doc frequencies: %w", err)
	}
	defer rows.Close()
	df := map[string]int{}
	for rows.Next() {
		var t string
		var n int
		if err := rows.Scan(&t, &n); err != nil {
			return nil, 0, fmt.Errorf("all doc frequencies: %w", err)
		}
		df[t] = n
	}
	if err := rows.Err(); err != nil {
		return nil, 0, fmt.Errorf("all doc frequencies: %w", err)
	}
	return df, docs, nil
}

func (db *DB) readDocFrequencies(ctx context.Context, args []any, at map[string][]int, df []int) error {
	rows, err := db.db.QueryContext(ctx, `SELECT term, doc FROM article_vocab WHERE term IN (`+placeholders(len(args))+`)`, args...)
	if err != nil {
		return fmt.Errorf("doc frequencies of %d terms: %w", len(args), err)
	}
	defer rows.Close()
	for rows.Next() {
		var t string
		var n int
		if err := rows.Scan(&t, &n); err != nil {
			return fmt.Errorf("doc frequencies: %w", err)
		}
		for _, i := range at[t] {
			df[i] = n
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("doc frequencies: %w", err)
	}
	return nil
}
