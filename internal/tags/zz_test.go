package tags

import (
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/marsad/marsad/internal/analyzer"
)

func TestZZSample(t *testing.T) {
	if os.Getenv("ZZ") == "" {
		t.Skip()
	}
	an := analyzer.New()
	x := New(an, DefaultParams())
	c := NewCorpus()
	ant := newsDocs(t, "ant_multisource/articles.jsonl", 0)
	for _, d := range ant {
		c.Add(x.Prepare(d).Keys())
	}
	var sample []Doc
	for i := 0; i < len(ant) && len(sample) < 15; i += 230 {
		sample = append(sample, ant[i])
	}
	snn := newsDocs(t, "saudinewsnet/articles.jsonl", 0)
	for i := 0; i < len(snn) && len(sample) < 30; i += 250 {
		c.Add(x.Prepare(snn[i]).Keys())
		sample = append(sample, snn[i])
	}
	for i, d := range sample {
		var s []string
		for _, tg := range x.Extract(d, c) {
			s = append(s, tg.Surface)
		}
		fmt.Printf("%d. %s → %s\n", i+1, strings.TrimSpace(d.Title), strings.Join(s, " · "))
	}
}
