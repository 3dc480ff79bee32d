package postgres

import "testing"

func TestQuoteLexeme(t *testing.T) {
	cases := []struct{ in, want string }{
		{"سعود", `'سعود'`},
		{"", `''`},
		{`o'neil`, `'o''neil'`},
		{`a\b`, `'a\\b'`},
		{`'\'`, `'''\\'''`},
	}
	for _, c := range cases {
		if got := quoteLexeme(c.in); got != c.want {
			t.Errorf("quoteLexeme(%q) = %s, want %s", c.in, got, c.want)
		}
	}
}
