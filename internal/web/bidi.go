package web

import "strings"

// Bidirectional formatting controls: embeddings and overrides end with PDF,
// isolates with PDI.
const (
	lre, rle, pdf, lro, rlo = '\u202A', '\u202B', '\u202C', '\u202D', '\u202E'
	lri, rli, fsi, pdi      = '\u2066', '\u2067', '\u2068', '\u2069'
)

// balanceBidi returns s without the bidi controls that are not balanced:
// an override or isolate left open would reverse or swallow the text
// around the title it came in (a filename trick, "txt.exe" shown as
// "exe.txt"); a stray closer would end the page's own isolation. Balanced
// pairs stay (they are how a publisher marks a Latin run). Text without
// controls is returned as is; the stored text is never changed.
func balanceBidi(s string) string {
	if !strings.ContainsFunc(s, isBidiControl) {
		return s
	}
	rs := []rune(s)
	keep := make([]bool, len(rs))
	type open struct {
		at      int
		isolate bool
	}
	var stack []open
	for i, r := range rs {
		switch r {
		case lre, rle, lro, rlo:
			stack = append(stack, open{i, false})
		case lri, rli, fsi:
			stack = append(stack, open{i, true})
		case pdf:
			// Closes the innermost embedding, unless an isolate is open
			// inside it (UAX #9: a PDF does not cross an isolate).
			if n := len(stack); n > 0 && !stack[n-1].isolate {
				keep[stack[n-1].at], keep[i] = true, true
				stack = stack[:n-1]
			}
		case pdi:
			// Closes the innermost isolate and every embedding opened in it.
			for j := len(stack) - 1; j >= 0; j-- {
				if stack[j].isolate {
					keep[stack[j].at], keep[i] = true, true
					// Embeddings left open inside the isolate stay unmatched.
					stack = stack[:j]
					break
				}
			}
		default:
			keep[i] = true
		}
	}
	var b strings.Builder
	for i, r := range rs {
		if keep[i] {
			b.WriteRune(r)
		}
	}
	return b.String()
}

func isBidiControl(r rune) bool {
	return (r >= lre && r <= rlo) || (r >= lri && r <= pdi)
}
