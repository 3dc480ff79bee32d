package postgres_test

import (
	"slices"
	"testing"
)

func TestDocFrequencies(t *testing.T) {
	db := openTest(t)
	save(t, db,
		input("https://a.example/1", "قمه رياض", "قمه عرب"),
		input("https://b.example/2", "عرب", "قدس"),
		input("https://c.example/3", "قدس", ""))
	// As on SQLite: once per article, title or body; repeats and unknown
	// terms answered in place.
	df, docs, err := db.DocFrequencies(t.Context(), []string{"قمه", "عرب", "قدس", "مجهول", "قمه", "it's"})
	if err != nil {
		t.Fatal(err)
	}
	if want := []int{1, 2, 2, 0, 1, 0}; !slices.Equal(df, want) || docs != 3 {
		t.Errorf("DocFrequencies = %v, %d; want %v, 3", df, docs, want)
	}
}
