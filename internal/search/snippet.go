package search

import (
	"strings"

	"github.com/marsad/marsad/internal/analyzer"
)

// Tokenizer is what snippets need of the analyzer: tokens with offsets into
// the original text and their analyzed terms.
type Tokenizer interface {
	Tokenize(s string) []analyzer.Token
}

// Segment is a piece of original text; Match marks a word that matched.
type Segment struct {
	Text  string
	Match bool
}

// Highlight returns all of text as segments, marking the words whose term
// is in terms. The text is the original, unaltered.
func Highlight(tk Tokenizer, text string, terms []string) []Segment {
	if len(terms) == 0 {
		return []Segment{{Text: text}}
	}
	want := termSet(terms)
	var segs []Segment
	last := 0
	for _, t := range tk.Tokenize(text) {
		if t.Term == "" || !want[t.Term] {
			continue
		}
		if t.Start > last {
			segs = append(segs, Segment{Text: text[last:t.Start]})
		}
		segs = append(segs, Segment{Text: text[t.Start:t.End], Match: true})
		last = t.End
	}
	if last < len(text) {
		segs = append(segs, Segment{Text: text[last:]})
	}
	return segs
}

// Snippet returns a window of about width words of text around the densest
// run of matched words, as segments of the ORIGINAL text, with "…" where
// text was cut. With no match it returns the start of the text.
func Snippet(tk Tokenizer, text string, terms []string, width int) []Segment {
	if width <= 0 {
		width = 30
	}
	toks := tk.Tokenize(text)
	if len(toks) == 0 {
		return []Segment{{Text: text}}
	}
	want := termSet(terms)
	// Slide a window of width tokens; score = distinct matched terms, then
	// total matches. Linear: counts are updated as the window moves.
	bestStart, bestDistinct, bestTotal := 0, -1, -1
	counts := map[string]int{}
	distinct, total := 0, 0
	for i := range toks {
		if w := toks[i].Term; w != "" && want[w] {
			if counts[w] == 0 {
				distinct++
			}
			counts[w]++
			total++
		}
		if j := i - width; j >= 0 {
			if w := toks[j].Term; w != "" && want[w] {
				counts[w]--
				total--
				if counts[w] == 0 {
					distinct--
				}
			}
		}
		start := max(0, i-width+1)
		if distinct > bestDistinct || (distinct == bestDistinct && total > bestTotal) {
			bestStart, bestDistinct, bestTotal = start, distinct, total
		}
		if i < width-1 && len(toks) > width {
			// Windows that are not yet full only count when the text is short.
			bestStart, bestDistinct, bestTotal = 0, -1, -1
		}
	}
	// Start a few words before the first match so it reads in context.
	if bestDistinct > 0 {
		for k := bestStart; k < min(len(toks), bestStart+width); k++ {
			if want[toks[k].Term] {
				bestStart = max(0, min(k-3, len(toks)-width))
				break
			}
		}
	}
	end := min(len(toks), bestStart+width)
	from, to := toks[bestStart].Start, toks[end-1].End
	if bestStart == 0 {
		from = 0
	}
	if end == len(toks) {
		to = len(text)
	}
	// Do not cross paragraph breaks at the edges: take the side nearest the match.
	segs := Highlight(tk, text[from:to], terms)
	for i := range segs {
		segs[i].Text = strings.ReplaceAll(segs[i].Text, "\n", " ")
	}
	if from > 0 {
		segs = append([]Segment{{Text: "… "}}, segs...)
	}
	if to < len(text) {
		segs = append(segs, Segment{Text: " …"})
	}
	return segs
}

// Plain renders segments as text, wrapping matches in open and close.
func Plain(segs []Segment, open, close string) string {
	var b strings.Builder
	for _, s := range segs {
		if s.Match {
			b.WriteString(open)
			b.WriteString(s.Text)
			b.WriteString(close)
		} else {
			b.WriteString(s.Text)
		}
	}
	return b.String()
}

func termSet(terms []string) map[string]bool {
	m := make(map[string]bool, len(terms))
	for _, t := range terms {
		m[t] = true
	}
	return m
}
