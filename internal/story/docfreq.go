package story

import (
	"bytes"
	"encoding/binary"
	"errors"
	"math"
)

// sketchBits is log2 of the counters per row of the document-frequency
// sketch. Two rows of 2^21 counters (16 MiB) keep the over-count of a
// rare term small at the vocabulary of millions of articles (a term is
// over-counted only when both of its counters collide with frequent
// terms), and the memory and the checkpoint size never grow.
const sketchBits = 21

// DocFreq counts in how many documents each feature occurred: a count-min
// sketch (two rows, the smaller count wins) over feature hashes, plus the
// number of documents counted.
type DocFreq struct {
	n    int64
	rows [2][]uint32
}

// NewDocFreq returns an empty sketch.
func NewDocFreq() *DocFreq {
	return &DocFreq{rows: [2][]uint32{make([]uint32, 1<<sketchBits), make([]uint32, 1<<sketchBits)}}
}

func slots(k uint64) (uint64, uint64) {
	const mask = 1<<sketchBits - 1
	return k & mask, (k >> 32) & mask
}

// Add counts one document with the given distinct features.
func (d *DocFreq) Add(keys []uint64) {
	for _, k := range keys {
		a, b := slots(k)
		d.rows[0][a]++
		d.rows[1][b]++
	}
	d.n++
}

// Remove uncounts one document counted by Add with the same features (a
// placement that was not saved).
func (d *DocFreq) Remove(keys []uint64) {
	for _, k := range keys {
		a, b := slots(k)
		d.rows[0][a]--
		d.rows[1][b]--
	}
	d.n--
}

// N is the number of documents counted.
func (d *DocFreq) N() int64 { return d.n }

// DF is the (over-)estimated document frequency of a feature.
func (d *DocFreq) DF(k uint64) uint32 {
	a, b := slots(k)
	return min(d.rows[0][a], d.rows[1][b])
}

// IDF is ln((N+1)/(df+1)) + 1: smoothed so that a term in every document
// still counts a little and an unseen term is not infinite.
func (d *DocFreq) IDF(k uint64) float64 {
	return math.Log(float64(d.n+1)/float64(d.DF(k)+1)) + 1
}

// dfMagic starts the compact encoding of the sketch. The first encoding
// (N, then every counter as a little-endian uint32: 16 MiB and 8 bytes,
// whatever was counted) is still read.
var dfMagic = []byte("mdf2")

// rawSize is the length of the first encoding.
const rawSize = 8 + 8<<sketchBits

// MarshalBinary encodes the sketch compactly: dfMagic, N, then for each
// row the non-zero counters as (zeros skipped, count) uvarint pairs and the
// row's trailing zeros. The stage writes it every checkpointEvery articles
// in the story transaction; the raw 16 MiB, most of it zeros and small
// counts, filled SQLite's whole write-ahead log each time (4,096 pages of
// 4 KiB: a checkpoint of the log in that commit) and was the largest
// write of the story stage (5.6 KB per article counted). Encoded, the
// sketch of the two archives (14,452 articles counted) takes 2.2 MB, and
// of ten copies of them 2.2 MB: ×0.13, the same counts.
func (d *DocFreq) MarshalBinary() ([]byte, error) {
	b := make([]byte, 0, 1<<20)
	b = append(b, dfMagic...)
	b = binary.AppendUvarint(b, uint64(d.n))
	for _, r := range d.rows {
		var zeros uint64
		for _, c := range r {
			if c == 0 {
				zeros++
				continue
			}
			b = binary.AppendUvarint(b, zeros)
			b = binary.AppendUvarint(b, uint64(c))
			zeros = 0
		}
		b = binary.AppendUvarint(b, zeros)
	}
	return b, nil
}

var errCorruptDocFreq = errors.New("story: corrupt doc-frequency sketch")

// UnmarshalBinary decodes MarshalBinary's output, or the first (raw)
// encoding.
func (d *DocFreq) UnmarshalBinary(b []byte) error {
	if !bytes.HasPrefix(b, dfMagic) {
		return d.unmarshalRaw(b)
	}
	nd := NewDocFreq()
	b = b[len(dfMagic):]
	next := func() (uint64, bool) {
		v, k := binary.Uvarint(b)
		if k <= 0 {
			return 0, false
		}
		b = b[k:]
		return v, true
	}
	n, ok := next()
	if !ok || n > math.MaxInt64 {
		return errCorruptDocFreq
	}
	nd.n = int64(n)
	for _, r := range nd.rows {
		pos := uint64(0)
		for {
			zeros, ok := next()
			if !ok || zeros > uint64(len(r))-pos {
				return errCorruptDocFreq
			}
			if pos += zeros; pos == uint64(len(r)) {
				break
			}
			c, ok := next()
			if !ok || c == 0 || c > math.MaxUint32 {
				return errCorruptDocFreq
			}
			r[pos] = uint32(c)
			pos++
		}
	}
	if len(b) != 0 {
		return errCorruptDocFreq
	}
	*d = *nd
	return nil
}

// unmarshalRaw decodes the first encoding: N, then both rows of
// little-endian uint32 counters.
func (d *DocFreq) unmarshalRaw(b []byte) error {
	if len(b) != rawSize {
		return errors.New("story: doc-frequency sketch of the wrong size")
	}
	*d = *NewDocFreq()
	d.n = int64(binary.LittleEndian.Uint64(b))
	b = b[8:]
	for _, r := range d.rows {
		for i := range r {
			r[i] = binary.LittleEndian.Uint32(b[4*i:])
		}
		b = b[4<<sketchBits:]
	}
	return nil
}
