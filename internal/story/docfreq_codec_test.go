package story

import (
	"encoding/binary"
	"math/rand/v2"
	"slices"
	"testing"
)

// rawDocFreq is the first encoding of the sketch, as stores written
// before the compact one hold it.
func rawDocFreq(d *DocFreq) []byte {
	b := binary.LittleEndian.AppendUint64(nil, uint64(d.n))
	for _, r := range d.rows {
		for _, c := range r {
			b = binary.LittleEndian.AppendUint32(b, c)
		}
	}
	return b
}

func sameDocFreq(t *testing.T, what string, got, want *DocFreq) {
	t.Helper()
	if got.n != want.n || !slices.Equal(got.rows[0], want.rows[0]) || !slices.Equal(got.rows[1], want.rows[1]) {
		t.Fatalf("%s: the sketch read back differs (n %d, want %d)", what, got.n, want.n)
	}
}

func TestDocFreqEncodingIsCompactAndExact(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	full := NewDocFreq()
	for range 3000 { // documents of 300 features from a vocabulary of 200,000
		keys := make([]uint64, 300)
		for i := range keys {
			keys[i] = Hash(string(rune(rng.IntN(200_000))))
		}
		full.Add(keys)
	}
	// The first and the last counter of each row, and a count past a
	// uvarint's two bytes.
	full.rows[0][0], full.rows[1][len(full.rows[1])-1] = 1, 1<<31
	for _, tc := range []struct {
		name string
		d    *DocFreq
	}{{"empty", NewDocFreq()}, {"3,000 documents", full}} {
		blob, err := tc.d.MarshalBinary()
		if err != nil {
			t.Fatal(err)
		}
		var back DocFreq
		if err := back.UnmarshalBinary(blob); err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		sameDocFreq(t, tc.name, &back, tc.d)
		// The checkpoint is written in the story transaction every
		// checkpointEvery articles: it must not cost the raw 16 MiB.
		if len(blob) > rawSize/4 {
			t.Errorf("%s: encoded in %d bytes, want at most a quarter of the raw %d", tc.name, len(blob), rawSize)
		}
		if err := back.UnmarshalBinary(blob[:len(blob)-1]); err == nil {
			t.Errorf("%s: a truncated sketch decoded without error", tc.name)
		}
	}
	// A store written before the compact encoding holds the raw one.
	var old DocFreq
	if err := old.UnmarshalBinary(rawDocFreq(full)); err != nil {
		t.Fatal(err)
	}
	sameDocFreq(t, "the raw encoding", &old, full)
}
