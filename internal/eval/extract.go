// Package eval measures marsad's quality against gold data. Each evaluation
// returns its metrics; the CLI prints them as `eval NAME: key=value ...`.
package eval

import (
	"bufio"
	"compress/gzip"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"unicode"

	"github.com/marsad/marsad/internal/extract"
)

// ExtractMetrics is the result of the extraction benchmark.
type ExtractMetrics struct {
	Precision, Recall, F1 float64
	N                     int
	// Pages holds the per-page scores, worst F1 first is up to the caller.
	Pages []ExtractPage
}

// ExtractPage is one page's score.
type ExtractPage struct {
	ID, URL           string
	Precision, Recall float64
}

// String formats the metrics as the evaluation's last line.
func (m ExtractMetrics) String() string {
	return fmt.Sprintf("eval extract: precision=%.4f recall=%.4f f1=%.4f n=%d", m.Precision, m.Recall, m.F1, m.N)
}

// extractGold is one row of ground_truth.jsonl.
type extractGold struct {
	ID       string `json:"id"`
	File     string `json:"file"`
	URL      string `json:"url"`
	BodyGold string `json:"body_gold"`
}

// LoadExtractPage reads one benchmark HTML file, gunzipping *.gz.
func LoadExtractPage(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var r io.Reader = f
	if strings.HasSuffix(path, ".gz") {
		zr, err := gzip.NewReader(f)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", path, err)
		}
		defer zr.Close()
		r = zr
	}
	b, err := io.ReadAll(r)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return b, nil
}

// ExtractGold is one benchmark page with its gold body.
type ExtractGold struct {
	ID, Path, URL, Body string
}

// LoadExtractBenchmark reads the rows of dir/ground_truth.jsonl (the
// layout of article_extraction_benchmark).
func LoadExtractBenchmark(dir string) ([]ExtractGold, error) {
	path := filepath.Join(dir, "ground_truth.jsonl")
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("eval extract: %w", err)
	}
	defer f.Close()
	var out []ExtractGold
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 64<<20)
	line := 0
	for sc.Scan() {
		line++
		if strings.TrimSpace(sc.Text()) == "" {
			continue
		}
		var g extractGold
		if err := json.Unmarshal(sc.Bytes(), &g); err != nil {
			return nil, fmt.Errorf("%s:%d: %w", path, line, err)
		}
		out = append(out, ExtractGold{ID: g.ID, Path: filepath.Join(dir, g.File), URL: g.URL, Body: g.BodyGold})
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return out, nil
}

// EvalExtract runs extract.Extract on every page of the benchmark in dir
// and scores the text against the gold body.
func EvalExtract(ctx context.Context, dir string) (ExtractMetrics, error) {
	golds, err := LoadExtractBenchmark(dir)
	if err != nil {
		return ExtractMetrics{}, err
	}
	var m ExtractMetrics
	var sumP, sumR float64
	for _, g := range golds {
		if err := ctx.Err(); err != nil {
			return m, err
		}
		page, err := LoadExtractPage(g.Path)
		if err != nil {
			return m, fmt.Errorf("eval extract: %w", err)
		}
		res, err := extract.Extract(page, g.URL)
		text := ""
		if err == nil {
			text = res.Text
		}
		p, r := ShingleScore(g.Body, text)
		sumP += p
		sumR += r
		m.Pages = append(m.Pages, ExtractPage{ID: g.ID, URL: g.URL, Precision: p, Recall: r})
	}
	m.N = len(golds)
	if m.N > 0 {
		m.Precision, m.Recall = sumP/float64(m.N), sumR/float64(m.N)
	}
	if m.Precision+m.Recall > 0 {
		m.F1 = 2 * m.Precision * m.Recall / (m.Precision + m.Recall)
	}
	return m, nil
}

// shingleN is the shingle size of the Scrapinghub benchmark: word 4-grams.
const shingleN = 4

// ShingleScore scores extracted text against gold the way the Scrapinghub
// article-extraction benchmark does: both are split into word tokens
// (runs of letters, digits and underscore), counted as multisets of
// 4-token shingles, and precision = matched/extracted, recall =
// matched/gold. Empty against empty scores 1; anything against empty 0.
func ShingleScore(gold, got string) (precision, recall float64) {
	gs, ps := shingles(gold), shingles(got)
	var tp, nGold, nPred int
	for k, c := range gs {
		nGold += c
		tp += min(c, ps[k])
	}
	for _, c := range ps {
		nPred += c
	}
	switch {
	case nPred == 0 && nGold == 0:
		return 1, 1
	case nPred == 0:
		return 0, 0
	case nGold == 0:
		return 0, 1
	}
	return float64(tp) / float64(nPred), float64(tp) / float64(nGold)
}

func shingles(s string) map[string]int {
	toks := strings.FieldsFunc(s, func(r rune) bool {
		return !(unicode.IsLetter(r) || unicode.IsDigit(r) || r == '_' || unicode.Is(unicode.Mn, r))
	})
	out := map[string]int{}
	if len(toks) == 0 {
		return out
	}
	if len(toks) < shingleN {
		out[strings.Join(toks, " ")]++
		return out
	}
	for i := 0; i+shingleN <= len(toks); i++ {
		out[strings.Join(toks[i:i+shingleN], " ")]++
	}
	return out
}
