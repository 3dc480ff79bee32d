package eval

import (
	"context"
	"math"
	"testing"

	"github.com/marsad/marsad/internal/extract"
	"github.com/marsad/marsad/internal/testdata"
)

func TestShingleScoreCountsWord4Grams(t *testing.T) {
	tests := []struct {
		name       string
		gold, got  string
		wantP, wtR float64
	}{
		{"identical texts score 1", "a b c d e", "a b c d e", 1, 1},
		{"extra noise lowers precision only", "a b c d e", "a b c d e x y z", 2.0 / 5, 1},
		{"missing half lowers recall", "a b c d e f g h", "a b c d", 1, 1.0 / 5},
		{"nothing extracted scores 0", "a b c d", "", 0, 0},
		{"punctuation and Arabic commas are not tokens", "واحد، اثنان ثلاثة أربعة", "واحد اثنان. ثلاثة - أربعة", 1, 1},
	}
	for _, tc := range tests {
		p, r := ShingleScore(tc.gold, tc.got)
		if math.Abs(p-tc.wantP) > 1e-9 || math.Abs(r-tc.wtR) > 1e-9 {
			t.Errorf("%s: P=%.3f R=%.3f, want %.3f %.3f", tc.name, p, r, tc.wantP, tc.wtR)
		}
	}
}

func TestEvalExtractReachesTarget(t *testing.T) {
	dir := testdata.Path(t, "article_extraction_benchmark")
	m, err := EvalExtract(context.Background(), dir)
	if err != nil {
		t.Fatal(err)
	}
	t.Log(m)
	if m.N != 124 {
		t.Errorf("n=%d, want the 124 pages", m.N)
	}
	if m.F1 < 0.94 {
		t.Errorf("F1 %.4f below the 0.94 target", m.F1)
	}
}

// BenchmarkExtract measures extraction speed on the benchmark pages, one
// core (run with -cpu 1): pages/s is the figure to compare with ~230 of
// go-trafilatura.
func BenchmarkExtract(b *testing.B) {
	dir := testdata.Path(b, "article_extraction_benchmark")
	golds, err := LoadExtractBenchmark(dir)
	if err != nil {
		b.Fatal(err)
	}
	pages := make([][]byte, len(golds))
	var bytes int64
	for i, g := range golds {
		if pages[i], err = LoadExtractPage(g.Path); err != nil {
			b.Fatal(err)
		}
		bytes += int64(len(pages[i]))
	}
	b.SetBytes(bytes / int64(len(pages)))
	b.ResetTimer()
	n := 0
	for b.Loop() {
		i := n % len(pages)
		if _, err := extract.Extract(pages[i], golds[i].URL); err != nil {
			b.Fatal(err)
		}
		n++
	}
	b.ReportMetric(float64(n)/b.Elapsed().Seconds(), "pages/s")
}
