package story

import (
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

// MarshalBinary encodes the sketch: N, then both rows of little-endian
// uint32 counters.
func (d *DocFreq) MarshalBinary() ([]byte, error) {
	b := make([]byte, 0, 8+8<<sketchBits)
	b = binary.LittleEndian.AppendUint64(b, uint64(d.n))
	for _, r := range d.rows {
		for _, c := range r {
			b = binary.LittleEndian.AppendUint32(b, c)
		}
	}
	return b, nil
}

// UnmarshalBinary decodes MarshalBinary's output.
func (d *DocFreq) UnmarshalBinary(b []byte) error {
	if len(b) != 8+8<<sketchBits {
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
