package sqlite_test

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/marsad/marsad"
	"github.com/marsad/marsad/store/sqlite"
)

func openTest(t *testing.T) *sqlite.DB {
	t.Helper()
	db, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "test.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

func input(url, source, title, titleTerms, bodyTerms string, published time.Time) *marsad.ArticleInput {
	return &marsad.ArticleInput{
		Article:    &marsad.Article{URL: url, Title: title, Body: title, Published: published, Tags: []string{"وسم"}},
		Source:     &marsad.Source{Key: source},
		TitleTerms: titleTerms,
		BodyTerms:  bodyTerms,
	}
}

func TestSaveArticlesIsIdempotentByURL(t *testing.T) {
	ctx := context.Background()
	db := openTest(t)
	day := time.Date(2018, 4, 12, 10, 0, 0, 0, time.UTC)
	batch := []*marsad.ArticleInput{
		input("https://a.example/1", "a", "عنوان اول", "عنوان اول", "نص", day),
		input("https://b.example/2", "b", "عنوان ثان", "عنوان ثان", "نص اخر", day.Add(time.Hour)),
	}
	res, err := db.SaveArticles(ctx, batch)
	if err != nil {
		t.Fatal(err)
	}
	if !res[0].Inserted || !res[1].Inserted {
		t.Fatalf("first save: want both inserted, got %+v", res)
	}
	again, err := db.SaveArticles(ctx, batch)
	if err != nil {
		t.Fatal(err)
	}
	for i := range again {
		if again[i].Inserted || again[i].ID != res[i].ID {
			t.Errorf("second save of %d: got %+v, want unchanged id %d", i, again[i], res[i].ID)
		}
	}
	if n, _ := db.CountArticles(ctx); n != 2 {
		t.Errorf("count = %d, want 2", n)
	}
	a, err := db.FindArticleByURL(ctx, "https://b.example/2")
	if err != nil {
		t.Fatal(err)
	}
	if a.Source != "b" || a.Title != "عنوان ثان" || !a.Published.Equal(day.Add(time.Hour)) || len(a.Tags) != 1 {
		t.Errorf("read back %+v", a)
	}
	if _, err := db.FindArticleByID(ctx, 999); marsad.ErrorCode(err) != marsad.ENOTFOUND {
		t.Errorf("missing id: got %v, want not_found", err)
	}
	st, err := db.Stats(ctx)
	if err != nil || st.Articles != 2 || st.Sources != 2 {
		t.Errorf("stats = %+v, %v", st, err)
	}
}

func TestSearch(t *testing.T) {
	ctx := context.Background()
	db := openTest(t)
	day := time.Date(2018, 4, 12, 10, 0, 0, 0, time.UTC)
	if _, err := db.SaveArticles(ctx, []*marsad.ArticleInput{
		input("u1", "okaz", "t1", "مفاوض غزه", "وقف اطلاق نار", day),
		input("u2", "okaz", "t2", "سوريا", "مفاوض وقف اطلاق نار سوريا", day.Add(24*time.Hour)),
		input("u3", "sabq", "t3", "اقتصاد", "مفاوض نفط", day.Add(48*time.Hour)),
	}); err != nil {
		t.Fatal(err)
	}
	term := func(s string) *marsad.QueryNode { return &marsad.QueryNode{Op: marsad.OpTerm, Terms: []string{s}} }
	phrase := func(s ...string) *marsad.QueryNode { return &marsad.QueryNode{Op: marsad.OpPhrase, Terms: s} }
	and := func(c ...*marsad.QueryNode) *marsad.QueryNode {
		return &marsad.QueryNode{Op: marsad.OpAnd, Children: c}
	}
	not := func(c *marsad.QueryNode) *marsad.QueryNode {
		return &marsad.QueryNode{Op: marsad.OpNot, Children: []*marsad.QueryNode{c}}
	}
	or := func(c ...*marsad.QueryNode) *marsad.QueryNode { return &marsad.QueryNode{Op: marsad.OpOr, Children: c} }
	tests := []struct {
		name string
		req  marsad.SearchRequest
		want []string // URLs, best first
	}{
		// u1 has the word in its title; u3 beats u2 by its shorter body (bm25).
		{"title match ranks first", marsad.SearchRequest{Expr: term("مفاوض")}, []string{"u1", "u3", "u2"}},
		{"phrase", marsad.SearchRequest{Expr: phrase("اطلاق", "نار")}, []string{"u1", "u2"}},
		{"phrase in wrong order does not match", marsad.SearchRequest{Expr: phrase("نار", "اطلاق")}, nil},
		{"exclusion", marsad.SearchRequest{Expr: and(term("مفاوض"), not(term("سوريا")))}, []string{"u1", "u3"}},
		{"or", marsad.SearchRequest{Expr: or(term("غزه"), term("نفط"))}, []string{"u1", "u3"}},
		{"source filter", marsad.SearchRequest{Expr: term("مفاوض"), Sources: []string{"sabq"}}, []string{"u3"}},
		{"date filter", marsad.SearchRequest{Expr: term("مفاوض"), From: day.Add(time.Hour), To: day.Add(47 * time.Hour)}, []string{"u2"}},
		{"filter only, newest first", marsad.SearchRequest{Sources: []string{"okaz"}}, []string{"u2", "u1"}},
		{"operator words are plain terms", marsad.SearchRequest{Expr: term("NOT")}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			hits, total, err := db.Search(ctx, tt.req)
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, h := range hits {
				got = append(got, h.Article.URL)
			}
			if total != len(tt.want) || len(got) != len(tt.want) {
				t.Fatalf("got %v (total %d), want %v", got, total, tt.want)
			}
			for i := range got {
				if got[i] != tt.want[i] {
					t.Fatalf("got %v, want %v", got, tt.want)
				}
			}
		})
	}
	if _, _, err := db.Search(ctx, marsad.SearchRequest{Expr: and(not(term("سوريا")))}); marsad.ErrorCode(err) != marsad.EINVALID {
		t.Errorf("only exclusions: got %v, want invalid", err)
	}
}
