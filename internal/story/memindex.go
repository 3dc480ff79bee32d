package story

import (
	"context"
	"slices"
	"time"
)

// MemIndex is an in-memory Index for evaluations, tests and rebuilds that
// do not need the store.
type MemIndex struct {
	stories  map[int64]*State
	postings map[string][]int64
	df       map[string]int
	n        int
	assigned map[int64]int64
	nextID   int64
}

// NewMemIndex returns an empty index.
func NewMemIndex() *MemIndex {
	return &MemIndex{stories: map[int64]*State{}, postings: map[string][]int64{}, df: map[string]int{}, assigned: map[int64]int64{}}
}

// Candidates implements Index: stories ranked by the number of query terms
// in their postings.
func (m *MemIndex) Candidates(_ context.Context, terms []string, since time.Time, limit int) ([]*State, error) {
	hits := map[int64]int{}
	for _, t := range terms {
		for _, id := range m.postings[t] {
			if st, ok := m.stories[id]; ok && !st.Last.Before(since) {
				hits[id]++
			}
		}
	}
	ids := make([]int64, 0, len(hits))
	for id := range hits {
		ids = append(ids, id)
	}
	slices.SortFunc(ids, func(a, b int64) int {
		if hits[a] != hits[b] {
			return hits[b] - hits[a]
		}
		return int(a - b)
	})
	if limit > 0 && len(ids) > limit {
		ids = ids[:limit]
	}
	out := make([]*State, len(ids))
	for i, id := range ids {
		c := *m.stories[id] // callers modify what they get; postings follow the stored copy
		c.Sources = slices.Clone(c.Sources)
		c.Members = slices.Clone(c.Members)
		out[i] = &c
	}
	return out, nil
}

// Put implements Index.
func (m *MemIndex) Put(_ context.Context, st *State, article int64) error {
	if st.ID == 0 {
		m.nextID++
		st.ID = m.nextID
	}
	if old, ok := m.stories[st.ID]; ok {
		for _, t := range old.Centroid {
			m.postings[t.T] = slices.DeleteFunc(m.postings[t.T], func(id int64) bool { return id == st.ID })
		}
	}
	c := *st
	m.stories[st.ID] = &c
	for _, t := range st.Centroid {
		m.postings[t.T] = append(m.postings[t.T], st.ID)
	}
	m.assigned[article] = st.ID
	return nil
}

// DocFreq implements Index.
func (m *MemIndex) DocFreq(_ context.Context, terms []string) (map[string]int, int, error) {
	out := make(map[string]int, len(terms))
	for _, t := range terms {
		out[t] = m.df[t]
	}
	return out, m.n, nil
}

// AddDocFreq implements Index.
func (m *MemIndex) AddDocFreq(_ context.Context, docs [][]string) error {
	for _, d := range docs {
		for _, t := range d {
			m.df[t]++
		}
	}
	m.n += len(docs)
	return nil
}

// StoryOf returns the story an article was assigned to (0 if none).
func (m *MemIndex) StoryOf(article int64) int64 { return m.assigned[article] }

// Story returns a story by id.
func (m *MemIndex) Story(id int64) *State { return m.stories[id] }

// Merge implements Index.
func (m *MemIndex) Merge(_ context.Context, into *State, from int64) error {
	if old, ok := m.stories[from]; ok {
		for _, t := range old.Centroid {
			m.postings[t.T] = slices.DeleteFunc(m.postings[t.T], func(id int64) bool { return id == from })
		}
	}
	delete(m.stories, from)
	for a, s := range m.assigned {
		if s == from {
			m.assigned[a] = into.ID
		}
	}
	return nil
}
