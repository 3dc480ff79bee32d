package eval

import (
	"bufio"
	"encoding/json"
	"fmt"
	"os"
	"sort"
	"strings"
	"time"

	"github.com/marsad/marsad"
)

// NewsItem is one row of the shared news corpora (saudinewsnet,
// ant_multisource) as the dedup and story evaluations read it.
type NewsItem struct {
	ID        string    `json:"id"`
	Source    string    `json:"source"`
	URL       string    `json:"url"`
	Title     string    `json:"title"`
	Summary   string    `json:"summary"`
	Body      string    `json:"body"`
	Category  string    `json:"category"`
	Published time.Time `json:"-"`
	Line      int       `json:"-"`
}

// Raw is the item as the pipeline's doors hand it over.
func (it NewsItem) Raw() *marsad.RawArticle {
	return &marsad.RawArticle{URL: it.URL, Title: it.Title, Body: it.Body, Summary: it.Summary,
		Source: it.Source, SourceName: it.Source, Published: it.Published, Category: it.Category, ID: it.ID, Lang: "ar"}
}

// ReadNewsJSONL reads a corpus file, parsing `published` with its offset
// (ant_multisource) or without one (saudinewsnet: crawl time, taken as
// Saudi local time +03:00, which the README gives as most probable), and
// returns the items sorted by published time, then id: arrival order.
func ReadNewsJSONL(path string) ([]NewsItem, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", path, err)
	}
	defer f.Close()
	riyadh := time.FixedZone("+03", 3*3600)
	var out []NewsItem
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 16<<20)
	for n := 1; sc.Scan(); n++ {
		var raw struct {
			NewsItem
			Published string `json:"published"`
		}
		if err := json.Unmarshal(sc.Bytes(), &raw); err != nil {
			return nil, fmt.Errorf("%s:%d: %w", path, n, err)
		}
		it := raw.NewsItem
		it.Line = n
		p := strings.TrimSpace(raw.Published)
		if t, err := time.Parse(time.RFC3339, p); err == nil {
			it.Published = t
		} else if t, err := time.ParseInLocation("2006-01-02T15:04:05", p, riyadh); err == nil {
			it.Published = t
		} else {
			return nil, fmt.Errorf("%s:%d: published %q: %w", path, n, p, err)
		}
		out = append(out, it)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("read %s: %w", path, err)
	}
	sort.SliceStable(out, func(i, j int) bool {
		if !out[i].Published.Equal(out[j].Published) {
			return out[i].Published.Before(out[j].Published)
		}
		return out[i].ID < out[j].ID
	})
	return out, nil
}
