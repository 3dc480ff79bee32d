// Package querytree renders a parsed search query (marsad.QueryNode) in a
// store's match syntax — FTS5 for store/sqlite, tsquery for
// store/postgres — so that what a query may say (an OR needs a word on
// each side, an exclusion hangs off a positive part) is decided once for
// every backend, and each store only spells the operators.
package querytree

import (
	"strings"

	"github.com/marsad/marsad"
)

// Syntax spells a match language's parts.
type Syntax struct {
	// Phrase renders one leaf: a term, or the terms of a phrase in order;
	// "" when it holds no word. It must quote every term, so that no term
	// is read as syntax.
	Phrase func(terms []string) string
	// And and Or join the operands of a conjunction and a disjunction;
	// AndNot joins a conjunction to the disjunction of its exclusions.
	And, Or, AndNot string
}

// Render renders n in syntax s. positive tells whether the expression can
// match on its own; EINVALID for a query that cannot be asked (an OR with
// an exclusion for a side, an exclusion alone, an unknown operator).
func Render(n *marsad.QueryNode, s Syntax) (expr string, positive bool, err error) {
	switch n.Op {
	case marsad.OpTerm, marsad.OpPhrase:
		if e := s.Phrase(n.Terms); e != "" {
			return e, true, nil
		}
		return "", false, nil
	case marsad.OpOr:
		var parts []string
		for _, c := range n.Children {
			e, pos, err := Render(c, s)
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
		return "(" + strings.Join(parts, s.Or) + ")", true, nil
	case marsad.OpAnd:
		var pos, neg []string
		for _, c := range n.Children {
			kids, into := []*marsad.QueryNode{c}, &pos
			if c.Op == marsad.OpNot {
				kids, into = c.Children, &neg
			}
			for _, k := range kids {
				e, p, err := Render(k, s)
				if err != nil {
					return "", false, err
				}
				if p {
					*into = append(*into, e)
				}
			}
		}
		if len(pos) == 0 {
			return "", false, nil
		}
		expr = "(" + strings.Join(pos, s.And) + ")"
		if len(neg) > 0 {
			expr += s.AndNot + "(" + strings.Join(neg, s.Or) + ")"
		}
		return "(" + expr + ")", true, nil
	case marsad.OpNot:
		return "", false, marsad.Errorf(marsad.EINVALID, "an exclusion needs a word to exclude from")
	}
	return "", false, marsad.Errorf(marsad.EINVALID, "unknown query operator %d", n.Op)
}
