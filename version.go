package marsad

import "context"

// VersionService tells readers when what they show may have changed, so
// that pages computed from the store can be kept until then.
type VersionService interface {
	// DataVersion returns a value that differs from every earlier value
	// once anything readers see has been committed — articles, copy links,
	// stories, feeds — by this process or by any other one sharing the
	// store. It is cheap enough to call once per request. Any error is
	// internal (EINTERNAL).
	DataVersion(ctx context.Context) (int64, error)
}
