package importer_test

import (
	"bufio"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/marsad/marsad"
	"github.com/marsad/marsad/internal/analyzer"
	"github.com/marsad/marsad/internal/app"
	"github.com/marsad/marsad/internal/dedup"
	"github.com/marsad/marsad/internal/importer"
	"github.com/marsad/marsad/internal/pipeline"
	"github.com/marsad/marsad/internal/testdata"
)

// TestBothSchemesOfARealPageAreOneArticle: ant_multisource lists one
// Al Arabiya page under http:// (line 2777) and again under https://
// (line 2799). Imported in the file's order or the other way round, in one
// batch or one line at a time, the page is one article stored under
// https://, and a lookup by either URL as the file writes it finds it.
func TestBothSchemesOfARealPageAreOneArticle(t *testing.T) {
	f, err := os.Open(testdata.Path(t, "ant_multisource/articles.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	type line struct{ text, url, key string }
	var all []line
	forms := map[string][]string{} // key → the schemes seen
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 8<<20)
	for sc.Scan() {
		var row struct{ URL string }
		if err := json.Unmarshal(sc.Bytes(), &row); err != nil {
			t.Fatal(err)
		}
		canon, err := dedup.CanonicalURL(row.URL)
		if err != nil {
			continue
		}
		l := line{sc.Text(), row.URL, marsad.URLKey(canon)}
		all = append(all, l)
		scheme, _, _ := strings.Cut(canon, ":")
		if !slices.Contains(forms[l.key], scheme) {
			forms[l.key] = append(forms[l.key], scheme)
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	// The lines of pages seen under both schemes, and the 40 first others
	// as neighbours that must stay apart.
	var picked []line
	pairs, others := map[string][]string{}, 0
	for _, l := range all {
		switch {
		case len(forms[l.key]) == 2:
			picked = append(picked, l)
			pairs[l.key] = append(pairs[l.key], l.url)
		case others < 40:
			picked, others = append(picked, l), others+1
		}
	}
	if len(pairs) == 0 {
		t.Fatal("no page under both schemes in ant_multisource: the data changed, pick another case")
	}
	pages := map[string]bool{}
	for _, l := range picked {
		pages[l.key] = true
	}
	for _, tc := range []struct {
		name     string
		batch    int
		reversed bool
	}{
		{"file order, one line a batch (http first)", 1, false},
		{"file order, one batch", 500, false},
		{"reversed, one line a batch (https first)", 1, true},
		{"reversed, one batch", 500, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			lines := slices.Clone(picked)
			if tc.reversed {
				slices.Reverse(lines)
			}
			var text []string
			for _, l := range lines {
				text = append(text, l.text)
			}
			path := filepath.Join(t.TempDir(), "pairs.jsonl")
			if err := os.WriteFile(path, []byte(strings.Join(text, "\n")+"\n"), 0o644); err != nil {
				t.Fatal(err)
			}
			ctx := context.Background()
			db := openStore(t)
			in, err := os.Open(path)
			if err != nil {
				t.Fatal(err)
			}
			defer in.Close()
			res, err := importer.Run(ctx, importer.NewReader(in, "pairs.jsonl"), pipeline.New(db, analyzer.New()), importer.Options{BatchSize: tc.batch})
			if err != nil {
				t.Fatal(err)
			}
			if n, _ := db.CountArticles(ctx); n != len(pages) || res.Imported != len(pages) {
				t.Errorf("%d lines of %d pages: store holds %d, result %+v", len(lines), len(pages), n, res)
			}
			for key, urls := range pairs {
				var id int64
				for _, u := range urls {
					a, err := app.FindArticleByURL(ctx, db, u)
					if err != nil {
						t.Errorf("find %s: %v", u, err)
						continue
					}
					if id != 0 && a.ID != id {
						t.Errorf("%s: the two forms find articles %d and %d", key, id, a.ID)
					}
					id = a.ID
					if !strings.HasPrefix(a.URL, "https://") {
						t.Errorf("%s is stored as %s, want its https form", key, a.URL)
					}
				}
			}
		})
	}
}
