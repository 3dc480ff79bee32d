package postgres_test

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/marsad/marsad"
	"github.com/marsad/marsad/store/postgres"
	"github.com/marsad/marsad/store/postgres/pgtest"
)

func openTest(t *testing.T) *postgres.DB {
	t.Helper()
	db, err := postgres.Open(t.Context(), pgtest.URL(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

func save(t *testing.T, db *postgres.DB, ins ...*marsad.ArticleInput) []int64 {
	t.Helper()
	res, err := db.SaveArticles(t.Context(), ins)
	if err != nil {
		t.Fatal(err)
	}
	ids := make([]int64, len(res))
	for i, r := range res {
		ids[i] = r.ID
	}
	return ids
}

func input(url, titleTerms, bodyTerms string) *marsad.ArticleInput {
	return &marsad.ArticleInput{
		Article:    &marsad.Article{URL: url, Title: url, Published: time.Date(2018, 4, 12, 10, 0, 0, 0, time.UTC)},
		Source:     &marsad.Source{Key: "okaz"},
		TitleTerms: titleTerms, BodyTerms: bodyTerms,
	}
}

func phrase(terms ...string) *marsad.QueryNode {
	return &marsad.QueryNode{Op: marsad.OpPhrase, Terms: terms}
}

func urls(hits []marsad.SearchHit) []string {
	var out []string
	for _, h := range hits {
		out = append(out, h.Article.URL)
	}
	return out
}

// TestSearchTakesTermsLiterally: a term holding tsquery syntax or quotes is
// one lexeme, matched as it is, never an operator.
func TestSearchTakesTermsLiterally(t *testing.T) {
	db := openTest(t)
	save(t, db,
		input("u1", "", `a&b o'k\ x:* !(y)`),
		input("u2", "", "a b o k x y"),
	)
	for _, term := range []string{`a&b`, `o'k\`, `x:*`, `!(y)`} {
		hits, total, err := db.Search(t.Context(), marsad.SearchRequest{Expr: phrase(term)})
		if err != nil {
			t.Fatalf("%s: %v", term, err)
		}
		if got := urls(hits); total != 1 || len(got) != 1 || got[0] != "u1" {
			t.Errorf("%s: hits %v (total %d), want [u1]", term, got, total)
		}
	}
}

// TestSearchPhrasesAndTitleWeight: a phrase matches adjacent terms of one
// field only, and a match in the title ranks above one in the body.
func TestSearchPhrasesAndTitleWeight(t *testing.T) {
	db := openTest(t)
	save(t, db,
		input("title", "وقف اطلاق نار", "مفاوض غزه"),
		input("body", "مفاوض", "وقف اطلاق نار غزه"),
		input("split", "غزه وقف", "اطلاق نار"),
	)
	tests := []struct {
		name string
		expr *marsad.QueryNode
		want []string
	}{
		{"phrase, title first", phrase("وقف", "اطلاق", "نار"), []string{"title", "body"}},
		{"no phrase from the title into the body", phrase("وقف", "اطلاق"), []string{"title", "body"}},
		{"one term, title first", phrase("مفاوض"), []string{"body", "title"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			hits, _, err := db.Search(t.Context(), marsad.SearchRequest{Expr: tt.expr})
			if err != nil {
				t.Fatal(err)
			}
			if got := urls(hits); strings.Join(got, " ") != strings.Join(tt.want, " ") {
				t.Errorf("hits %v, want %v", got, tt.want)
			}
		})
	}
}

// TestProcessesOpeningANewDatabaseAtOnce: the migration lock lets one of
// them create the schema and the others find it done.
func TestProcessesOpeningANewDatabaseAtOnce(t *testing.T) {
	url := pgtest.URL(t)
	var wg sync.WaitGroup
	errs := make([]error, 4)
	for i := range errs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			db, err := postgres.Open(context.Background(), url)
			if err == nil {
				err = db.Close()
			}
			errs[i] = err
		}()
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Errorf("open %d: %v", i, err)
		}
	}
	db, err := postgres.Open(t.Context(), url)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	names, err := db.Migrations(t.Context())
	if err != nil || len(names) == 0 || names[0] != "0001_init.sql" {
		t.Errorf("migrations %v, %v", names, err)
	}
}

func TestOpenRefusesABadURLWithoutShowingIt(t *testing.T) {
	_, err := postgres.Open(t.Context(), "postgres://u:secret@[::1/x")
	if marsad.ErrorCode(err) != marsad.EINVALID || strings.Contains(err.Error(), "secret") {
		t.Errorf("got %v, want an invalid-URL error without the password", err)
	}
}
