package story

import (
	"encoding/binary"
	"math"
	"reflect"
	"slices"
	"testing"
	"time"

	"github.com/marsad/marsad"
)

func TestStateRoundTripsThroughItsRecord(t *testing.T) {
	at := time.Date(2018, 4, 12, 10, 0, 0, 0, time.UTC)
	tests := []struct {
		name string
		st   *State
	}{
		{"fresh story", &State{ID: 7, Title: "عنوان", TitleID: 3, First: at, Last: at, Size: 1, Sources: []string{"bbc"},
			Centroid: Vector{{K: 1, W: 0.5}, {K: 9, W: 0.25}}}},
		{"decayed story with members", &State{ID: 8, Title: "قمة", TitleID: 4, TitleSim: 0.61, First: at, Last: at.Add(5 * time.Hour),
			Size: 3, Mass: 2.4, At: at.Add(5 * time.Hour), Sources: []string{"cnn", "f24"},
			Centroid: Vector{{K: 2, W: 1.5}},
			Members: []Member{{ID: 4, Published: at, Vec: Vector{{K: 2, W: 1}}},
				{ID: 5, Published: at.Add(5 * time.Hour), Vec: Vector{{K: 3, W: 0.75}}}}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec, err := tt.st.Record()
			if err != nil {
				t.Fatal(err)
			}
			if rec.Articles != tt.st.Size || rec.Outlets != len(tt.st.Sources) || rec.Title != tt.st.Title {
				t.Errorf("record %+v does not show the story's display fields", rec.Story)
			}
			got, ok, err := StateOf(rec)
			if err != nil || !ok {
				t.Fatalf("StateOf: ok %v, %v", ok, err)
			}
			if !reflect.DeepEqual(got, tt.st) {
				t.Errorf("round trip:\n got %+v\nwant %+v", got, tt.st)
			}
		})
	}
}

func TestStateOfAStoryWithoutStateOrWithACorruptOne(t *testing.T) {
	if _, ok, err := StateOf(&marsad.StoryRecord{Story: marsad.Story{ID: 1}}); ok || err != nil {
		t.Errorf("a story stored without state: ok %v, err %v; want not joinable, no error", ok, err)
	}
	rec, err := (&State{ID: 2, Centroid: Vector{{K: 1, W: 1}}}).Record()
	if err != nil {
		t.Fatal(err)
	}
	for _, cut := range []int{1, 10, len(rec.State) - 1} {
		bad := *rec
		bad.State = rec.State[:cut]
		if _, _, err := StateOf(&bad); err == nil {
			t.Errorf("state cut to %d bytes decoded without error", cut)
		}
	}
}

// stateV1 is the first encoding of a State (the centroid always in full),
// as stores written before version 2 hold it.
func stateV1(st *State) []byte {
	b := []byte{1}
	b = binary.LittleEndian.AppendUint64(b, math.Float64bits(st.TitleSim))
	b = binary.LittleEndian.AppendUint64(b, math.Float64bits(st.Mass))
	var at int64
	if !st.At.IsZero() {
		at = st.At.Unix()
	}
	b = binary.AppendVarint(b, at)
	b = AppendVector(b, st.Centroid)
	b = binary.AppendUvarint(b, uint64(len(st.Members)))
	for _, m := range st.Members {
		b = binary.AppendVarint(b, m.ID)
		b = binary.AppendVarint(b, m.Published.Unix())
		b = AppendVector(b, m.Vec)
	}
	return b
}

func TestStateOfOneArticleWritesItsVectorOnce(t *testing.T) {
	at := time.Date(2018, 5, 3, 9, 0, 0, 0, time.UTC)
	v := make(Vector, 80)
	for i := range v {
		v[i] = Term{K: uint64(i*7919 + 1), W: float32(i+1) / 100}
	}
	single := &State{ID: 11, Title: "خبر", TitleID: 5, TitleSim: foundingTitleSim, First: at, Last: at, Size: 1, Mass: 1, At: at,
		Sources: []string{"bbc"}, Centroid: v, Members: []Member{{ID: 5, Published: at, Vec: v}}}
	rec, err := single.Record()
	if err != nil {
		t.Fatal(err)
	}
	// One vector of 80 terms is 12 bytes a term: the centroid named by
	// its member, not written a second time.
	if full := len(stateV1(single)); len(rec.State) > full-80*12+8 {
		t.Errorf("state of a one-article story: %d bytes, want at most %d (its vector once)", len(rec.State), full-80*12+8)
	}
	got, ok, err := StateOf(rec)
	if err != nil || !ok {
		t.Fatalf("StateOf: ok %v, %v", ok, err)
	}
	if !reflect.DeepEqual(got, single) {
		t.Errorf("round trip:\n got %+v\nwant %+v", got, single)
	}
	// A store written before version 2 holds the first encoding: it reads
	// back to the same state, for this story and for one whose centroid
	// is not a member's.
	grown := *single
	grown.Size, grown.Centroid = 2, Vector{{K: 1, W: 0.75}, {K: 8, W: 1.25}}
	grown.Members = append(slices.Clone(single.Members), Member{ID: 6, Published: at.Add(time.Hour), Vec: Vector{{K: 8, W: 1}}})
	for _, st := range []*State{single, &grown} {
		old := *rec
		old.State, old.Articles = stateV1(st), st.Size
		back, ok, err := StateOf(&old)
		if err != nil || !ok {
			t.Fatalf("StateOf a version-1 state: ok %v, %v", ok, err)
		}
		if !reflect.DeepEqual(back.Centroid, st.Centroid) || !reflect.DeepEqual(back.Members, st.Members) || back.Mass != st.Mass {
			t.Errorf("version-1 state read back:\n got %+v\nwant %+v", back, st)
		}
	}
	// A reference past the members is corrupt.
	bad := *rec
	bad.State = slices.Clone(rec.State)
	bad.State[1+16+binary.PutVarint(make([]byte, 10), at.Unix())] = 2
	if _, _, err := StateOf(&bad); err == nil {
		t.Error("a centroid naming a member that is not there decoded without error")
	}
}
