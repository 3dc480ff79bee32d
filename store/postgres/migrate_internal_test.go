package postgres

import (
	"testing"
	"time"

	"github.com/marsad/marsad"
	"github.com/marsad/marsad/store/postgres/pgtest"
)

// TestURLKeyMigrationKeepsTheFirstOfBothForms: as SQLite's test of the
// same name, for migration 0003: a database holding the http:// and
// https:// forms of one page as two articles keeps the first as the page.
func TestURLKeyMigrationKeepsTheFirstOfBothForms(t *testing.T) {
	ctx := t.Context()
	url := pgtest.URL(t)
	db, err := Open(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	in := func(u string) *marsad.ArticleInput {
		return &marsad.ArticleInput{Article: &marsad.Article{URL: u, Title: u, Published: time.Unix(1e9, 0)},
			Source: &marsad.Source{Key: "a"}}
	}
	res, err := db.SaveArticles(ctx, []*marsad.ArticleInput{in("http://a.example/1"), in("https://a.example/tmp"), in("https://a.example/2")})
	if err != nil {
		t.Fatal(err)
	}
	first, later, other := res[0].ID, res[1].ID, res[2].ID
	// Back to the schema before 0003, with both forms of /1 stored.
	for _, q := range []string{
		`DROP INDEX articles_page`,
		`ALTER TABLE articles DROP COLUMN url_key`,
		`UPDATE articles SET url = 'https://a.example/1' WHERE url = 'https://a.example/tmp'`,
		`DELETE FROM schema_migrations WHERE name = '0003_url_key.sql'`,
	} {
		if _, err := db.pool.Exec(ctx, q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	db.Close()

	db, err = Open(ctx, url)
	if err != nil {
		t.Fatalf("migrate a database holding both forms of a page: %v", err)
	}
	defer db.Close()
	for _, u := range []string{"http://a.example/1", "https://a.example/1"} {
		a, err := db.FindArticleByURL(ctx, u)
		if err != nil || a.ID != first {
			t.Errorf("find %s after the migration: %v %v, want article %d", u, a, err, first)
		}
		res, err := db.SaveArticles(ctx, []*marsad.ArticleInput{in(u)})
		if err != nil || res[0] != (marsad.SaveResult{ID: first}) {
			t.Errorf("save %s after the migration: %+v %v, want {ID:%d}", u, res, err, first)
		}
	}
	if a, err := db.FindArticleByID(ctx, later); err != nil || a.URL != "https://a.example/1" {
		t.Errorf("the later form's row: %v %v, want it kept by id", a, err)
	}
	if a, err := db.FindArticleByURL(ctx, "http://a.example/2"); err != nil || a.ID != other {
		t.Errorf("find another page by its other form: %v %v, want %d", a, err, other)
	}
	if n, _ := db.CountArticles(ctx); n != 3 {
		t.Errorf("%d articles, want the 3 stored before", n)
	}
}
