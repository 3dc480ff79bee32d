package marsad

// FeedService reads and writes followed feeds and their health.
// (Filled in by the feeds work: see internal/feeds.)
type FeedService interface{}
