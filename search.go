package marsad

import (
	"context"
	"time"
)

// QueryNode is one node of a parsed search query. Leaves are terms or
// phrases of analyzed terms; inner nodes combine children.
type QueryNode struct {
	Op       QueryOp
	Terms    []string // OpTerm: one term; OpPhrase: the terms in order
	Children []*QueryNode
}

// QueryOp is the kind of a QueryNode.
type QueryOp int

const (
	OpTerm QueryOp = iota
	OpPhrase
	OpAnd
	OpOr
	OpNot // one child, excluded from the results of its parent And
)

// SearchRequest is a compiled query: a match expression over analyzed terms
// plus structured filters. Expr may be nil when only filters are given.
type SearchRequest struct {
	Expr    *QueryNode
	Sources []string // source keys; any of them
	From    time.Time
	To      time.Time // exclusive
	Offset  int
	Limit   int
	// ByStory makes one hit of each story instead of each copy group: the
	// best matching member shows, Copies counts the other members that
	// match. Articles without a story group by copies.
	ByStory bool
}

// SearchHit is one matching article with its score (higher is better).
// Copies of one text (see Article.CanonicalID) are one hit: the best
// matching member of the group, with the number of other members that
// match too.
type SearchHit struct {
	Article *Article
	Score   float64
	Copies  int
}

// MaxSearchSources bounds SearchRequest.Sources: each is a bound
// parameter of the query, and a filter on more outlets than exist is a way
// to make a search expensive, not a question.
const MaxSearchSources = 50

// SearchService runs searches over the stored articles.
type SearchService interface {
	// Search returns one page of hits, best first (newest first when Expr
	// is nil: filters alone rank nothing), and the total number of
	// hits (matching articles, a group of copies counting once). EINVALID
	// when the request has neither an expression nor a filter, or more
	// than MaxSearchSources sources. The search stops when ctx ends.
	Search(ctx context.Context, req SearchRequest) ([]SearchHit, int, error)
	// DocFrequencies returns, for each analyzed term, the number of indexed
	// articles whose title or body holds it (0 for a term never seen), and
	// the number of indexed articles: what weighs a term by its rarity
	// (TF-IDF) for more-like-this queries. EINTERNAL when the index cannot
	// be read.
	DocFrequencies(ctx context.Context, terms []string) (df []int, docs int, err error)
}
