package app_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/marsad/marsad"
	"github.com/marsad/marsad/internal/analyzer"
	"github.com/marsad/marsad/internal/app"
	"github.com/marsad/marsad/internal/importer"
	"github.com/marsad/marsad/internal/ingest"
	"github.com/marsad/marsad/internal/pipeline"
	"github.com/marsad/marsad/internal/testdata"
	"github.com/marsad/marsad/store/postgres"
	"github.com/marsad/marsad/store/postgres/pgtest"
	"github.com/marsad/marsad/store/sqlite"
)

// moveLines is how many lines of each shared archive the round trip
// moves. The whole archives (14,452 articles) take minutes to import
// through the stages on this machine, and the round trip imports three
// times; 1,000 of each hold 76 copies (wire copies by the dozen, some
// read before their original) and 1,258 stories, many across outlets.
const moveLines = 1000

// TestExportMovesAnArchiveBetweenStores moves an archive SQLite →
// PostgreSQL → SQLite through export and import and checks that every
// store holds the same articles (ids and every field), copy links, story
// partition and stories (titles, the clusterer's state), tags with their
// scores, and work owed; that the three exports are the same bytes; and
// that the moved archive goes on as the original does: the next articles
// get the same copy links, stories and tags in both.
func TestExportMovesAnArchiveBetweenStores(t *testing.T) {
	ctx := t.Context()
	files := []string{testdata.Path(t, "saudinewsnet/articles.jsonl"), testdata.Path(t, "ant_multisource/articles.jsonl")}
	pgURL := pgtest.URL(t)
	dir := t.TempDir()

	src := openSQLite(t, filepath.Join(dir, "src.db"))
	if err := ingest.SampleInto(ctx, src, moveLines, files...); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	first := export(t, src)
	t.Logf("exported %d articles (%d bytes) in %v", bytes.Count(first, []byte("\n")), len(first), time.Since(start))
	want := snapshotOf(t, src)
	if forward := copiesBeforeOriginal(t, first); want.copies < 50 || want.storyN < 500 || forward == 0 {
		t.Fatalf("the sample holds %d copies (%d before their original) and %d stories: too few to prove a move", want.copies, forward, want.storyN)
	}
	if !bytes.Contains(first, []byte(`"state":"`)) || !bytes.Contains(first, []byte(`"tags":[{"key":`)) {
		t.Fatal("the export carries no story state or no tags")
	}

	pg, err := postgres.Open(ctx, pgURL)
	if err != nil {
		t.Fatal(err)
	}
	defer pg.Close()
	start = time.Now()
	res := restore(t, pg, first)
	t.Logf("restored into PostgreSQL in %v", time.Since(start))
	if res.Imported != len(want.articles) || res.Invalid != 0 {
		t.Fatalf("restore into PostgreSQL: %+v, want %d imported", res, len(want.articles))
	}
	second := export(t, pg)
	compareSnapshots(t, "PostgreSQL", snapshotOf(t, pg), want)
	sameBytes(t, "PostgreSQL's export", second, first)

	back := openSQLite(t, filepath.Join(dir, "back.db"))
	start = time.Now()
	restore(t, back, second)
	t.Logf("restored into SQLite in %v", time.Since(start))
	compareSnapshots(t, "SQLite again", snapshotOf(t, back), want)
	sameBytes(t, "the export of SQLite again", export(t, back), first)

	// Restoring again changes nothing.
	if res := restore(t, back, second); res.Imported != 0 || res.Unchanged != len(want.articles) {
		t.Errorf("restore again: %+v, want every line unchanged", res)
	}
	compareSnapshots(t, "SQLite restored twice", snapshotOf(t, back), want)

	// The next articles, through the standard pipeline: the moved archive
	// decides as the original (its near-duplicate index, stories' state,
	// document frequencies and tag statistics came along).
	for _, s := range []marsad.Store{src, back} {
		if err := ingestLines(ctx, s, moveLines, moveLines+250, files...); err != nil {
			t.Fatal(err)
		}
	}
	// Tags aside: the original's tag stage starts again from its stored
	// statistics, which lag the archive by up to 2,000 articles (the
	// stage's checkpoint), while the restore counted every article.
	got, orig := snapshotOf(t, back), snapshotOf(t, src)
	for _, s := range []*archiveSnapshot{&got, &orig} {
		s.stats = withoutTags(s.stats)
		for id, a := range s.articles {
			s.articles[id] = withoutTags(a)
		}
	}
	compareSnapshots(t, "SQLite moved, then fed", got, orig)
}

// withoutTags cuts the tags, last in a snapshot's text, off it.
func withoutTags(s string) string { return s[:strings.LastIndex(s, " tags=")] }

