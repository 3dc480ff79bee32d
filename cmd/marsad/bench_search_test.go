package main

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

func TestReadQueries(t *testing.T) {
	dir := t.TempDir()
	cases := []struct {
		name, text string
		want       []string
		err        string
	}{
		{"lines, blanks skipped", "وزير الخارجية\n\n  مجلس الامن \n", []string{"وزير الخارجية", "مجلس الامن"}, ""},
		{"no final newline", "غزة", []string{"غزة"}, ""},
		{"empty", "\n \n", nil, "no query"},
		{"not UTF-8", "ok\n\xff\xfe\n", nil, ":2: not UTF-8"},
	}
	for i, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			path := filepath.Join(dir, "q"+string(rune('a'+i)))
			if err := os.WriteFile(path, []byte(c.text), 0o644); err != nil {
				t.Fatal(err)
			}
			got, err := readQueries(path)
			if c.err != "" {
				if err == nil || !strings.Contains(err.Error(), c.err) || !strings.Contains(err.Error(), path) {
					t.Fatalf("err = %v, want one naming %s and %q", err, path, c.err)
				}
				return
			}
			if err != nil || !slices.Equal(got, c.want) {
				t.Fatalf("readQueries = %q, %v; want %q", got, err, c.want)
			}
		})
	}
	if _, err := readQueries(filepath.Join(dir, "missing")); err == nil {
		t.Fatal("a missing file gave no error")
	}
}
