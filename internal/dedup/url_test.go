package dedup

import "testing"

func TestCanonicalURL(t *testing.T) {
	tests := []struct{ in, want string }{
		{"HTTPS://WWW.Example.COM:443/a/b/?utm_source=x&b=2&a=1#frag", "https://www.example.com/a/b?a=1&b=2"},
		{"http://example.com:80", "http://example.com/"},
		{"http://example.com:8080/x/", "http://example.com:8080/x"},
		{"https://example.com/?fbclid=abc&gclid=d&UTM_Medium=e", "https://example.com/"},
		{"https://example.com/p?id=5&utm_campaign=rss", "https://example.com/p?id=5"},
		{"http://aawsat.com/home/article/423781/سمير-عطا-الله", "http://aawsat.com/home/article/423781/%D8%B3%D9%85%D9%8A%D8%B1-%D8%B9%D8%B7%D8%A7-%D8%A7%D9%84%D9%84%D9%87"},
		{"http://aawsat.com/home/article/423781/%d8%b3%d9%85%d9%8a%d8%b1-%d8%b9%d8%b7%d8%a7-%d8%a7%d9%84%d9%84%d9%87/", "http://aawsat.com/home/article/423781/%D8%B3%D9%85%D9%8A%D8%B1-%D8%B9%D8%B7%D8%A7-%D8%A7%D9%84%D9%84%D9%87"},
		{"https://example.com./a?q=%D8%A7+b", "https://example.com/a?q=%D8%A7+b"},
		{"https://example.com/a%2Fb", "https://example.com/a%2Fb"},
	}
	for _, tt := range tests {
		got, err := CanonicalURL(tt.in)
		if err != nil {
			t.Errorf("CanonicalURL(%q): %v", tt.in, err)
			continue
		}
		if got != tt.want {
			t.Errorf("CanonicalURL(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
	for _, bad := range []string{"", "ftp://x/y", "/relative", "mailto:a@b"} {
		if _, err := CanonicalURL(bad); err == nil {
			t.Errorf("CanonicalURL(%q): want error", bad)
		}
	}
}

func TestResolveCanonical(t *testing.T) {
	tests := []struct{ page, link, want string }{
		{"https://amp.example.com/news/1/amp", "https://www.example.com/news/1", "https://www.example.com/news/1"},
		{"https://m.example.com/news/1", "/news/1?utm_source=m", "https://m.example.com/news/1"},
		{"https://example.com/news/1", "https://other.com/x", "https://example.com/news/1"},
		{"https://example.com/news/1?utm_source=a", "", "https://example.com/news/1"},
	}
	for _, tt := range tests {
		got, err := ResolveCanonical(tt.page, tt.link)
		if err != nil || got != tt.want {
			t.Errorf("ResolveCanonical(%q, %q) = %q, %v; want %q", tt.page, tt.link, got, err, tt.want)
		}
	}
}
