package tags

import (
	"fmt"
	"os"
	"testing"
)

func TestZZSat(t *testing.T) {
	if os.Getenv("ZZ") == "" {
		t.Skip()
	}
	c := NewCorpus()
	b, _ := os.ReadFile("/tmp/nisba/corpus.bin")
	if err := c.UnmarshalBinary(b); err != nil {
		t.Fatal(err)
	}
	hist := map[int]int{}
	zero := 0
	for r := range c.rows {
		for _, v := range c.rows[r] {
			if v == 0 {
				zero++
			}
		}
	}
	for i := 0; i < 10000; i++ {
		hist[min(c.DF(fmt.Sprintf("nonsense %d key", i)), 10)]++
	}
	fmt.Println("docs", c.Docs(), "zero counters", zero, "of", 3<<corpusBits, "random keys df hist", hist)
}
