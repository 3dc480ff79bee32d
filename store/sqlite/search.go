package sqlite

import (
	"context"
	"fmt"
	"strings"

	"github.com/marsad/marsad"
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
	where, args := []string{"1 = 1"}, []any{}
	from := `articles a JOIN sources s ON s.id = a.source_id`
	score := "0.0"
	order := "a.published DESC, a.id DESC"
	if match != "" {
		from = `article_fts f JOIN articles a ON a.id = f.rowid JOIN sources s ON s.id = a.source_id`
		where, args = append(where, "article_fts MATCH ?"), append(args, match)
		score = fmt.Sprintf("-bm25(article_fts, %g, %g)", titleWeight, bodyWeight)
		order = "score DESC, a.published DESC"
	}
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
	cond := strings.Join(where, " AND ")
	var total int
	if err := db.db.QueryRowContext(ctx, `SELECT count(*) FROM `+from+` WHERE `+cond, args...).Scan(&total); err != nil {
		return nil, 0, fmt.Errorf("search %q: %w", match, err)
	}
	limit := req.Limit
	if limit <= 0 {
		limit = 20
	}
	rows, err := db.db.QueryContext(ctx, `SELECT `+articleColumns+`, `+score+` AS score FROM `+from+
		` WHERE `+cond+` ORDER BY `+order+` LIMIT ? OFFSET ?`, append(args, limit, req.Offset)...)
	if err != nil {
		return nil, 0, fmt.Errorf("search %q: %w", match, err)
	}
	defer rows.Close()
	var hits []marsad.SearchHit
	for rows.Next() {
		var h marsad.SearchHit
		a, err := scanArticle(rows, &h.Score)
		if err != nil {
			return nil, 0, fmt.Errorf("search %q: %w", match, err)
		}
		h.Article = a
		hits = append(hits, h)
	}
	return hits, total, rows.Err()
}

// ftsExpr renders a query tree as an FTS5 match expression. positive tells
// whether the expression can match anything on its own (FTS5 has no unary
// NOT: exclusions must hang off a positive part).
func ftsExpr(n *marsad.QueryNode) (expr string, positive bool, err error) {
	switch n.Op {
	case marsad.OpTerm, marsad.OpPhrase:
		if len(n.Terms) == 0 {
			return "", false, nil
		}
		return ftsString(strings.Join(n.Terms, " ")), true, nil
	case marsad.OpOr:
		var parts []string
		for _, c := range n.Children {
			e, pos, err := ftsExpr(c)
			if err != nil {
				return "", false, err
			}
			if !pos {
				return "", false, marsad.Errorf(marsad.EINVALID, "OR needs a word on each side")
			}
			parts = append(parts, e)
		}
		if len(parts) == 0 {
			return "", false, nil
		}
		return "(" + strings.Join(parts, " OR ") + ")", true, nil
	case marsad.OpAnd:
		var pos, neg []string
		for _, c := range n.Children {
			if c.Op == marsad.OpNot {
				for _, cc := range c.Children {
					e, p, err := ftsExpr(cc)
					if err != nil {
						return "", false, err
					}
					if p {
						neg = append(neg, e)
					}
				}
				continue
			}
			e, p, err := ftsExpr(c)
			if err != nil {
				return "", false, err
			}
			if p {
				pos = append(pos, e)
			}
		}
		if len(pos) == 0 {
			return "", false, nil
		}
		expr = "(" + strings.Join(pos, " AND ") + ")"
		if len(neg) > 0 {
			expr += " NOT (" + strings.Join(neg, " OR ") + ")"
		}
		return "(" + expr + ")", true, nil
	case marsad.OpNot:
		return "", false, marsad.Errorf(marsad.EINVALID, "an exclusion needs a word to exclude from")
	}
	return "", false, marsad.Errorf(marsad.EINVALID, "unknown query operator %d", n.Op)
}

// ftsString quotes s as an FTS5 string: inside it every token is a phrase
// word, so no term can be read as an operator.
func ftsString(s string) string { return `"` + strings.ReplaceAll(s, `"`, `""`) + `"` }
