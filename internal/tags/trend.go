package tags

import (
	"sort"
)

// Count is how many articles carry a tag in some time range.
type Count struct {
	Key, Display string
	N            int
}

// Trend is a tag's count in the latest window against its own past.
type Trend struct {
	Key, Display string
	Recent       int     // articles in the latest window
	Past         float64 // mean articles per window over the past windows
	Growth       float64 // (Recent + 1) / (Past + 1)
}

// Trending ranks tags by growth against their own past: recent are the
// counts of the latest window, past the counts of the windows before it
// (windows of them, summed). A tag every outlet always carries (a country,
// a ministry) grows little however large its count; a tag with nothing in
// its past grows by its count. Tags with fewer than minRecent articles in
// the window are left out (one article is not a trend). Ties go to the
// larger recent count, then the key.
func Trending(recent, past []Count, windows, minRecent int) []Trend {
	before := make(map[string]int, len(past))
	for _, c := range past {
		before[c.Key] += c.N
	}
	var out []Trend
	for _, c := range recent {
		if c.N < minRecent {
			continue
		}
		pm := float64(before[c.Key]) / float64(max(windows, 1))
		out = append(out, Trend{Key: c.Key, Display: c.Display, Recent: c.N, Past: pm, Growth: float64(c.N+1) / (pm + 1)})
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Growth != out[j].Growth {
			return out[i].Growth > out[j].Growth
		}
		if out[i].Recent != out[j].Recent {
			return out[i].Recent > out[j].Recent
		}
		return out[i].Key < out[j].Key
	})
	return out
}
