package story

import (
	"reflect"
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
