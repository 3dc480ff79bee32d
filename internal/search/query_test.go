package search_test

import (
	"strings"
	"testing"
	"time"

	"github.com/marsad/marsad"
	"github.com/marsad/marsad/internal/analyzer"
	"github.com/marsad/marsad/internal/search"
)

func TestParse(t *testing.T) {
	an := analyzer.New()
	term := func(w string) string { return an.Term(w) }
	tests := []struct {
		query string
		want  string // search.String of the tree, with analyzed terms
	}{
		{"مفاوضات", term("مفاوضات")},
		{"والمفاوضات", term("مفاوضات")},
		{"وزیر الخارجیة", "(" + term("وزير") + " " + term("الخارجية") + ")"},
		{`"وقف إطلاق النار"`, `"` + term("وقف") + " " + term("اطلاق") + " " + term("النار") + `"`},
		{`«وقف إطلاق النار»`, `"` + term("وقف") + " " + term("اطلاق") + " " + term("النار") + `"`},
		{"غزة -سوريا", "(" + term("غزة") + " -" + term("سوريا") + ")"},
		{"غزة OR سوريا لبنان", "((" + term("غزة") + " OR " + term("سوريا") + ") " + term("لبنان") + ")"},
		{"غزة | سوريا", "(" + term("غزة") + " OR " + term("سوريا") + ")"},
		{"٩٠", "90"},
		{"في غزة", term("غزة")}, // stopword dropped
	}
	for _, tt := range tests {
		t.Run(tt.query, func(t *testing.T) {
			q, err := search.Parse(tt.query, an)
			if err != nil {
				t.Fatal(err)
			}
			if got := search.String(q.Request.Expr); got != tt.want {
				t.Errorf("Parse(%q) = %s, want %s", tt.query, got, tt.want)
			}
		})
	}
}

func TestParseFilters(t *testing.T) {
	an := analyzer.New()
	q, err := search.Parse("نفط source:okaz source:alyaum,sabq from:2015-08-07 to:٢٠١٥-٠٨-٠٩", an)
	if err != nil {
		t.Fatal(err)
	}
	r := q.Request
	if len(r.Sources) != 3 || r.Sources[0] != "okaz" || r.Sources[2] != "sabq" {
		t.Errorf("sources = %v", r.Sources)
	}
	if !r.From.Equal(time.Date(2015, 8, 7, 0, 0, 0, 0, time.UTC)) || !r.To.Equal(time.Date(2015, 8, 10, 0, 0, 0, 0, time.UTC)) {
		t.Errorf("range = %v – %v, want 2015-08-07 – 2015-08-10 (to: is inclusive)", r.From, r.To)
	}
	if q, err := search.Parse("source:okaz", an); err != nil || q.Request.Expr != nil {
		t.Errorf("filter-only query: %v %v", q, err)
	}
}

func TestParseErrors(t *testing.T) {
	an := analyzer.New()
	for _, query := range []string{
		`"غير مغلق`,
		"OR غزة",
		"غزة OR",
		"غزة OR -سوريا",
		"from:أمس غزة",
		"في من",
		"",
	} {
		t.Run(query, func(t *testing.T) {
			if _, err := search.Parse(query, an); marsad.ErrorCode(err) != marsad.EINVALID {
				t.Errorf("Parse(%q) error = %v, want invalid", query, err)
			}
		})
	}
}

func TestSnippetMarksOriginalWords(t *testing.T) {
	an := analyzer.New()
	text := "قال وزیر الخارجیة إن المفاوضات مستمرة.\nوأضاف أن وقف إطلاق النار صامد منذ ٩٠ يوماً."
	q, err := search.Parse("وزير مفاوضات 90 اطلاق", an)
	if err != nil {
		t.Fatal(err)
	}
	got := search.Plain(search.Snippet(an, text, q.Terms, 30), "[", "]")
	want := "قال [وزیر] الخارجیة إن [المفاوضات] مستمرة. وأضاف أن وقف [إطلاق] النار صامد منذ [٩٠] يوماً."
	if got != want {
		t.Errorf("snippet\n got %s\nwant %s", got, want)
	}
}

func TestSnippetWindowsLongText(t *testing.T) {
	an := analyzer.New()
	long := ""
	for i := 0; i < 200; i++ {
		long += "كلمة عادية "
	}
	text := long + "هنا المفاوضات الحاسمة " + long
	segs := search.Snippet(an, text, an.Terms("مفاوضات"), 20)
	got := search.Plain(segs, "[", "]")
	if len([]rune(got)) > 300 {
		t.Errorf("snippet too long: %d runes", len([]rune(got)))
	}
	if want := "[المفاوضات]"; !strings.Contains(got, want) || !strings.HasPrefix(got, "… ") || !strings.HasSuffix(got, " …") {
		t.Errorf("snippet %q: want the match, cut marks at both ends", got)
	}
}

func TestParseLimited(t *testing.T) {
	an := analyzer.New()
	tests := []struct {
		name, query string
		ok          bool
	}{
		{"a plain question", "وقف إطلاق النار في غزة", true},
		{"too many words", strings.Repeat("غزة ", 21), false},
		{"too many OR branches", strings.Repeat("غزة OR ", 8) + "قطر", false},
		{"OR within the bound", "غزة OR قطر OR لبنان", true},
		{"too many sources", "غزة source:a,b,c,d,e,f,g,h,i,j,k", false},
		{"a listing without words over a year", "from:2015", false},
		{"a listing without words over a week", "from:2015-08-01 to:2015-08-07", true},
		{"words with a wide range", "غزة from:2015", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := search.ParseLimited(tt.query, an, search.WebLimits)
			if (err == nil) != tt.ok {
				t.Fatalf("ParseLimited(%q) = %v, want ok=%v", tt.query, err, tt.ok)
			}
			if err != nil {
				if marsad.ErrorCode(err) != marsad.EINVALID {
					t.Errorf("code %s, want invalid", marsad.ErrorCode(err))
				}
				if msg, ok := search.ArabicMessage(err); !ok || msg == "" {
					t.Errorf("no Arabic message for %v", err)
				}
			}
		})
	}
}
