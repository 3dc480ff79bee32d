package postgres

import (
	"testing"

	"github.com/marsad/marsad"
)

func term(t string) *marsad.QueryNode {
	return &marsad.QueryNode{Op: marsad.OpTerm, Terms: []string{t}}
}

func TestTsExprQuotesEveryTermAndKeepsTheTree(t *testing.T) {
	not := func(c ...*marsad.QueryNode) *marsad.QueryNode {
		return &marsad.QueryNode{Op: marsad.OpNot, Children: c}
	}
	and := func(c ...*marsad.QueryNode) *marsad.QueryNode {
		return &marsad.QueryNode{Op: marsad.OpAnd, Children: c}
	}
	or := func(c ...*marsad.QueryNode) *marsad.QueryNode { return &marsad.QueryNode{Op: marsad.OpOr, Children: c} }
	tests := []struct {
		name string
		in   *marsad.QueryNode
		want string
		err  bool
	}{
		{"one term", term("غزه"), `'غزه'`, false},
		{"tsquery syntax in a term stays a lexeme", term(`a&b|!c:*`), `'a&b|!c:*'`, false},
		{"quote and backslash are escaped", term(`o'k\`), `'o''k\\'`, false},
		{"phrase", &marsad.QueryNode{Op: marsad.OpPhrase, Terms: []string{"وقف", "اطلاق", "نار"}},
			`('وقف' <-> 'اطلاق' <-> 'نار')`, false},
		{"and with exclusions", and(term("a"), term("b"), not(term("c"), term("d"))),
			`(('a' & 'b') & !('c' | 'd'))`, false},
		{"or", or(term("a"), term("b")), `('a' | 'b')`, false},
		{"or with an exclusion only on one side", or(term("a"), and(not(term("b")))), "", true},
		{"a lone exclusion", not(term("a")), "", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, _, err := tsExpr(tt.in)
			if (err != nil) != tt.err {
				t.Fatalf("error %v, want error %v", err, tt.err)
			}
			if !tt.err && got != tt.want {
				t.Errorf("got %s, want %s", got, tt.want)
			}
		})
	}
}

func TestTermVectorPutsTheBodyAfterAGapWithItsOwnWeight(t *testing.T) {
	got := termVector("قمه عربيه", "قمه في الرياض")
	want := `'قمه':1A 'عربيه':2A 'قمه':4 'في':5 'الرياض':6`
	if got != want {
		t.Errorf("got %s, want %s", got, want)
	}
	if got := termVector("", ""); got != "" {
		t.Errorf("empty article: got %q", got)
	}
}
