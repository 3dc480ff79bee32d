package pgurl

import "testing"

func TestWithSearchPath(t *testing.T) {
	cases := []struct{ raw, want string }{
		{"postgres://u@h:5432/test?sslmode=disable", "postgres://u@h:5432/test?search_path=s1&sslmode=disable"},
		{"postgresql://u@h/test?search_path=old", "postgresql://u@h/test?search_path=s1"},
		{" host=h dbname=test ", "host=h dbname=test search_path=s1"},
	}
	for _, c := range cases {
		if got := WithSearchPath(c.raw, "s1"); got != c.want {
			t.Errorf("WithSearchPath(%q) = %q, want %q", c.raw, got, c.want)
		}
	}
}
