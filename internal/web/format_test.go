package web

import (
	"testing"
	"time"
)

func TestCountAgreesWithTheNumber(t *testing.T) {
	f := format{zone: time.UTC, digits: Western}
	tests := []struct {
		n    int
		what string
		want string
	}{
		{0, "result", "لا نتائج"},
		{1, "outlet", "مصدر واحد"},
		{2, "outlet", "مصدران"},
		{3, "article", "3 مقالات"},
		{7, "article", "7 مقالات"},
		{10, "story", "10 قصص"},
		{11, "article", "11 مقالاً"},
		{99, "outlet", "99 مصدراً"},
		{100, "article", "100 مقال"},
		{102, "article", "102 مقال"},
		{103, "article", "103 مقالات"},
		{111, "article", "111 مقالاً"},
		{1000, "result", "1000 نتيجة"},
		{2, "minute", "دقيقتين"},
		{5, "hour", "5 ساعات"},
		{11, "other", "11 مقالاً آخر"},
	}
	for _, tt := range tests {
		if got := f.count(tt.n, tt.what); got != tt.want {
			t.Errorf("count(%d, %s) = %q, want %q", tt.n, tt.what, got, tt.want)
		}
	}
	f.digits = ArabicIndic
	if got := f.count(168, "article"); got != "١٦٨ مقالاً" {
		t.Errorf("Arabic-Indic: %q", got)
	}
	if got := f.digitsOf("15.8 ms 2018-04-12"); got != "١٥٫٨ ms ٢٠١٨-٠٤-١٢" {
		t.Errorf("digitsOf = %q", got)
	}
}

func TestDatesInTheReadersZone(t *testing.T) {
	riyadh, err := time.LoadLocation("Asia/Riyadh")
	if err != nil {
		t.Fatal(err)
	}
	now := time.Date(2024, 9, 11, 12, 0, 0, 0, time.UTC)
	f := format{zone: riyadh, digits: Western, now: func() time.Time { return now }}
	if got := f.full(time.Date(2024, 9, 10, 22, 30, 0, 0, time.UTC)); got != "الأربعاء 11 سبتمبر 2024، 01:30 بتوقيت الرياض" {
		t.Errorf("full = %q (22:30 UTC is the next day in Riyadh)", got)
	}
	tests := []struct {
		ago  time.Duration
		want string
	}{
		{20 * time.Second, "منذ لحظات"},
		{time.Minute, "منذ دقيقة"},
		{2 * time.Minute, "منذ دقيقتين"},
		{3 * time.Hour, "منذ 3 ساعات"},
		{11 * time.Hour, "منذ 11 ساعة"},
		{26 * time.Hour, "منذ يوم"},
		{3 * 24 * time.Hour, "منذ 3 أيام"},
		{40 * 24 * time.Hour, "2 أغسطس 2024"},
		{-3 * time.Hour, "11 سبتمبر 2024"},
	}
	for _, tt := range tests {
		if got := f.relative(now.Add(-tt.ago)); got != tt.want {
			t.Errorf("relative(%s ago) = %q, want %q", tt.ago, got, tt.want)
		}
	}
}

func TestBalanceBidiDropsOnlyUnbalancedControls(t *testing.T) {
	tests := []struct{ name, in, want string }{
		{"plain text is unchanged", "عنوان عادي", "عنوان عادي"},
		{"an open override is dropped", "ملف \u202Etxt.exe", "ملف txt.exe"},
		{"a closed override stays", "أ \u202Dabc\u202C ب", "أ \u202Dabc\u202C ب"},
		{"a stray closer is dropped", "أ \u202C ب \u2069", "أ  ب "},
		{"a closed isolate stays", "\u2067عربي\u2069 text", "\u2067عربي\u2069 text"},
		{"an open isolate is dropped", "\u2066abc", "abc"},
		{"an embedding left open inside an isolate is dropped", "\u2067a\u202Bb\u2069", "\u2067ab\u2069"},
		{"marks that are not controls stay", "a\u200Fb\u200Ec", "a\u200Fb\u200Ec"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := balanceBidi(tt.in); got != tt.want {
				t.Errorf("balanceBidi(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}
