// Package search parses the query language of marsad and makes snippets.
//
// Query syntax (every word goes through the Arabic analyzer, so وزیر finds
// وزير, اطلاق finds إطلاق, مفاوضات finds والمفاوضات and ٩٠ finds 90):
//
//	word            articles with the word (all words must match)
//	"a phrase"      the words in this order
//	-word -"a b"    exclude
//	a OR b          either (also "|"); OR binds tighter than the implicit AND
//	source:okaz     only this outlet (repeat for several: any of them)
//	from:2015-08-07 to:2015-08-09   published range, days inclusive (UTC)
package search

import (
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode"

	"github.com/marsad/marsad"
)

// Analyzer is what search needs of the Arabic analyzer.
type Analyzer interface {
	Terms(s string) []string
	Normalize(s string) string
}

// Query is a parsed query: the request for the store and the positive terms
// used to mark matches in snippets.
type Query struct {
	Request marsad.SearchRequest
	// Terms are the analyzed terms the user looks for (not the excluded
	// ones), for highlighting.
	Terms []string
}

// clause is one parsed unit before the tree is built.
type clause struct {
	node *marsad.QueryNode
	neg  bool
	or   bool // an OR operator, not a clause
}

// Limits bound what one query may ask of the store. A zero field is no
// bound. The web server parses with bounds, so no query can cost the site
// more than a page view's worth of a few hundred; the CLI runs on the
// operator's own machine and parses without.
type Limits struct {
	Terms   int // positive and excluded words and phrase words together
	Or      int // branches of all OR groups together
	Sources int // source: values
	// FilterDays bounds the published range of a query without words (a
	// from:/to:/source: listing), which otherwise walks the whole archive.
	FilterDays int
}

// WebLimits are the bounds the web server applies. A real question is
// rarely longer than ten words; twenty leave room, and each word is an
// index lookup whose posting list may span the archive.
var WebLimits = Limits{Terms: 20, Or: 8, Sources: 10, FilterDays: 31}

// Error is a malformed or too costly query: Error() in English for logs and
// the CLI, Arabic() for the reader. Its code is EINVALID.
type Error struct {
	msg, ar string
}

func (e *Error) Error() string { return "query: " + e.msg }

// Arabic returns the message for a reader of the web pages.
func (e *Error) Arabic() string { return e.ar }

// Unwrap gives the application error, so marsad.ErrorCode says EINVALID.
func (e *Error) Unwrap() error { return marsad.Errorf(marsad.EINVALID, "query: %s", e.msg) }

func queryErr(ar, format string, args ...any) *Error {
	return &Error{msg: fmt.Sprintf(format, args...), ar: ar}
}

// ArabicMessage returns the reader's message of a query error, and false
// when err is not one.
func ArabicMessage(err error) (string, bool) {
	var e *Error
	if errors.As(err, &e) {
		return e.ar, true
	}
	return "", false
}

// Parse reads q without bounds. An error (*Error, EINVALID) names what is
// wrong and where.
func Parse(q string, an Analyzer) (*Query, error) { return ParseLimited(q, an, Limits{}) }

