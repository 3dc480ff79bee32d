package eval

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"os"

	"github.com/jackc/pgx/v5"
)

// StemEntry is one row of the stemming gold: an inflected word, its light
// stem and its root.
type StemEntry struct {
	Word string `json:"word"`
	Stem string `json:"stem"`
	Root string `json:"root"`
}

// StemResult is the conflation score of one stemmer on the gold. A pair of
// gold words is "same" in the gold when their gold stems are equal, and
// "same" for the stemmer when their terms are equal; precision and recall
// are over those pairs. Accuracy is the share of words whose term equals the
// gold stem after normalization.
type StemResult struct {
	System                          string // "" for marsad itself
	Precision, Recall, F1, Accuracy float64
	N                               int   // gold words scored
	GoldPairs, SystemPairs, Agreed  int64 // pair counts behind precision and recall
}

// String formats the metrics as `key=value` pairs for an eval line.
func (r StemResult) String() string {
	s := fmt.Sprintf("precision=%.4f recall=%.4f f1=%.4f accuracy=%.4f n=%d", r.Precision, r.Recall, r.F1, r.Accuracy, r.N)
	if r.System != "" {
		s = "system=" + r.System + " " + s
	}
	return s
}

// ReadStemGold reads the stemming gold (JSONL with word, stem, root).
func ReadStemGold(path string) ([]StemEntry, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("read stem gold: %w", err)
	}
	defer f.Close()
	var out []StemEntry
	sc := bufio.NewScanner(f)
	for line := 1; sc.Scan(); line++ {
		if len(sc.Bytes()) == 0 {
			continue
		}
		var e StemEntry
		if err := json.Unmarshal(sc.Bytes(), &e); err != nil {
			return nil, fmt.Errorf("%s:%d: %w", path, line, err)
		}
		out = append(out, e)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("read %s: %w", path, err)
	}
	return out, nil
}

// StemScore scores terms (one per gold entry, in order; "" when the system
// gives no term, e.g. a stopword, which then matches no other word) against
// the gold. normalize brings gold stems to the system's spelling for the
// accuracy figure.
func StemScore(gold []StemEntry, terms []string, normalize func(string) string) StemResult {
	type pair struct{ g, t string }
	byGold := map[string]int64{}
	byTerm := map[string]int64{}
	byBoth := map[pair]int64{}
	exact := 0
	for i, e := range gold {
		t := terms[i]
		if t == normalize(e.Stem) {
			exact++
		}
		if t == "" {
			t = fmt.Sprintf("\x00%d", i) // no term: conflated with nothing
		}
		byGold[e.Stem]++
		byTerm[t]++
		byBoth[pair{e.Stem, t}]++
	}
	choose2 := func(n int64) int64 { return n * (n - 1) / 2 }
	var r StemResult
	for _, n := range byGold {
		r.GoldPairs += choose2(n)
	}
	for _, n := range byTerm {
		r.SystemPairs += choose2(n)
	}
	for _, n := range byBoth {
		r.Agreed += choose2(n)
	}
	r.N = len(gold)
	if r.SystemPairs > 0 {
		r.Precision = float64(r.Agreed) / float64(r.SystemPairs)
	}
	if r.GoldPairs > 0 {
		r.Recall = float64(r.Agreed) / float64(r.GoldPairs)
	}
	if r.Precision+r.Recall > 0 {
		r.F1 = 2 * r.Precision * r.Recall / (r.Precision + r.Recall)
	}
	if r.N > 0 {
		r.Accuracy = float64(exact) / float64(r.N)
	}
	return r
}

// StemTermsPostgres returns PostgreSQL's stem of each gold word under the
// 'arabic' text search configuration (its arabic_stem Snowball dictionary;
// "" for a stopword), so marsad can be compared with it in the same run.
func StemTermsPostgres(ctx context.Context, dsn string, gold []StemEntry) ([]string, error) {
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		return nil, fmt.Errorf("postgres stem baseline: %w", err)
	}
	defer conn.Close(ctx)
	words := make([]string, len(gold))
	for i, e := range gold {
		words[i] = e.Word
	}
	// One round trip: the lexeme of each word under the 'arabic' config,
	// in input order (to_tsvector applies the config's parser and dictionary).
	rows, err := conn.Query(ctx, `
		select coalesce((select string_agg(lexeme, ' ') from unnest(to_tsvector('arabic', w.word))), '')
		from unnest($1::text[]) with ordinality as w(word, i)
		order by w.i`, words)
	if err != nil {
		return nil, fmt.Errorf("postgres stem baseline: %w", err)
	}
	terms, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return nil, fmt.Errorf("postgres stem baseline: %w", err)
	}
	if len(terms) != len(gold) {
		return nil, fmt.Errorf("postgres stem baseline: %d terms for %d words", len(terms), len(gold))
	}
	return terms, nil
}
