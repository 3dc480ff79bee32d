package tags

import (
	"encoding/binary"
	"errors"
	"fmt"

	"github.com/cespare/xxhash/v2"
)

// corpusBits is log2 of the counters per row of a Corpus. Three rows of
// 2^21 16-bit counters are 12 MiB whatever the archive's size; counts
// saturate at 65,535 documents, past which a word's IDF stops falling (it is
// near its floor by then).
const corpusBits = 21

// corpusRows is the number of hash rows; the smallest counter wins.
const corpusRows = 3

// Corpus counts, for every key of Prepared.Keys, the documents it occurs
// in: a count-min sketch with conservative update (a key's counters rise
// only as far as its new estimate), so memory never grows and a rare
// phrase is over-counted only when all three of its counters collide with
// more frequent keys. It implements Stats. Not safe for concurrent Add.
type Corpus struct {
	n    int64
	rows [corpusRows][]uint16
}

// NewCorpus returns an empty corpus.
func NewCorpus() *Corpus {
	c := &Corpus{}
	for i := range c.rows {
		c.rows[i] = make([]uint16, 1<<corpusBits)
	}
	return c
}

// hashKey is the hash a key is counted under.
func hashKey(key string) uint64 { return xxhash.Sum64String(key) }

// slots returns the counter of key in each row.
func slots(key string) [corpusRows]uint32 { return slotsOf(hashKey(key)) }

// slotsOf returns the counter of a hashed key in each row.
func slotsOf(h uint64) [corpusRows]uint32 {
	const mask = 1<<corpusBits - 1
	h2 := h*0x9E3779B97F4A7C15 + 1
	return [corpusRows]uint32{uint32(h & mask), uint32((h >> 32) & mask), uint32((h2 >> 40) & mask)}
}

// Add counts one document with its distinct keys (Prepared.Keys).
func (c *Corpus) Add(keys []string) {
	h := make([]uint64, len(keys))
	for i, k := range keys {
		h[i] = hashKey(k)
	}
	c.AddHashed(h)
}

// AddHashed counts one document with the hashes of its distinct keys
// (Prepared.Hashes).
func (c *Corpus) AddHashed(hashes []uint64) {
	for _, h := range hashes {
		s := slotsOf(h)
		est := c.estimate(s)
		if est == 0xFFFF {
			continue
		}
		for r := range c.rows {
			if c.rows[r][s[r]] == est {
				c.rows[r][s[r]] = est + 1
			}
		}
	}
	c.n++
}

func (c *Corpus) estimate(s [corpusRows]uint32) uint16 {
	m := c.rows[0][s[0]]
	for r := 1; r < corpusRows; r++ {
		m = min(m, c.rows[r][s[r]])
	}
	return m
}

// Docs is the number of documents counted.
func (c *Corpus) Docs() int { return int(c.n) }

// DF is the (over-)estimated number of documents holding key.
func (c *Corpus) DF(key string) int { return int(c.estimate(slots(key))) }

// corpusMagic starts a marshaled Corpus: a format name and version, so a
// store never reads another layout as counts.
const corpusMagic = "marsad-tags-corpus-1"

// MarshalBinary encodes the corpus: the magic, the document count, then
// each row's little-endian counters.
func (c *Corpus) MarshalBinary() ([]byte, error) {
	b := make([]byte, 0, len(corpusMagic)+8+corpusRows*2<<corpusBits)
	b = append(b, corpusMagic...)
	b = binary.LittleEndian.AppendUint64(b, uint64(c.n))
	for _, r := range c.rows {
		for _, v := range r {
			b = binary.LittleEndian.AppendUint16(b, v)
		}
	}
	return b, nil
}

// UnmarshalBinary decodes MarshalBinary's output.
func (c *Corpus) UnmarshalBinary(b []byte) error {
	want := len(corpusMagic) + 8 + corpusRows*2<<corpusBits
	if len(b) != want || string(b[:len(corpusMagic)]) != corpusMagic {
		return fmt.Errorf("tags: corpus statistics: %w (%d bytes, want %d starting %q)", errBadCorpus, len(b), want, corpusMagic)
	}
	*c = *NewCorpus()
	b = b[len(corpusMagic):]
	c.n = int64(binary.LittleEndian.Uint64(b))
	b = b[8:]
	for _, r := range c.rows {
		for i := range r {
			r[i] = binary.LittleEndian.Uint16(b[2*i:])
		}
		b = b[2<<corpusBits:]
	}
	return nil
}

var errBadCorpus = errors.New("not a marshaled corpus")