// ParseLimited reads q and refuses, with an *Error, a query beyond lim.
func ParseLimited(q string, an Analyzer, lim Limits) (*Query, error) {
	out := &Query{}
	var clauses []clause
	rs := []rune(q)
	for i := 0; i < len(rs); {
		r := rs[i]
		switch {
		case unicode.IsSpace(r):
			i++
			continue
		case r == '|':
			clauses = append(clauses, clause{or: true})
			i++
			continue
		}
		neg := false
		if r == '-' && i+1 < len(rs) && !unicode.IsSpace(rs[i+1]) {
			neg = true
			i++
		}
		if i < len(rs) && (rs[i] == '"' || rs[i] == '«' || rs[i] == '“') {
			closing := map[rune]rune{'"': '"', '«': '»', '“': '”'}[rs[i]]
			start := i + 1
			end := start
			for end < len(rs) && rs[end] != closing && !(closing != '"' && rs[end] == '"') {
				end++
			}
			if end >= len(rs) {
				return nil, queryErr(fmt.Sprintf("علامة التنصيص المفتوحة عند الحرف %d لم تُغلق: أغلقها أو احذفها.", i+1),
					"phrase opened at character %d is not closed", i+1)
			}
			terms := an.Terms(string(rs[start:end]))
			i = end + 1
			if len(terms) == 0 {
				continue
			}
			node := &marsad.QueryNode{Op: marsad.OpPhrase, Terms: terms}
			if len(terms) == 1 {
				node.Op = marsad.OpTerm
			}
			clauses = append(clauses, clause{node: node, neg: neg})
			if !neg {
				out.Terms = append(out.Terms, terms...)
			}
			continue
		}
		start := i
		for i < len(rs) && !unicode.IsSpace(rs[i]) && rs[i] != '"' && rs[i] != '«' {
			i++
		}
		word := string(rs[start:i])
		if word == "" {
			continue
		}
		if !neg && word == "OR" {
			clauses = append(clauses, clause{or: true})
			continue
		}
		if key, val, ok := strings.Cut(word, ":"); ok && val != "" {
			handled, err := out.filter(strings.ToLower(key), val, neg, an)
			if err != nil {
				return nil, err
			}
			if handled {
				continue
			}
		}
		terms := an.Terms(word)
		if len(terms) == 0 {
			continue // a stopword or punctuation alone
		}
		node := &marsad.QueryNode{Op: marsad.OpTerm, Terms: terms}
		if len(terms) > 1 {
			// One written word that analyzes to several terms (٩٠٪, a word
			// glued to a number) must match them together.
			node.Op = marsad.OpPhrase
		}
		clauses = append(clauses, clause{node: node, neg: neg})
		if !neg {
			out.Terms = append(out.Terms, terms...)
		}
	}
	expr, err := build(clauses)
	if err != nil {
		return nil, err
	}
	out.Request.Expr = expr
	if expr == nil && len(out.Request.Sources) == 0 && out.Request.From.IsZero() && out.Request.To.IsZero() {
		return nil, queryErr("لا كلمة يُبحث عنها في هذا الاستعلام: كلمات مثل «في» و«من» لا تُفهرس.", "%q has no word to search for", q)
	}
	if err := lim.check(out, clauses); err != nil {
		return nil, err
	}
	return out, nil
}

// check applies lim to a parsed query.
func (lim Limits) check(q *Query, cs []clause) error {
	terms := 0
	for _, c := range cs {
		if c.node != nil {
			terms += len(c.node.Terms)
		}
	}
	if lim.Terms > 0 && terms > lim.Terms {
		return queryErr(fmt.Sprintf("الاستعلام طويل: %d كلمة، والحد %d. اختصره إلى أهم الكلمات.", terms, lim.Terms),
			"%d words, at most %d", terms, lim.Terms)
	}
	if lim.Or > 0 {
		if n := orBranches(q.Request.Expr); n > lim.Or {
			return queryErr(fmt.Sprintf("في الاستعلام %d بدائل بـ OR، والحد %d.", n, lim.Or),
				"%d OR branches, at most %d", n, lim.Or)
		}
	}
	if lim.Sources > 0 && len(q.Request.Sources) > lim.Sources {
		return queryErr(fmt.Sprintf("يمكن تحديد %d مصادر على الأكثر في بحث واحد.", lim.Sources),
			"%d sources, at most %d", len(q.Request.Sources), lim.Sources)
	}
	if lim.FilterDays > 0 && q.Request.Expr == nil {
		r := q.Request
		if r.From.IsZero() || r.To.IsZero() || r.To.Sub(r.From) > time.Duration(lim.FilterDays)*24*time.Hour {
			return queryErr(fmt.Sprintf("أضف كلمة للبحث، أو حدّد مدة لا تزيد على %d يوماً بـ from: وto:.", lim.FilterDays),
				"a query without words needs from: and to: at most %d days apart", lim.FilterDays)
		}
	}
	return nil
}

// orBranches counts the children of every OR node of the tree.
func orBranches(n *marsad.QueryNode) int {
	if n == nil {
		return 0
	}
	c := 0
	if n.Op == marsad.OpOr {
		c = len(n.Children)
	}
	for _, ch := range n.Children {
		c += orBranches(ch)
	}
	return c
}

