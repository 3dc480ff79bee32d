package marsad_test

import (
	"testing"

	"github.com/marsad/marsad"
)

func TestDomainOf(t *testing.T) {
	tests := []struct {
		urls []string
		want string
	}{
		{[]string{"https://WWW.Okaz.com.sa/news/1"}, "okaz.com.sa"},
		{[]string{"http://127.0.0.1:18999/feed.xml"}, "127.0.0.1"},
		{[]string{"", "not a url", "https://www.bbc.com/arabic"}, "bbc.com"},
		{[]string{"/relative/path"}, ""},
	}
	for _, tt := range tests {
		if got := marsad.DomainOf(tt.urls...); got != tt.want {
			t.Errorf("DomainOf(%q) = %q, want %q", tt.urls, got, tt.want)
		}
	}
}
