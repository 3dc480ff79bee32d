package extract

import (
	"bufio"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/marsad/marsad/internal/testdata"
)

// arabicPage is one row of arabic_html_pages/pages.jsonl.
type arabicPage struct {
	ID             string   `json:"id"`
	File           string   `json:"file"`
	URL            string   `json:"url"`
	BodyGold       string   `json:"body_gold"`
	TitleGold      string   `json:"title_gold"`
	MustContain    []string `json:"must_contain"`
	MustNotContain []string `json:"must_not_contain"`
	PublishedGold  string   `json:"published_gold"`
	OGTitle        string   `json:"og_title"`
	PublisherTags  []string `json:"publisher_tags"`
}

func loadArabicPages(t *testing.T) (dir string, pages []arabicPage) {
	t.Helper()
	dir = testdata.Path(t, "arabic_html_pages")
	f, err := os.Open(filepath.Join(dir, "pages.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 16<<20)
	for sc.Scan() {
		var p arabicPage
		if err := json.Unmarshal(sc.Bytes(), &p); err != nil {
			t.Fatal(err)
		}
		pages = append(pages, p)
	}
	return dir, pages
}

func TestExtractArabicPagesMeetTheirGold(t *testing.T) {
	dir, pages := loadArabicPages(t)
	if len(pages) == 0 {
		t.Fatal("no pages")
	}
	for _, p := range pages {
		t.Run(p.ID, func(t *testing.T) {
			raw, err := os.ReadFile(filepath.Join(dir, p.File))
			if err != nil {
				t.Fatal(err)
			}
			res, err := Extract(raw, p.URL)
			if err != nil {
				t.Fatalf("Extract(%s): %v", p.File, err)
			}
			if res.Text == "" {
				t.Fatalf("no text extracted")
			}
			if p.BodyGold != "" {
				want := strings.Join(splitLines(p.BodyGold), "\n")
				if res.Text != want {
					t.Errorf("text differs from gold:\n got: %.300q\nwant: %.300q", res.Text, want)
				}
			}
			for _, s := range p.MustContain {
				if !strings.Contains(res.Text, s) {
					t.Errorf("text lacks must-have snippet %q", s)
				}
			}
			for _, s := range p.MustNotContain {
				if strings.Contains(res.Text, s) {
					t.Errorf("text holds must-not snippet %q", s)
				}
			}
			wantTitle := p.TitleGold
			if wantTitle == "" {
				wantTitle = stripSiteName(p.OGTitle, res.SiteName)
			}
			if collapseSpace(res.Title) != collapseSpace(wantTitle) && !strings.Contains(collapseSpace(p.OGTitle), collapseSpace(res.Title)) {
				t.Errorf("title = %q, want %q", res.Title, wantTitle)
			}
			if p.PublishedGold != "" {
				if got := res.Published.Format("2006-01-02"); got != p.PublishedGold {
					t.Errorf("published = %s, want %s", got, p.PublishedGold)
				}
			}
			for _, tag := range p.PublisherTags {
				if strings.Count(tag, " ") > 5 {
					continue // a headline stuffed into keywords, dropped on purpose
				}
				found := false
				for _, g := range res.Tags {
					found = found || g == tag
				}
				if !found {
					t.Errorf("publisher tag %q missing from %q", tag, res.Tags)
				}
			}
			if strings.Contains(res.HTML, "<script") || strings.Contains(res.HTML, "onclick") {
				t.Errorf("sanitized HTML holds active content")
			}
		})
	}
}

// aggregatorPage imitates the layout of Arabic aggregator article pages:
// body, source line, tags, a read-also box and a similar-articles list.
const aggregatorPage = `<!doctype html><html lang="ar" dir="rtl"><head>
<meta charset="utf-8"><title>الوزير يبحث خطة المياه - موقع الخبر</title>
<meta property="og:title" content="الوزير يبحث خطة المياه">
<meta property="og:site_name" content="موقع الخبر">
<meta property="article:published_time" content="2024-09-12T10:30:00+03:00">
<meta property="article:tag" content="وزارة المياه"><meta property="article:tag" content="السدود">
<meta name="news_keywords" content="السدود، الأمطار">
<script type="application/ld+json">{"@context":"https://schema.org","@type":"NewsArticle","headline":"الوزير يبحث خطة المياه","author":{"@type":"Person","name":"سارة علي"},"datePublished":"2024-09-12T10:30:00+03:00"}</script>
</head><body>
<nav><a href="/">الرئيسية</a> <a href="/a">سياسة</a> <a href="/b">اقتصاد</a></nav>
<div class="content"><article>
<h1>الوزير يبحث خطة المياه</h1>
<p>بحث وزير المياه، اليوم الخميس، مع مسؤولي المحافظات خطة تخزين مياه الأمطار في السدود الصغيرة قبل بدء الموسم المطري، وفق بيان رسمي صدر بعد الاجتماع.</p>
<p>وقال الوزير إن الخطة تشمل صيانة عشرين سداً وتوسعة قنوات التصريف في القرى الجبلية، مؤكداً أن العمل سيبدأ الشهر المقبل بتمويل حكومي كامل.</p>
<p>وأضاف البيان أن الوزارة ستنشر تقارير شهرية عن نسب الإنجاز، وأن لجنة فنية ستتابع التنفيذ في كل محافظة على حدة.</p>
<p>اقرأ أيضاً: <a href="/x">الأمطار تعود إلى المرتفعات الأسبوع المقبل</a></p>
<p>وأشار الوزير إلى أن الموسم الماضي شهد هطولات أقل من المعدل، ما يجعل تخزين كل قطرة أولوية للسنوات المقبلة.</p>
<p><a href="/y">وزير الزراعة يدعو إلى ترشيد الري</a> <a href="/z">السدود تستقبل أولى السيول</a></p>
<p>المصدر: وكالة الأنباء</p>
<div class="tags"><span>كلمات دلالية:</span> <a href="/t/1">وزارة المياه</a> <a href="/t/2">السدود</a> <a href="/t/3">موسم الجفاف</a></div>
<h3>إقرأ أيضاً:</h3>
<p><a href="/r1">مشروع جديد لتحلية مياه البحر في الساحل</a></p>
<h3>مقالات مشابهة</h3>
<ul><li><a href="/s1">خطة وطنية لحصاد مياه الأمطار</a></li><li><a href="/s2">افتتاح سد جديد في الجنوب</a></li>
<li><a href="/s3">الأرصاد تتوقع موسماً مطرياً جيداً</a></li></ul>
</article></div>
<footer><p>جميع الحقوق محفوظة</p></footer>
</body></html>`

func TestExtractDropsArabicBoilerplateAndKeepsParagraphs(t *testing.T) {
	res, err := Extract([]byte(aggregatorPage), "https://example.com/news/1")
	if err != nil {
		t.Fatal(err)
	}
	paras := res.Paragraphs()
	tests := []struct {
		name string
		ok   bool
	}{
		{"title from og:title without the site name", res.Title == "الوزير يبحث خطة المياه"},
		{"author from JSON-LD", res.Author == "سارة علي"},
		{"date from JSON-LD", res.Published.Format("2006-01-02T15:04") == "2024-09-12T10:30"},
		{"publisher tags merged without repeats, each link of the tag box one tag", strings.Join(res.Tags, "|") == "وزارة المياه|السدود|الأمطار|موسم الجفاف"},
		{"four body paragraphs are kept as four", countContaining(paras, "الوزير") >= 2 && len(paras) >= 4},
		{"the paragraph after an inline read-also link is kept", strings.Contains(res.Text, "هطولات أقل من المعدل")},
		{"the inline read-also line is dropped", !strings.Contains(res.Text, "الأمطار تعود")},
		{"two glued link titles are not a paragraph", !strings.Contains(res.Text, "ترشيد الري")},
		{"the tag line is dropped", !strings.Contains(res.Text, "كلمات دلالية")},
		{"the read-also box is dropped", !strings.Contains(res.Text, "تحلية")},
		{"the similar-articles list is dropped", !strings.Contains(res.Text, "حصاد مياه") && !strings.Contains(res.Text, "مقالات مشابهة")},
		{"the headline is not repeated in the text", !strings.HasPrefix(res.Text, "الوزير يبحث")},
		{"the footer is dropped", !strings.Contains(res.Text, "الحقوق")},
		{"sanitized HTML keeps paragraphs", strings.Count(res.HTML, "<p>") >= 4},
	}
	for _, tc := range tests {
		if !tc.ok {
			t.Errorf("%s: failed; text:\n%s\ntags=%q title=%q", tc.name, res.Text, res.Tags, res.Title)
		}
	}
}

func countContaining(paras []string, s string) int {
	n := 0
	for _, p := range paras {
		if strings.Contains(p, s) {
			n++
		}
	}
	return n
}

func TestExtractReadsWindows1256(t *testing.T) {
	// "خبر عاجل" and a paragraph, encoded by hand in windows-1256.
	page := []byte("<html><head><meta http-equiv=\"Content-Type\" content=\"text/html; charset=windows-1256\"><title>\xCE\xC8\xD1</title></head><body><p>\xCE\xC8\xD1 \xDA\xC7\xCC\xE1</p></body></html>")
	res, err := Extract(page, "")
	if err != nil {
		t.Fatal(err)
	}
	if res.Title != "خبر" || !strings.Contains(res.Text+res.Title, "خبر") {
		t.Errorf("title=%q text=%q, want Arabic decoded from windows-1256", res.Title, res.Text)
	}
}

func TestParseTextDateReadsArabicDates(t *testing.T) {
	tests := []struct{ in, want string }{
		{"تم نشره الجمعة 24 نيسان / أبريل 2020 09:22 مساءً", "2020-04-24"},
		{"الأربعاء، 07 أكتوبر 2020 - 12:09 م", "2020-10-07"},
		{"الأربعاء، 28 آب/اغسطس 2013، آخر تحديث 14:00", "2013-08-28"},
		{"٣ تشرين الثاني ٢٠٢١", "2021-11-03"},
		{"November 9, 2020", "2020-11-09"},
		{"24-04-2020", "2020-04-24"},
		{"2024-09-12T10:30:00+03:00", "2024-09-12"},
	}
	for _, tc := range tests {
		got := parseTextDate(tc.in)
		if got.IsZero() || got.Format("2006-01-02") != tc.want {
			t.Errorf("parseTextDate(%q) = %v, want %s", tc.in, got, tc.want)
		}
	}
	if got := parseTextDate("لا تاريخ هنا 123"); !got.IsZero() {
		t.Errorf("parseTextDate without date = %v, want zero", got)
	}
}

// The publisher's section comes from JSON-LD articleSection (the first of
// a list) or the article:section meta tag; a page that names none has no
// section rather than a guess.
func TestExtractSectionOfArabicPages(t *testing.T) {
	dir, pages := loadArabicPages(t)
	want := map[string]string{
		"htmldate-1623715966.html": "عبر الإمارات", // JSON-LD list
		"htmldate-1691196862.html": "تقارير مصرية", // article:section
		"htmldate-1731695567.html": "أخبار الفن",
		"htmldate-1764731404.html": "فن و متفرقات",
	}
	for _, p := range pages {
		raw, err := os.ReadFile(filepath.Join(dir, p.File))
		if err != nil {
			t.Fatal(err)
		}
		res, err := Extract(raw, p.URL)
		if err != nil {
			t.Fatal(err)
		}
		if got := res.Section; got != want[filepath.Base(p.File)] {
			t.Errorf("%s: section %q, want %q", p.File, got, want[filepath.Base(p.File)])
		}
	}
}
