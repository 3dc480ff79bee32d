package pipeline_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/marsad/marsad"
	"github.com/marsad/marsad/internal/analyzer"
	"github.com/marsad/marsad/internal/pipeline"
)

func TestPrepareRefusesAnOversizedFieldByName(t *testing.T) {
	long := func(n int) string { return strings.Repeat("خ", n) }
	many := make([]string, pipeline.MaxTags+1)
	for i := range many {
		many[i] = "وسم" + strings.Repeat("ب", i)
	}
	tests := []struct {
		name string
		edit func(r *marsad.RawArticle)
		want string // "" for accepted
	}{
		{"every field at its limit is taken", func(r *marsad.RawArticle) {
			r.Title, r.Author, r.Category = long(pipeline.MaxTitleRunes), long(pipeline.MaxAuthorRunes), long(pipeline.MaxCategoryRunes)
			r.Tags = []string{long(pipeline.MaxTagRunes)}
		}, ""},
		{"a 12 MiB title", func(r *marsad.RawArticle) { r.Title = strings.Repeat("x", 12<<20) }, "title of 12582912 bytes is over the limit of 1000 characters"},
		{"a title one rune over, counted in runes", func(r *marsad.RawArticle) { r.Title = long(pipeline.MaxTitleRunes + 1) }, "title of 1001 characters"},
		{"a long summary", func(r *marsad.RawArticle) { r.Summary = long(pipeline.MaxSummaryRunes + 1) }, "summary of"},
		{"a long author", func(r *marsad.RawArticle) { r.Author = long(pipeline.MaxAuthorRunes + 1) }, "author of"},
		{"a long category", func(r *marsad.RawArticle) { r.Category = long(pipeline.MaxCategoryRunes + 1) }, "category of"},
		{"a long source key", func(r *marsad.RawArticle) { r.Source = long(pipeline.MaxSourceRunes + 1) }, "source of"},
		{"a long source name", func(r *marsad.RawArticle) { r.SourceName = long(pipeline.MaxSourceNameRunes + 1) }, "source_name of"},
		{"a long id", func(r *marsad.RawArticle) { r.ID = long(pipeline.MaxIDRunes + 1) }, "id of"},
		{"a long url", func(r *marsad.RawArticle) { r.URL += "/" + long(pipeline.MaxURLRunes) }, "url of"},
		{"a long lang", func(r *marsad.RawArticle) { r.Lang = long(pipeline.MaxLangRunes + 1) }, "lang of"},
		{"too many tags", func(r *marsad.RawArticle) { r.Tags = many }, "101 tags are over the limit of 100"},
		{"one long tag", func(r *marsad.RawArticle) { r.Tags = []string{"غزة", long(pipeline.MaxTagRunes + 1)} }, "tag 2 of 301 characters"},
		{"a big page", func(r *marsad.RawArticle) { r.Body, r.HTML = "", strings.Repeat("<p>x</p>", 1<<20) }, "html of 8388608 bytes is over the limit of 4194304"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			raw := &marsad.RawArticle{URL: "https://a.example/1", Title: "خبر", Body: "نص الخبر", Where: "in.jsonl:7"}
			tc.edit(raw)
			p := pipeline.New(nil, analyzer.New(), pipeline.WithMaxBodyBytes(1<<20))
			items, res := p.Prepare(context.Background(), []*marsad.RawArticle{raw})
			if tc.want == "" {
				if len(items) != 1 || res.Invalid != 0 {
					t.Fatalf("refused: %v", res.Problems)
				}
				return
			}
			if len(items) != 0 || res.Invalid != 1 || !strings.Contains(res.Problems[0].Reason, tc.want) {
				t.Fatalf("got %d items, problems %v; want one refusal saying %q", len(items), res.Problems, tc.want)
			}
			if !strings.HasPrefix(res.Problems[0].String(), "in.jsonl:7: ") {
				t.Errorf("problem %q does not say where", res.Problems[0])
			}
		})
	}
}

func TestPrepareCapsTagsTakenFromThePage(t *testing.T) {
	var b strings.Builder
	b.WriteString(`<html lang="ar"><head><title>خبر</title><meta name="news_keywords" content="`)
	for i := range pipeline.MaxTags + 20 {
		if i > 0 {
			b.WriteString(",")
		}
		b.WriteString("وسم" + strings.Repeat("ب", i%50) + string(rune('a'+i%26)))
	}
	b.WriteString(`"></head><body><article><h1>خبر</h1><p>` + strings.Repeat("نص الخبر الطويل ", 40) + `</p></article></body></html>`)
	p := pipeline.New(nil, analyzer.New())
	items, res := p.Prepare(context.Background(), []*marsad.RawArticle{{URL: "https://a.example/1", HTML: b.String()}})
	if len(items) != 1 {
		t.Fatalf("refused: %v", res.Problems)
	}
	// The page names 120 distinct tags: the first MaxTags are kept.
	if n := len(items[0].Article.Tags); n != pipeline.MaxTags {
		t.Errorf("%d tags from the page, want %d", n, pipeline.MaxTags)
	}
}

func TestPrepareDatesAFuturePublicationAtItsArrival(t *testing.T) {
	arrival := time.Date(2018, 4, 12, 10, 0, 0, 0, time.UTC)
	tests := []struct {
		name          string
		published     time.Time
		want, claimed time.Time
	}{
		{"2099 is the arrival, the claim kept", time.Date(2099, 1, 1, 0, 0, 0, 0, time.UTC), arrival, time.Date(2099, 1, 1, 0, 0, 0, 0, time.UTC)},
		{"a day and a second ahead is too far", arrival.Add(24*time.Hour + time.Second), arrival, arrival.Add(24*time.Hour + time.Second)},
		{"a zone written wrong (+23 h) is taken", arrival.Add(23 * time.Hour), arrival.Add(23 * time.Hour), time.Time{}},
		{"the past is taken", arrival.Add(-time.Hour), arrival.Add(-time.Hour), time.Time{}},
		{"no date is the arrival, nothing claimed", time.Time{}, arrival, time.Time{}},
	}
	p := pipeline.New(nil, analyzer.New(), pipeline.WithClock(func() time.Time { return arrival }))
	for _, tc := range tests {
		items, res := p.Prepare(context.Background(), []*marsad.RawArticle{{URL: "https://a.example/1", Title: "خبر", Published: tc.published}})
		if len(items) != 1 {
			t.Fatalf("%s: refused %v", tc.name, res.Problems)
		}
		a := items[0].Article
		if !a.Published.Equal(tc.want) || !a.PublishedClaimed.Equal(tc.claimed) {
			t.Errorf("%s: published %v claimed %v, want %v and %v", tc.name, a.Published, a.PublishedClaimed, tc.want, tc.claimed)
		}
	}
}
