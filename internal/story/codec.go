package story

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"slices"
	"time"

	"github.com/marsad/marsad"
)

// stateVersion is the first byte of an encoded State: a store keeps the
// blob without reading it, and a future layout can tell old blobs apart.
// Version 1 wrote the centroid in full always; version 2 may name the
// member whose vector it equals (see MarshalBinary). Both are read.
const stateVersion = 2

var errCorruptState = errors.New("story state: corrupt")

// MarshalBinary encodes what the clusterer needs of a story beyond its
// display fields (which the store keeps as columns): the decayed centroid,
// the recent members with their vectors, the decayed mass and the title's
// claim. A stage restarted on the stored stories resumes with exactly the
// state it had.
//
// A story of one article (most of the stories a batch writes: 0.53 new
// stories per article in the two archives) has its member's vector as its
// centroid: the centroid is then written as that member's position rather
// than a second copy of the vector, halving the story's row (the state
// written per article placed in the two archives: 2,167 → 1,764 bytes).
func (st *State) MarshalBinary() ([]byte, error) {
	b := []byte{stateVersion}
	b = binary.LittleEndian.AppendUint64(b, math.Float64bits(st.TitleSim))
	b = binary.LittleEndian.AppendUint64(b, math.Float64bits(st.Mass))
	var at int64 // 0: not decayed yet
	if !st.At.IsZero() {
		at = st.At.Unix()
	}
	b = binary.AppendVarint(b, at)
	// 0: the centroid follows; i+1: it equals member i's vector.
	ref := 0
	for i, m := range st.Members {
		if slices.Equal(m.Vec, st.Centroid) {
			ref = i + 1
			break
		}
	}
	b = binary.AppendUvarint(b, uint64(ref))
	if ref == 0 {
		b = AppendVector(b, st.Centroid)
	}
	b = binary.AppendUvarint(b, uint64(len(st.Members)))
	for _, m := range st.Members {
		b = binary.AppendVarint(b, m.ID)
		b = binary.AppendVarint(b, m.Published.Unix())
		b = AppendVector(b, m.Vec)
	}
	return b, nil
}

// UnmarshalBinary decodes what MarshalBinary wrote (either version) into
// st, leaving the display fields as they are.
func (st *State) UnmarshalBinary(b []byte) error {
	if len(b) < 1+16 || (b[0] != 1 && b[0] != 2) {
		return errCorruptState
	}
	version := b[0]
	st.TitleSim = math.Float64frombits(binary.LittleEndian.Uint64(b[1:]))
	st.Mass = math.Float64frombits(binary.LittleEndian.Uint64(b[9:]))
	b = b[17:]
	at, k := binary.Varint(b)
	if k <= 0 {
		return errCorruptState
	}
	if st.At = (time.Time{}); at != 0 {
		st.At = time.Unix(at, 0).UTC()
	}
	rest := b[k:]
	ref := uint64(0)
	if version >= 2 {
		if ref, k = binary.Uvarint(rest); k <= 0 {
			return errCorruptState
		}
		rest = rest[k:]
	}
	st.Centroid = nil
	if ref == 0 {
		v, r, err := ReadVector(rest)
		if err != nil {
			return err
		}
		st.Centroid, rest = v, r
	}
	n, k := binary.Uvarint(rest)
	if k <= 0 || n > uint64(len(rest)) || ref > n {
		return errCorruptState
	}
	rest = rest[k:]
	st.Members = nil
	if n > 0 {
		st.Members = make([]Member, n)
	}
	for i := range st.Members {
		id, k1 := binary.Varint(rest)
		if k1 <= 0 {
			return errCorruptState
		}
		pub, k2 := binary.Varint(rest[k1:])
		if k2 <= 0 {
			return errCorruptState
		}
		v, r, err := ReadVector(rest[k1+k2:])
		if err != nil {
			return err
		}
		st.Members[i], rest = Member{ID: id, Published: time.Unix(pub, 0).UTC(), Vec: v}, r
	}
	if len(rest) != 0 {
		return errCorruptState
	}
	if ref > 0 {
		// A copy, as a centroid decoded on its own is: the model never
		// writes into a vector in place, but nothing here relies on it.
		st.Centroid = slices.Clone(st.Members[ref-1].Vec)
	}
	return nil
}

// Record returns the story as a store keeps it.
func (st *State) Record() (*marsad.StoryRecord, error) {
	blob, err := st.MarshalBinary()
	if err != nil {
		return nil, err
	}
	return &marsad.StoryRecord{
		Story: marsad.Story{ID: st.ID, Title: st.Title, TitleArticleID: st.TitleID, FirstSeen: st.First,
			LastSeen: st.Last, Articles: st.Size, Outlets: len(st.Sources)},
		Sources: slices.Clone(st.Sources),
		State:   blob,
	}, nil
}

// StateOf returns the clusterer's state of a stored story. A story stored
// without state (before the state moved into this package's encoding) is
// reported with ok false: it stays as it is and is not joined.
func StateOf(r *marsad.StoryRecord) (st *State, ok bool, err error) {
	if len(r.State) == 0 {
		return nil, false, nil
	}
	st = &State{ID: r.ID, Title: r.Title, TitleID: r.TitleArticleID, First: r.FirstSeen, Last: r.LastSeen,
		Size: r.Articles, Sources: slices.Clone(r.Sources)}
	if err := st.UnmarshalBinary(r.State); err != nil {
		return nil, false, fmt.Errorf("story %d: %w", r.ID, err)
	}
	return st, true, nil
}