// copiesBeforeOriginal counts the lines of an export whose original comes
// later (a wire copy that arrived after a paper's took the group over):
// the restore must hold them until their original is stored.
func copiesBeforeOriginal(t *testing.T, export []byte) int {
	t.Helper()
	rd := importer.NewReader(bytes.NewReader(export), "export")
	n := 0
	for {
		e, err := rd.NextEntry()
		if errors.Is(err, io.EOF) {
			return n
		} else if err != nil {
			t.Fatal(err)
		}
		if e.Archived.CopyOf > e.Archived.ID {
			n++
		}
	}
}

func openSQLite(t *testing.T, path string) *sqlite.DB {
	t.Helper()
	db, err := sqlite.Open(t.Context(), path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

func export(t *testing.T, s marsad.Store) []byte {
	t.Helper()
	var b bytes.Buffer
	n, _, err := app.New(s, analyzer.New(), nil).Export(t.Context(), &b, app.ExportOptions{Batch: 300})
	if err != nil {
		t.Fatal(err)
	}
	if lines := bytes.Count(b.Bytes(), []byte("\n")); lines != n {
		t.Fatalf("export: %d lines written, %d reported", lines, n)
	}
	return b.Bytes()
}

func restore(t *testing.T, s marsad.Store, export []byte) pipeline.Result {
	t.Helper()
	a := app.New(s, analyzer.New(), nil)
	var problems []string
	res, err := importer.Run(t.Context(), importer.NewReader(bytes.NewReader(export), "export.jsonl"), a.Pipeline(),
		importer.Options{BatchSize: 300, Restore: a.NewRestorer(), OnProblem: func(m string) { problems = append(problems, m) }})
	if err != nil {
		t.Fatal(err)
	}
	if len(problems) > 0 {
		t.Errorf("restore reported %d problems, first: %s", len(problems), problems[0])
	}
	return res
}

// ingestLines ingests lines [from, to) of each file through the standard
// pipeline, in batches of 200.
func ingestLines(ctx context.Context, s marsad.Store, from, to int, files ...string) error {
	// One clock for both stores: the articles' fetched times are equal.
	fetched := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	p := ingest.New(s, analyzer.New(), pipeline.WithClock(func() time.Time { return fetched }))
	for _, name := range files {
		f, err := os.Open(name)
		if err != nil {
			return err
		}
		rd := importer.NewReader(f, name)
		var batch []*marsad.RawArticle
		for i := 0; i < to; i++ {
			raw, err := rd.Next()
			var le *importer.LineError
			if errors.As(err, &le) {
				continue
			} else if errors.Is(err, io.EOF) {
				break
			} else if err != nil {
				f.Close()
				return err
			}
			if i >= from {
				batch = append(batch, raw)
			}
		}
		f.Close()
		for start := 0; start < len(batch); start += 200 {
			if _, err := p.Ingest(ctx, batch[start:min(len(batch), start+200)]); err != nil {
				return err
			}
		}
	}
	return nil
}

// archiveSnapshot is what a store holds of an archive, as comparable text.
type archiveSnapshot struct {
	articles       map[int64]string
	stories        map[int64]string
	stats          string
	copies, storyN int
}

func snapshotOf(t *testing.T, s marsad.Store) archiveSnapshot {
	t.Helper()
	ctx := t.Context()
	snap := archiveSnapshot{articles: map[int64]string{}, stories: map[int64]string{}}
	var after int64
	for {
		list, _, err := s.FindArticles(ctx, marsad.ArticleFilter{AfterID: after, Limit: 500})
		if err != nil {
			t.Fatal(err)
		}
		if len(list) == 0 {
			break
		}
		for _, a := range list {
			tags, err := s.TagsOf(ctx, a.ID)
			if err != nil {
				t.Fatal(err)
			}
			var tt []string
			for _, g := range tags {
				tt = append(tt, fmt.Sprintf("%s/%s/%s/%v/%v", g.Key, g.Surface, g.Display, g.Score, g.Publisher))
			}
			snap.articles[a.ID] = fmt.Sprintf("url=%s source=%s/%s ext=%q title=%q body=%q summary=%q html=%q author=%q category=%q lang=%s ptags=%q published=%s fetched=%s claimed=%s hash=%x copy_of=%d story=%d tags=%q",
				a.URL, a.Source, a.SourceName, a.ExternalID, a.Title, a.Body, a.Summary, a.HTML, a.Author, a.Category, a.Lang, a.Tags,
				a.Published.UTC(), a.Fetched.UTC(), a.PublishedClaimed.UTC(), a.ContentHash, a.CanonicalID, a.StoryID, tt)
			if a.CanonicalID != 0 {
				snap.copies++
			}
		}
		after = list[len(list)-1].ID
	}
	err := s.StoryRead(ctx, func(tx marsad.StoryTx) error {
		recs, err := tx.StoriesSeen(ctx, time.Unix(0, 0), time.Unix(1<<40, 0))
		for _, r := range recs {
			snap.stories[r.ID] = fmt.Sprintf("title=%q title_article=%d first=%s last=%s articles=%d outlets=%d sources=%q state=%x",
				r.Title, r.TitleArticleID, r.FirstSeen.UTC(), r.LastSeen.UTC(), r.Articles, r.Outlets, r.Sources, r.State)
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	st, err := s.Stats(ctx)
	if err != nil {
		t.Fatal(err)
	}
	snap.stats = fmt.Sprintf("articles=%d sources=%d stories=%d copies=%d pending=%v tags=%d", st.Articles, st.Sources, st.Stories, st.Copies, st.Pending, st.Tags)
	snap.storyN = len(snap.stories)
	return snap
}

func compareSnapshots(t *testing.T, what string, got, want archiveSnapshot) {
	t.Helper()
	if got.stats != want.stats {
		t.Errorf("%s: stats %s, want %s", what, got.stats, want.stats)
	}
	diff := func(kind string, got, want map[int64]string) {
		n := 0
		ids := make([]int64, 0, len(want))
		for id := range want {
			ids = append(ids, id)
		}
		for id := range got {
			if _, ok := want[id]; !ok {
				ids = append(ids, id)
			}
		}
		slices.Sort(ids)
		for _, id := range ids {
			if got[id] != want[id] {
				if n < 3 {
					g, w := got[id], want[id]
					i := 0
					for i < min(len(g), len(w)) && g[i] == w[i] {
						i++
					}
					i = max(0, i-80)
					t.Errorf("%s: %s %d differs:\n got …%.300s\nwant …%.300s", what, kind, id, g[min(i, len(g)):], w[min(i, len(w)):])
				}
				n++
			}
		}
		if n > 0 {
			t.Errorf("%s: %d of %d %s differ", what, n, len(want), kind)
		}
	}
	diff("articles", got.articles, want.articles)
	diff("stories", got.stories, want.stories)
}

func sameBytes(t *testing.T, what string, got, want []byte) {
	t.Helper()
	if bytes.Equal(got, want) {
		return
	}
	g, w := strings.Split(string(got), "\n"), strings.Split(string(want), "\n")
	for i := range min(len(g), len(w)) {
		if g[i] != w[i] {
			t.Errorf("%s differs from the first export at line %d:\n got %.400s\nwant %.400s", what, i+1, g[i], w[i])
			return
		}
	}
	t.Errorf("%s: %d lines, the first export %d", what, len(g), len(w))
}

// TestRestoreReportsBadLinesByNumber restores a small hand-written export
// into a new store: good lines are restored with their links, story and
// tags (a copy read before its original included), and each bad one is
// reported with its line number and reason while the rest goes on.
func TestRestoreReportsBadLinesByNumber(t *testing.T) {
	line := func(id int64, url, marsadExtra string) string {
		return fmt.Sprintf(`{"url":"https://a.example/%s","title":"عنوان %s","body":"نص المقال %s عن الرياض","source":"okaz","published":"2015-08-07T06:00:00Z","marsad":{"id":%d,"analyzer":%d,"fetched":"2015-08-07T07:00:00Z"%s}}`,
			url, url, url, id, analyzer.Version, marsadExtra)
	}
	input := strings.Join([]string{
		line(5, "copy", `,"copy_of":9,"story":3,"story_record":{"id":3,"title":"عنوان القصة","title_article_id":9,"first_seen":"2015-08-07T06:00:00Z","last_seen":"2015-08-07T06:00:00Z","articles":2,"sources":["okaz"]},"tags":[{"key":"رياض","surface":"الرياض","display":"الرياض","score":2.5,"publisher":true}]`),
		line(9, "original", `,"story":3`),
		line(0, "noid", ``),
		line(11, "orphan", `,"copy_of":77`),
		line(12, "bogus", `,"owed":["bogus"]`),
		line(5, "other", ``),
		`{"url":"https://a.example/broken","marsad":{"id":"x"}}`,
		line(13, "owed", `,"owed":["story","tags"]`),
	}, "\n")
	db := openSQLite(t, filepath.Join(t.TempDir(), "restore.db"))
	a := app.New(db, analyzer.New(), nil)
	var problems []string
	res, err := importer.Run(t.Context(), importer.NewReader(strings.NewReader(input), "export.jsonl"), a.Pipeline(),
		// Batches of 4: line 6 meets article 5 already stored.
		importer.Options{BatchSize: 4, Restore: a.NewRestorer(), OnProblem: func(m string) { problems = append(problems, m) }})
	if err != nil {
		t.Fatal(err)
	}
	if res.Read != 8 || res.Imported != 4 || res.Invalid != 4 {
		t.Errorf("result %+v, want 8 read, 4 imported, 4 invalid", res)
	}
	for _, want := range []string{
		"export.jsonl:3: marsad.id",
		"export.jsonl:5: marsad.owed: unknown stage \"bogus\"",
		"export.jsonl:6: article id 5 holds https://a.example/copy",
		"export.jsonl:7: not a JSON object",
		"export.jsonl:4: marsad.copy_of: article 77 is neither in the export nor in this store",
	} {
		if !slices.ContainsFunc(problems, func(p string) bool { return strings.HasPrefix(p, want) }) {
			t.Errorf("no problem starting %q in %q", want, problems)
		}
	}
	copy5, err := db.FindArticleByID(t.Context(), 5)
	if err != nil {
		t.Fatal(err)
	}
	if copy5.CanonicalID != 9 || copy5.StoryID != 3 || !copy5.Fetched.Equal(time.Date(2015, 8, 7, 7, 0, 0, 0, time.UTC)) {
		t.Errorf("article 5: copy of %d, story %d, fetched %v; want copy of 9, story 3, fetched 07:00", copy5.CanonicalID, copy5.StoryID, copy5.Fetched)
	}
	st, err := db.FindStoryByID(t.Context(), 3)
	if err != nil || st.Title != "عنوان القصة" || st.TitleArticleID != 9 {
		t.Errorf("story 3: %+v, %v", st, err)
	}
	tags, err := db.TagsOf(t.Context(), 5)
	if err != nil || len(tags) != 1 || tags[0].Key != "رياض" || tags[0].Score != 2.5 || !tags[0].Publisher {
		t.Errorf("tags of 5: %+v, %v", tags, err)
	}
	// What the restore could not decide stays owed: the orphan copy to
	// dedup, the article exported as owed to the story and tag stages.
	for stage, want := range map[string][]int64{"dedup": {11}, "story": {13}, "tags": {13}} {
		ids, err := db.OwedArticles(t.Context(), stage, 0, 10)
		if err != nil || !slices.Equal(ids, want) {
			t.Errorf("owed to %s: %v, %v; want %v", stage, ids, err, want)
		}
	}
}

// failingStories is a store whose story transactions fail from the
// failAt-th on: a restore killed between saving a batch and writing its
// stories.
type failingStories struct {
	marsad.Store
	calls, failAt int
}

func (s *failingStories) StoryTx(ctx context.Context, fn func(marsad.StoryTx) error) error {
	if s.calls++; s.calls >= s.failAt {
		return errors.New("the disk is gone")
	}
	return s.Store.StoryTx(ctx, fn)
}

// TestInterruptedRestoreCompletes: a restore that stops after saving a
// batch but before writing its stories leaves that work owed; running the
// same import again completes it with the exported decisions, and the
// store ends as the source.
func TestInterruptedRestoreCompletes(t *testing.T) {
	files := []string{testdata.Path(t, "saudinewsnet/articles.jsonl"), testdata.Path(t, "ant_multisource/articles.jsonl")}
	dir := t.TempDir()
	src := openSQLite(t, filepath.Join(dir, "src.db"))
	if err := ingest.SampleInto(t.Context(), src, 300, files...); err != nil {
		t.Fatal(err)
	}
	exported := export(t, src)
	dst := openSQLite(t, filepath.Join(dir, "dst.db"))

	a := app.New(&failingStories{Store: dst, failAt: 2}, analyzer.New(), nil)
	_, err := importer.Run(t.Context(), importer.NewReader(bytes.NewReader(exported), "export.jsonl"), a.Pipeline(),
		importer.Options{BatchSize: 200, Restore: a.NewRestorer()})
	if err == nil || !strings.Contains(err.Error(), "the disk is gone") {
		t.Fatalf("the failing restore: %v", err)
	}
	owed, err := dst.OwedCounts(t.Context())
	if err != nil || owed["story"] == 0 || owed["story"] == len(snapshotOf(t, src).articles) {
		t.Fatalf("after the failure, owed %v (%v): want some story work done and some owed", owed, err)
	}
	if res := restore(t, dst, exported); res.Unchanged == 0 {
		t.Errorf("the second run found nothing stored: %+v", res)
	}
	compareSnapshots(t, "restored after a failure", snapshotOf(t, dst), snapshotOf(t, src))
	sameBytes(t, "its export", export(t, dst), exported)
}
