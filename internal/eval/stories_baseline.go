package eval

import (
	"fmt"
	"math"
	"strings"
	"time"
)

// Baseline settings of the plain single-pass TF-IDF clustering that
// marsad's stories are compared with (issue 12, story_gold's README). They
// are the textbook values, fixed before any measurement, and never tuned.
const (
	baselineThreshold = 0.275          // centroid cosine needed to join
	baselineWindow    = 72 * time.Hour // a story takes articles this long after its latest
	baselineBodyWords = 300            // body words counted
)

// BaselineStories clusters win (in arrival order) with the plain baseline:
// each article is a TF-IDF vector of its title (counted twice), its summary
// and the first 300 words of its body, with the IDF of archive (the whole
// corpus file); it joins the story whose centroid (the sum of its members'
// unit vectors) is most similar to it when that cosine reaches 0.275 and the
// story's latest article is at most 72 hours older, and opens a story
// otherwise. It returns the story of each article by id.
func BaselineStories(win, archive []NewsItem, terms func(string) []string) map[string]string {
	text := func(it NewsItem) []string {
		body := strings.Fields(it.Body)
		body = body[:min(len(body), baselineBodyWords)]
		t := terms(it.Title)
		out := append(append([]string{}, t...), t...)
		out = append(out, terms(it.Summary)...)
		return append(out, terms(strings.Join(body, " "))...)
	}
	df := map[string]int{}
	for _, it := range archive {
		seen := map[string]bool{}
		for _, t := range text(it) {
			if !seen[t] {
				seen[t] = true
				df[t]++
			}
		}
	}
	n := float64(len(archive))
	type cluster struct {
		id       int
		centroid map[string]float64
		norm     float64
		last     time.Time
	}
	var clusters []*cluster
	out := make(map[string]string, len(win))
	for _, it := range win {
		v := map[string]float64{}
		for _, t := range text(it) {
			v[t]++
		}
		norm := 0.0
		for t, tf := range v {
			w := tf * math.Log(n/float64(max(df[t], 1)))
			v[t] = w
			norm += w * w
		}
		norm = math.Sqrt(norm)
		if norm > 0 {
			for t := range v {
				v[t] /= norm
			}
		}
		var best *cluster
		bestSim := 0.0
		for _, c := range clusters {
			if it.Published.Sub(c.last) > baselineWindow || c.norm == 0 {
				continue
			}
			dot := 0.0
			for t, w := range v {
				dot += w * c.centroid[t]
			}
			if s := dot / c.norm; s > bestSim {
				best, bestSim = c, s
			}
		}
		if best == nil || bestSim < baselineThreshold {
			best = &cluster{id: len(clusters) + 1, centroid: map[string]float64{}}
			clusters = append(clusters, best)
		}
		sq := 0.0
		for t, w := range v {
			best.centroid[t] += w
		}
		for _, w := range best.centroid {
			sq += w * w
		}
		best.norm = math.Sqrt(sq)
		if it.Published.After(best.last) {
			best.last = it.Published
		}
		out[it.ID] = fmt.Sprint(best.id)
	}
	return out
}
