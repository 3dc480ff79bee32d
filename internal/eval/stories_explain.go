package eval

import (
	"cmp"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"
)

// ClusterLoss is one predicted story that mixes gold stories (a merge) or
// one gold story spread over predicted stories (a split), with what it
// costs: the B-cubed precision (merge) or recall (split) mass lost, summed
// over its articles (divide by n for the share of the score).
type ClusterLoss struct {
	Key   string   // predicted story (merge) or gold story (split)
	Loss  float64  // articles' summed 1 - overlap/size
	Parts []string // the other side's labels, largest part first
	Sizes []int    // articles in each part
	IDs   [][]string
}

// ExplainClusters lists the merges and splits of pred against gold, worst
// first: where the B-cubed precision and recall are lost.
func ExplainClusters(pred, gold map[string]string) (merges, splits []ClusterLoss) {
	return losses(pred, gold), losses(gold, pred)
}

// losses groups the items by a's label and measures how each a-group is
// divided by b's labels.
func losses(a, b map[string]string) []ClusterLoss {
	groups := map[string]map[string][]string{}
	for id, la := range a {
		lb, ok := b[id]
		if !ok {
			continue
		}
		if groups[la] == nil {
			groups[la] = map[string][]string{}
		}
		groups[la][lb] = append(groups[la][lb], id)
	}
	var out []ClusterLoss
	for la, parts := range groups {
		if len(parts) < 2 {
			continue
		}
		n := 0
		for _, ids := range parts {
			n += len(ids)
		}
		l := ClusterLoss{Key: la}
		for lb, ids := range parts {
			slices.Sort(ids)
			l.Loss += float64(len(ids)) * (1 - float64(len(ids))/float64(n))
			l.Parts = append(l.Parts, lb)
		}
		slices.SortFunc(l.Parts, func(x, y string) int {
			if c := cmp.Compare(len(parts[y]), len(parts[x])); c != 0 {
				return c
			}
			return cmp.Compare(x, y)
		})
		for _, lb := range l.Parts {
			l.Sizes = append(l.Sizes, len(parts[lb]))
			l.IDs = append(l.IDs, parts[lb])
		}
		out = append(out, l)
	}
	slices.SortFunc(out, func(x, y ClusterLoss) int {
		if c := cmp.Compare(y.Loss, x.Loss); c != 0 {
			return c
		}
		return cmp.Compare(x.Key, y.Key)
	})
	return out
}

// WriteExplain prints the worst merges and splits of pred against each
// reading, with up to perPart titles of each part (titles by article id).
func WriteExplain(w io.Writer, pred map[string]string, golds []*StoryGold, titles map[string]string, worst, perPart int) {
	for _, g := range golds {
		merges, splits := ExplainClusters(pred, g.Labels)
		n := float64(len(g.Labels))
		for _, sec := range []struct {
			what, part string
			list       []ClusterLoss
		}{{"merges (precision lost)", "gold", merges}, {"splits (recall lost)", "pred", splits}} {
			total := 0.0
			for _, l := range sec.list {
				total += l.Loss
			}
			fmt.Fprintf(w, "== %s: %s, %.4f of B-cubed in all\n", g.Name, sec.what, total/n)
			for _, l := range sec.list[:min(worst, len(sec.list))] {
				fmt.Fprintf(w, "-- %s: loss %.4f, parts %v\n", l.Key, l.Loss/n, l.Sizes)
				for i, ids := range l.IDs {
					for j, id := range ids[:min(perPart, len(ids))] {
						lead := "  "
						if j == 0 {
							lead = fmt.Sprintf("%s %s", sec.part, l.Parts[i])
						}
						fmt.Fprintf(w, "   %-12s %s  %s\n", lead, id, titles[id])
					}
					if len(ids) > perPart {
						fmt.Fprintf(w, "   %-12s … %d more\n", "", len(ids)-perPart)
					}
				}
			}
		}
	}
}

// WriteClusters prints the predicted stories of at least minSize articles,
// by first article, each with its articles' times, outlets and titles: for
// reading a window that has no gold.
func WriteClusters(w io.Writer, pred map[string]string, items []NewsItem, minSize int) {
	members := map[string][]NewsItem{}
	var order []string
	for _, it := range items {
		l, ok := pred[it.ID]
		if !ok {
			continue
		}
		if members[l] == nil {
			order = append(order, l)
		}
		members[l] = append(members[l], it)
	}
	for _, l := range order {
		ms := members[l]
		if len(ms) < minSize {
			continue
		}
		span := ms[len(ms)-1].Published.Sub(ms[0].Published)
		fmt.Fprintf(w, "== story %s: %d articles over %s\n", l, len(ms), span.Round(time.Hour))
		for _, it := range ms {
			fmt.Fprintf(w, "   %s %-9s %-18s %s\n", it.Published.UTC().Format("01-02 15:04"), it.Source,
				strings.TrimPrefix(it.Category, "international"), it.Title)
		}
	}
}
