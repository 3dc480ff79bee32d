package analyzer

import (
	_ "embed"
	"strings"
)

//go:embed stopwords.txt
var stopwordsTxt string

//go:embed conjword_gen.txt
var conjWordTxt string

// conjWords are words that read as و or ف + a stopword but are words of
// their own (ولي of ولي العهد is no و + لي): IsStopword leaves them alone.
var conjWords = loadWordSet(conjWordTxt)

// stopwords is the normalized stopword set, built once at init and only read
// afterwards.
var stopwords = loadWordSet(stopwordsTxt)

// loadWordSet parses an embedded word list (one entry per line, # comments,
// only the first word of a line counts) into a set of normalized words.
func loadWordSet(txt string) map[string]struct{} {
	set := make(map[string]struct{})
	var a Analyzer
	for _, line := range strings.Split(txt, "\n") {
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		if f := strings.Fields(line); len(f) == 1 {
			set[a.Normalize(f[0])] = struct{}{}
		}
	}
	return set
}

// IsStopword reports whether the normalized word is a stopword, also when it
// carries a leading و or ف conjunction (وفي, فهو, ولا), unless the corpus
// shows the word is one of its own (conjword_gen.txt: ولي).
func (a *Analyzer) IsStopword(nm string) bool {
	if _, ok := a.stop[nm]; ok {
		return true
	}
	if _, ok := conjWords[nm]; ok {
		return false
	}
	if len(nm) > 2 && (strings.HasPrefix(nm, "و") || strings.HasPrefix(nm, "ف")) {
		_, ok := a.stop[nm[len("و"):]]
		return ok
	}
	return false
}
