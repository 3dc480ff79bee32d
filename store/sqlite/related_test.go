package sqlite_test

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/marsad/marsad"
)

func TestDocFrequencies(t *testing.T) {
	ctx := context.Background()
	db := openTest(t)
	day := time.Date(2018, 4, 12, 10, 0, 0, 0, time.UTC)
	if _, err := db.SaveArticles(ctx, []*marsad.ArticleInput{
		input("https://a.example/1", "a", "قمة", "قمه رياض", "قمه عرب", day),
		input("https://b.example/2", "b", "قمة", "عرب", "قدس", day),
		input("https://c.example/3", "c", "قدس", "قدس", "", day),
	}); err != nil {
		t.Fatal(err)
	}
	// A term counts once per article however often it occurs, title or
	// body; a repeated or unknown term is answered in place.
	df, docs, err := db.DocFrequencies(ctx, []string{"قمه", "عرب", "قدس", "مجهول", "قمه"})
	if err != nil {
		t.Fatal(err)
	}
	if want := []int{1, 2, 2, 0, 1}; !slices.Equal(df, want) || docs != 3 {
		t.Errorf("DocFrequencies = %v, %d; want %v, 3", df, docs, want)
	}
	if df, docs, err := db.DocFrequencies(ctx, nil); err != nil || len(df) != 0 || docs != 3 {
		t.Errorf("DocFrequencies(nil) = %v, %d, %v; want [], 3, nil", df, docs, err)
	}
	// The whole vocabulary at once: the same counts, every indexed term.
	all, docs, err := db.AllDocFrequencies(ctx)
	if err != nil || docs != 3 {
		t.Fatalf("AllDocFrequencies: %d articles, %v", docs, err)
	}
	terms := make([]string, 0, len(all))
	for term := range all {
		terms = append(terms, term)
	}
	if !slices.Contains(terms, "قدس") || !slices.Contains(terms, "رياض") || slices.Contains(terms, "مجهول") {
		t.Errorf("AllDocFrequencies holds %v", terms)
	}
	one, _, err := db.DocFrequencies(ctx, terms)
	if err != nil {
		t.Fatal(err)
	}
	for i, term := range terms {
		if all[term] != one[i] {
			t.Errorf("%s: %d documents in the whole vocabulary, %d looked up", term, all[term], one[i])
		}
	}
}
