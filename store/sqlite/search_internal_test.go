package sqlite

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/marsad/marsad"
)

// TestSearchCollapsesCopies: copies linked to one canonical article are one
// hit, the best-scoring member, counting the others.
func TestSearchCollapsesCopies(t *testing.T) {
	ctx := context.Background()
	db, err := Open(ctx, filepath.Join(t.TempDir(), "c.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	day := time.Date(2015, 8, 10, 0, 0, 0, 0, time.UTC)
	in := func(url, src, titleTerms string, h time.Duration) *marsad.ArticleInput {
		return &marsad.ArticleInput{Article: &marsad.Article{URL: url, Title: url, Published: day.Add(h)},
			Source: &marsad.Source{Key: src}, TitleTerms: titleTerms, BodyTerms: "تهنئه رئيس تشاد"}
	}
	res, err := db.SaveArticles(ctx, []*marsad.ArticleInput{
		in("wire", "was", "تهنئه", 0),
		in("paper1", "okaz", "تهنئه تشاد", time.Hour), // the best title match, a copy
		in("paper2", "alyaum", "خبر", 2*time.Hour),    // a copy
		in("other", "alyaum", "تهنئه", 3*time.Hour),   // its own group
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, i := range []int{1, 2} {
		if _, err := db.db.ExecContext(ctx, `UPDATE articles SET canonical_id = ? WHERE id = ?`, res[0].ID, res[i].ID); err != nil {
			t.Fatal(err)
		}
	}
	tests := []struct {
		name   string
		req    marsad.SearchRequest
		want   []string
		copies []int
	}{
		{"words", marsad.SearchRequest{Expr: &marsad.QueryNode{Op: marsad.OpTerm, Terms: []string{"تشاد"}}},
			[]string{"paper1", "other"}, []int{2, 0}},
		{"filter only, newest member of each group", marsad.SearchRequest{From: day},
			[]string{"other", "paper2"}, []int{0, 2}},
		{"a source filter keeps that source's copy", marsad.SearchRequest{Sources: []string{"alyaum"}},
			[]string{"other", "paper2"}, []int{0, 0}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			hits, total, err := db.Search(ctx, tt.req)
			if err != nil {
				t.Fatal(err)
			}
			if total != len(tt.want) || len(hits) != len(tt.want) {
				t.Fatalf("%d hits (total %d), want %v", len(hits), total, tt.want)
			}
			for i, h := range hits {
				if h.Article.URL != tt.want[i] || h.Copies != tt.copies[i] {
					t.Errorf("hit %d: %s with %d copies, want %s with %d", i, h.Article.URL, h.Copies, tt.want[i], tt.copies[i])
				}
			}
		})
	}
}
