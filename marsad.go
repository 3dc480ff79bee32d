// Package marsad holds the domain of the aggregation engine: articles, sources,
// feeds, stories and tags, the store interfaces over them and the application
// error type. It depends on nothing but the standard library, so that every
// other package (stores, pipeline, web) can use it without import cycles.
package marsad
