package tags

import (
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/marsad/marsad/internal/analyzer"
)

func TestZZList(t *testing.T) {
	if os.Getenv("ZZ") == "" {
		t.Skip()
	}
	an := analyzer.New()
	x := New(an, DefaultParams())
	c := NewCorpus()
	var all []Doc
	for _, rel := range []string{"ant_multisource/articles.jsonl", "saudinewsnet/articles.jsonl"} {
		all = append(all, newsDocs(t, rel, 0)...)
	}
	if b, err := os.ReadFile("/tmp/nisba/corpus.bin"); err == nil {
		if err := c.UnmarshalBinary(b); err != nil {
			t.Fatal(err)
		}
	} else {
		for _, d := range all {
			c.Add(x.Prepare(d).Keys())
		}
		b, _ := c.MarshalBinary()
		os.WriteFile("/tmp/nisba/corpus.bin", b, 0o644)
	}
	step := len(all) / 30
	if os.Getenv("ZZOFF") != "" {
		step = len(all)/30 + 7
	}
	for i := 0; i < len(all); i += step {
		var s []string
		for _, tg := range x.Select(x.Features(x.Prepare(all[i]), c), nil, x.Params()) {
			s = append(s, tg.Surface)
		}
		fmt.Printf("%d %s → %s\n", i, all[i].Title, strings.Join(s, " | "))
	}
}
