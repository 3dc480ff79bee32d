package sqlite_test

import (
	"context"
	"testing"
	"time"

	"github.com/marsad/marsad"
	"github.com/marsad/marsad/store/sqlite"
)

func TestDataVersionSeesEveryCommit(t *testing.T) {
	ctx := context.Background()
	db := openTest(t)
	// A second handle on the same file stands for another process.
	other, err := sqlite.Open(ctx, db.Path())
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	version := func() int64 {
		t.Helper()
		v, err := db.DataVersion(ctx)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	day := time.Date(2018, 4, 12, 10, 0, 0, 0, time.UTC)
	v0 := version()
	if v := version(); v != v0 {
		t.Fatalf("version changed without a write: %d → %d", v0, v)
	}
	if _, err := db.SaveArticles(ctx, []*marsad.ArticleInput{input("https://a.example/1", "a", "عنوان", "عنوان", "نص", day)}); err != nil {
		t.Fatal(err)
	}
	v1 := version()
	if v1 == v0 {
		t.Fatal("version unchanged after this handle's write")
	}
	if _, err := other.SaveArticles(ctx, []*marsad.ArticleInput{input("https://b.example/2", "b", "عنوان", "عنوان", "نص", day)}); err != nil {
		t.Fatal(err)
	}
	if v2 := version(); v2 == v1 {
		t.Fatal("version unchanged after another handle's write")
	}
}
