package marsad

// StoryService reads and writes stories and duplicate links.
// (Filled in by the story work: see internal/story and internal/dedup.)
type StoryService interface{}
