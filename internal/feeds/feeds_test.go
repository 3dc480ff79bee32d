package feeds

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/marsad/marsad/internal/fetch"
)

func TestDefaultOPMLListsArabicOutlets(t *testing.T) {
	feeds, err := DefaultFeeds()
	if err != nil {
		t.Fatal(err)
	}
	if len(feeds) < 10 {
		t.Fatalf("%d default feeds, want at least 10", len(feeds))
	}
	seen := map[string]bool{}
	for _, f := range feeds {
		if !strings.HasPrefix(f.XMLURL, "https://") || f.Title == "" || seen[f.XMLURL] {
			t.Errorf("bad or repeated default feed %+v", f)
		}
		seen[f.XMLURL] = true
	}
}

func TestOPMLRoundTrip(t *testing.T) {
	in := []OPMLFeed{
		{Title: "الجزيرة", XMLURL: "https://a.example/rss", HTMLURL: "https://a.example", Category: "أخبار"},
		{Title: "B & C", XMLURL: "https://b.example/feed?x=1&y=2"},
	}
	var buf bytes.Buffer
	if err := WriteOPML(&buf, "marsad", in); err != nil {
		t.Fatal(err)
	}
	out, err := ParseOPML(&buf, "buf")
	if err != nil {
		t.Fatal(err)
	}
	if len(out) != 2 || out[0] != in[0] || out[1] != in[1] {
		t.Errorf("round trip:\n got %+v\nwant %+v", out, in)
	}
}

func TestDiscoverFindsFeeds(t *testing.T) {
	rss := `<?xml version="1.0"?><rss version="2.0"><channel><title>موقع</title><item><title>a</title><link>http://x/1</link></item></channel></rss>`
	mux := http.NewServeMux()
	mux.HandleFunc("/with-link", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, `<html><head><link rel="alternate" type="application/rss+xml" href="/the-feed"></head><body></body></html>`)
	})
	mux.HandleFunc("/the-feed", func(w http.ResponseWriter, r *http.Request) { fmt.Fprint(w, rss) })
	mux.HandleFunc("/plain/", func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/plain/" {
			fmt.Fprint(w, `<html><body>no links</body></html>`)
			return
		}
		http.NotFound(w, r)
	})
	mux.HandleFunc("/feed", func(w http.ResponseWriter, r *http.Request) { fmt.Fprint(w, rss) })
	srv := httptest.NewServer(mux)
	defer srv.Close()
	c := fetch.New(fetch.Options{AllowPrivate: true, HostDelay: -1, Timeout: 2 * time.Second})
	tests := []struct{ page, want string }{
		{"/with-link", "/the-feed"},
		{"/the-feed", "/the-feed"}, // already a feed
		{"/plain/", "/feed"},       // a common path
	}
	for _, tc := range tests {
		got, err := Discover(context.Background(), c, srv.URL+tc.page)
		if err != nil || len(got) == 0 || got[0].URL != srv.URL+tc.want || got[0].Title != "موقع" {
			t.Errorf("Discover(%s) = %+v, %v; want %s", tc.page, got, err, tc.want)
		}
	}
}

func TestParseReadsEveryFormat(t *testing.T) {
	tests := []struct{ name, doc string }{
		{"RSS 0.91", `<?xml version="1.0"?><rss version="0.91"><channel><title>t</title><item><title>خبر</title><link>http://x/1</link></item></channel></rss>`},
		{"RSS 1.0 (RDF)", `<?xml version="1.0"?><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns="http://purl.org/rss/1.0/"><channel rdf:about="http://x/"><title>t</title></channel><item rdf:about="http://x/1"><title>خبر</title><link>http://x/1</link></item></rdf:RDF>`},
		{"Atom", `<?xml version="1.0"?><feed xmlns="http://www.w3.org/2005/Atom"><title>t</title><entry><title>خبر</title><link href="http://x/1"/><id>1</id></entry></feed>`},
		{"JSON Feed", `{"version":"https://jsonfeed.org/version/1.1","title":"t","items":[{"id":"1","url":"http://x/1","title":"خبر"}]}`},
	}
	for _, tc := range tests {
		f, err := Parse([]byte(tc.doc), tc.name)
		if err != nil || len(f.Items) != 1 || f.Items[0].Title != "خبر" || f.Items[0].URL != "http://x/1" {
			t.Errorf("%s: %+v %v", tc.name, f, err)
		}
	}
}