// filter applies a key:value filter; handled is false when key is not a
// filter name (the word is then searched as text, e.g. a URL).
func (q *Query) filter(key, val string, neg bool, an Analyzer) (handled bool, err error) {
	switch key {
	case "source", "site":
		if neg {
			return true, queryErr("لا يمكن استبعاد مصدر بـ -source:؛ اذكر المصادر التي تريدها.", "-%s: is not supported; list the sources to keep", key)
		}
		for _, s := range strings.Split(val, ",") {
			if s = strings.TrimSpace(s); s != "" {
				q.Request.Sources = append(q.Request.Sources, s)
			}
		}
		return true, nil
	case "from", "to":
		t, err := parseDay(an.Normalize(val)) // ٢٠١٥-٠٨-٠٩ as 2015-08-09
		if err != nil {
			return true, queryErr(fmt.Sprintf("التاريخ في %s:%s غير مفهوم: اكتبه بالشكل 2015-08-09.", key, val), "%s:%s: %v", key, val, err)
		}
		if key == "from" {
			q.Request.From = t
		} else {
			q.Request.To = t.AddDate(0, 0, 1) // to: is inclusive of the whole day
		}
		return true, nil
	}
	return false, nil
}

func parseDay(s string) (time.Time, error) {
	for _, l := range []string{"2006-01-02", "2006-01", "2006"} {
		if t, err := time.Parse(l, s); err == nil {
			return t, nil
		}
	}
	return time.Time{}, fmt.Errorf("want a date as YYYY-MM-DD")
}

// build turns the clause list into a tree: runs joined by OR become one OR
// node, the rest are ANDed, exclusions hang off the AND.
func build(cs []clause) (*marsad.QueryNode, error) {
	var groups []*marsad.QueryNode
	var cur *marsad.QueryNode // the OR group being built
	pendingOr := false
	for _, c := range cs {
		if c.or {
			if len(groups) == 0 && cur == nil {
				return nil, queryErr("يلزم OR كلمةٌ قبلها.", "OR needs a word before it")
			}
			pendingOr = true
			continue
		}
		n := c.node
		if c.neg {
			if pendingOr {
				return nil, queryErr("لا يصل OR كلمةً مستبعدة بعلامة -.", "OR cannot join an exclusion")
			}
			n = &marsad.QueryNode{Op: marsad.OpNot, Children: []*marsad.QueryNode{n}}
		}
		if pendingOr {
			last := groups[len(groups)-1]
			if last.Op == marsad.OpNot {
				return nil, queryErr("لا يصل OR كلمةً مستبعدة بعلامة -.", "OR cannot join an exclusion")
			}
			if last.Op != marsad.OpOr || last != cur {
				cur = &marsad.QueryNode{Op: marsad.OpOr, Children: []*marsad.QueryNode{last}}
				groups[len(groups)-1] = cur
			}
			cur.Children = append(cur.Children, n)
			pendingOr = false
			continue
		}
		cur = nil
		groups = append(groups, n)
	}
	if pendingOr {
		return nil, queryErr("يلزم OR كلمةٌ بعدها.", "OR needs a word after it")
	}
	switch len(groups) {
	case 0:
		return nil, nil
	case 1:
		if groups[0].Op != marsad.OpNot {
			return groups[0], nil
		}
	}
	return &marsad.QueryNode{Op: marsad.OpAnd, Children: groups}, nil
}

// String renders a query tree for debugging and tests.
func String(n *marsad.QueryNode) string {
	if n == nil {
		return ""
	}
	switch n.Op {
	case marsad.OpTerm:
		return n.Terms[0]
	case marsad.OpPhrase:
		return `"` + strings.Join(n.Terms, " ") + `"`
	case marsad.OpNot:
		return "-" + String(n.Children[0])
	}
	parts := make([]string, len(n.Children))
	for i, c := range n.Children {
		parts[i] = String(c)
	}
	if n.Op == marsad.OpOr {
		return "(" + strings.Join(parts, " OR ") + ")"
	}
	return "(" + strings.Join(parts, " ") + ")"
}
