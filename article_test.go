package marsad

import "testing"

func TestURLKeyMakesBothSchemesOnePage(t *testing.T) {
	tests := []struct {
		name, a, b string
		same       bool
	}{
		{"http and https", "http://a.example/x?id=1", "https://a.example/x?id=1", true},
		{"same scheme", "https://a.example/x", "https://a.example/x", true},
		{"another path", "http://a.example/x", "https://a.example/y", false},
		{"another host", "http://a.example/x", "https://b.example/x", false},
		{"another query", "http://a.example/x?id=1", "https://a.example/x?id=2", false},
		{"another port", "http://a.example:8080/x", "https://a.example/x", false},
		{"not http", "ftp://a.example/x", "https://a.example/x", false},
		{"an opaque key", "u1", "u1", true},
	}
	for _, tt := range tests {
		if got := URLKey(tt.a) == URLKey(tt.b); got != tt.same {
			t.Errorf("%s: URLKey(%q) = %q, URLKey(%q) = %q; same page = %v, want %v", tt.name, tt.a, URLKey(tt.a), tt.b, URLKey(tt.b), got, tt.same)
		}
	}
}

func TestPreferURLTakesHTTPSOnly(t *testing.T) {
	tests := []struct {
		stored, incoming string
		want             bool
	}{
		{"http://a.example/x", "https://a.example/x", true},
		{"https://a.example/x", "http://a.example/x", false},
		{"http://a.example/x", "http://a.example/x", false},
		{"https://a.example/x", "https://a.example/x", false},
		{"http://a.example/x", "https://a.example/y", false},
	}
	for _, tt := range tests {
		if got := PreferURL(tt.stored, tt.incoming); got != tt.want {
			t.Errorf("PreferURL(%q, %q) = %v, want %v", tt.stored, tt.incoming, got, tt.want)
		}
	}
}
