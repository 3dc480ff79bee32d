package marsad

import (
	"context"
	"time"
)

// TermVector is what the related stage keeps of one article, so that its
// related lists, and the lists it appears in, are computed without
// analyzing any body again (internal/related).
type TermVector struct {
	ArticleID int64
	// Published is the article's date: the candidate query keeps to the
	// article's own days.
	Published time.Time
	// Data is the article's term counts in internal/related's encoding;
	// the store keeps it as it is.
	Data []byte
	// Keys are the article's heaviest terms with their weights: the store
	// finds an article's candidates among the articles sharing its keys.
	Keys []KeyTerm
}

// KeyTerm is one of an article's heaviest terms and its weight.
type KeyTerm struct {
	Term   string
	Weight float64
}

// CandidateQuery asks for the articles that share the most weight of a set
// of key terms.
type CandidateQuery struct {
	// Terms are the asking article's heaviest terms and their weights; an
	// article's score is the sum, over the Terms among its own keys, of the
	// two weights' product.
	Terms []KeyTerm
	// From and To bound the candidates' publication time, [From, To).
	From, To time.Time
	// Exclude is a copy group (its canonical article's id) left out: the
	// asking article's own.
	Exclude int64
	// Limit is the number of copy groups returned.
	Limit int
}

// CandidateCut bounds the articles RelatedCandidates groups into copy
// groups, as a multiple of the groups asked for: an article's week holds
// hundreds of articles sharing one of its common terms, and only the best
// few need their copy group read.
const CandidateCut = 4

// RelatedStore keeps the related stage's term vectors and answers the
// candidate query of the related lists.
type RelatedStore interface {
	// SaveTermVectors stores the vectors of the articles of batch that
	// stage still owes (replacing any they had; an article no longer owed
	// was done by another process and is left alone) and marks them done,
	// in one transaction. It returns the ids it saved. EINVALID for an
	// empty stage name or a key with an empty term.
	SaveTermVectors(ctx context.Context, stage string, batch []TermVector) ([]int64, error)
	// TermVectors returns the stored vectors of ids (without Keys), in the
	// order asked; an id without a vector is left out.
	TermVectors(ctx context.Context, ids []int64) ([]TermVector, error)
	// RelatedCandidates returns up to q.Limit copy groups of articles
	// published in [q.From, q.To) whose keys share terms with q.Terms,
	// best score first (ties: higher id first), one hit per copy group (its
	// best-scoring article; Copies counts the group's other articles among
	// the matches), q.Exclude's group left out. Only the CandidateCut ×
	// q.Limit best-scoring articles are grouped: a group with more copies
	// than that among them may leave fewer than q.Limit hits. The articles carry no text
	// (no summary, body or HTML). EINVALID when q has no term or a
	// negative limit.
	RelatedCandidates(ctx context.Context, q CandidateQuery) ([]SearchHit, error)
	// ResetTermVectors forgets every vector and makes stage owe every
	// article again (after an analyzer change the terms change).
	ResetTermVectors(ctx context.Context, stage string) error
}
