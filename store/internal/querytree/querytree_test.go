package querytree

import (
	"strings"
	"testing"

	"github.com/marsad/marsad"
)

// toy spells leaves in brackets, so the tests read the tree's shape.
var toy = Syntax{
	Phrase: func(terms []string) string {
		if len(terms) == 0 {
			return ""
		}
		return "[" + strings.Join(terms, " ") + "]"
	},
	And: " and ", Or: " or ", AndNot: " but not ",
}

func TestRenderKeepsTheTreeAndRefusesWhatCannotBeAsked(t *testing.T) {
	term := func(w ...string) *marsad.QueryNode { return &marsad.QueryNode{Op: marsad.OpTerm, Terms: w} }
	node := func(op marsad.QueryOp, c ...*marsad.QueryNode) *marsad.QueryNode {
		return &marsad.QueryNode{Op: op, Children: c}
	}
	tests := []struct {
		name     string
		in       *marsad.QueryNode
		want     string
		positive bool
		invalid  bool
	}{
		{"a phrase", term("a", "b"), "[a b]", true, false},
		{"no word", term(), "", false, false},
		{"and with exclusions", node(marsad.OpAnd, term("a"), node(marsad.OpNot, term("b"), term("c"))),
			"(([a]) but not ([b] or [c]))", true, false},
		{"exclusions alone match nothing", node(marsad.OpAnd, node(marsad.OpNot, term("b"))), "", false, false},
		{"or", node(marsad.OpOr, term("a"), term("b")), "([a] or [b])", true, false},
		{"or with an exclusion for a side", node(marsad.OpOr, term("a"), node(marsad.OpAnd, node(marsad.OpNot, term("b")))), "", false, true},
		{"an exclusion at the top", node(marsad.OpNot, term("a")), "", false, true},
		{"an unknown operator", &marsad.QueryNode{Op: 99}, "", false, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, pos, err := Render(tt.in, toy)
			if tt.invalid {
				if marsad.ErrorCode(err) != marsad.EINVALID {
					t.Fatalf("got %q, %v; want an invalid-query error", got, err)
				}
				return
			}
			if err != nil || got != tt.want || pos != tt.positive {
				t.Errorf("got %q positive=%v err=%v, want %q positive=%v", got, pos, err, tt.want, tt.positive)
			}
		})
	}
}
