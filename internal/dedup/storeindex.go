package dedup

import (
	"context"
	"encoding/binary"

	"github.com/marsad/marsad"
)

// StoreIndex returns an Index over a store's near-duplicate index: entries
// travel as marsad.DedupEntry with the shingle set in this package's own
// encoding (EncodeShingles), which the store keeps as a blob.
func StoreIndex(x marsad.DedupIndex) Index { return storeIndex{x} }

type storeIndex struct{ x marsad.DedupIndex }

func (s storeIndex) Indexed(ctx context.Context, ids []int64) (map[int64]bool, error) {
	return s.x.Indexed(ctx, ids)
}

func (s storeIndex) Postings(ctx context.Context, keys []int64) ([]Posting, error) {
	ps, err := s.x.Postings(ctx, keys)
	if err != nil {
		return nil, err
	}
	out := make([]Posting, len(ps))
	for i, p := range ps {
		out[i] = Posting{Key: p.Key, ID: p.ID}
	}
	return out, nil
}

func (s storeIndex) Entries(ctx context.Context, ids []int64) ([]Entry, error) {
	es, err := s.x.Entries(ctx, ids)
	if err != nil {
		return nil, err
	}
	out := make([]Entry, len(es))
	for i, e := range es {
		out[i] = Entry{ID: e.ID, Source: e.Source, Published: e.Published, CanonicalID: e.CanonicalID,
			Shingles: DecodeShingles(e.Sketch)}
	}
	return out, nil
}

func (s storeIndex) Put(ctx context.Context, entries []Entry, keys [][]int64) error {
	es := make([]marsad.DedupEntry, len(entries))
	for i, e := range entries {
		es[i] = marsad.DedupEntry{ID: e.ID, Source: e.Source, Published: e.Published, CanonicalID: e.CanonicalID,
			Sketch: EncodeShingles(e.Shingles)}
	}
	return s.x.Put(ctx, es, keys)
}

func (s storeIndex) Relink(ctx context.Context, oldCanonical, newCanonical int64) error {
	return s.x.Relink(ctx, oldCanonical, newCanonical)
}

// EncodeShingles packs a shingle set as little-endian uint32s: 4 bytes a
// shingle, read back without parsing.
func EncodeShingles(s []uint32) []byte {
	b := make([]byte, 4*len(s))
	for i, v := range s {
		binary.LittleEndian.PutUint32(b[4*i:], v)
	}
	return b
}

// DecodeShingles reads what EncodeShingles wrote.
func DecodeShingles(b []byte) []uint32 {
	s := make([]uint32, len(b)/4)
	for i := range s {
		s[i] = binary.LittleEndian.Uint32(b[4*i:])
	}
	return s
}
