package pipeline

import (
	"fmt"
	"time"
	"unicode/utf8"

	"github.com/marsad/marsad"
)

// Field limits, in runes. An article with a field over its limit is refused
// with the field named, never cut: cutting would store a title or a URL its
// outlet never wrote, and one huge field (a 12 MiB title) would otherwise
// weigh on every page that lists the article. Each limit is several times
// the longest value of the development data (saudinewsnet and
// ant_multisource, 14,452 articles), so no real article comes near it.
const (
	// MaxTitleRunes: the longest real title has 181 runes.
	MaxTitleRunes = 1000
	// MaxSummaryRunes: teasers reach 717 runes, but some feeds put the
	// whole text in <description>, so a summary is bounded like a long
	// article (the longest real body has 21,119 runes).
	MaxSummaryRunes = 100_000
	// MaxAuthorRunes: the longest real byline has 127 runes.
	MaxAuthorRunes = 500
	// MaxTags and MaxTagRunes: pages name up to a handful of tags; one real
	// tag repeats a whole headline (110 runes).
	MaxTags     = 100
	MaxTagRunes = 300
	// MaxURLRunes: the sitemap protocol's limit; the longest real URL has
	// 381 runes (an Arabic slug).
	MaxURLRunes = 2048
	// MaxIDRunes: producer ids are short codes, but feed GUIDs are often URLs.
	MaxIDRunes = MaxURLRunes
	// MaxCategoryRunes: real sections have at most 17 runes.
	MaxCategoryRunes = 200
	// MaxSourceRunes bounds an outlet key (real: 12) and MaxSourceNameRunes
	// its display name (real: 24).
	MaxSourceRunes     = 100
	MaxSourceNameRunes = 300
	// MaxLangRunes: a BCP 47 tag in practice.
	MaxLangRunes = 35
)

// MaxFutureSkew is how far ahead of its arrival an article may say it was
// published. Beyond it the date is a mistake or a trick (an item dated 2099
// would stay first in every newest-first list for good): Published is set to
// the arrival time and the claim kept in PublishedClaimed. A day allows for
// any time zone written wrong.
const MaxFutureSkew = 24 * time.Hour

// checkFields returns why raw cannot be taken ("" when it can): a field
// over its limit, named with its length and the limit. maxBody bounds the
// body in bytes, the HTML page in 4× that.
func checkFields(raw *marsad.RawArticle, maxBody int) string {
	if len(raw.Body) > maxBody {
		return fmt.Sprintf("body of %d bytes is over the limit of %d", len(raw.Body), maxBody)
	}
	if len(raw.HTML) > 4*maxBody {
		return fmt.Sprintf("html of %d bytes is over the limit of %d", len(raw.HTML), 4*maxBody)
	}
	for _, f := range [...]struct {
		name  string
		s     string
		limit int
	}{
		{"url", raw.URL, MaxURLRunes},
		{"title", raw.Title, MaxTitleRunes},
		{"summary", raw.Summary, MaxSummaryRunes},
		{"author", raw.Author, MaxAuthorRunes},
		{"category", raw.Category, MaxCategoryRunes},
		{"source", raw.Source, MaxSourceRunes},
		{"source_name", raw.SourceName, MaxSourceNameRunes},
		{"id", raw.ID, MaxIDRunes},
		{"lang", raw.Lang, MaxLangRunes},
	} {
		if msg := overLimit(f.name, f.s, f.limit); msg != "" {
			return msg
		}
	}
	if len(raw.Tags) > MaxTags {
		return fmt.Sprintf("%d tags are over the limit of %d", len(raw.Tags), MaxTags)
	}
	for i, t := range raw.Tags {
		if msg := overLimit(fmt.Sprintf("tag %d", i+1), t, MaxTagRunes); msg != "" {
			return msg
		}
	}
	return ""
}

// overLimit says that field s is longer than limit runes, or returns "".
// The byte length decides most cases without counting: a string of at most
// limit bytes has at most limit runes, and one of more than 4×limit bytes
// has more (a rune is at most 4 bytes).
func overLimit(name, s string, limit int) string {
	if len(s) <= limit {
		return ""
	}
	if len(s) <= 4*limit {
		if utf8.RuneCountInString(s) <= limit {
			return ""
		}
		return fmt.Sprintf("%s of %d characters is over the limit of %d", name, utf8.RuneCountInString(s), limit)
	}
	return fmt.Sprintf("%s of %d bytes is over the limit of %d characters", name, len(s), limit)
}

// capExtracted bounds what extraction took from a page, which no producer
// can be told about: fields over their limit are dropped (the article keeps
// its body; a title then falls back to none) and tags beyond MaxTags or
// MaxTagRunes are left out.
func capExtracted(a *marsad.Article) {
	if overLimit("", a.Title, MaxTitleRunes) != "" {
		a.Title = ""
	}
	if overLimit("", a.Author, MaxAuthorRunes) != "" {
		a.Author = ""
	}
	if overLimit("", a.Category, MaxCategoryRunes) != "" {
		a.Category = ""
	}
	if overLimit("", a.Lang, MaxLangRunes) != "" {
		a.Lang = ""
	}
	tags := a.Tags[:0]
	for _, t := range a.Tags {
		if len(tags) < MaxTags && overLimit("", t, MaxTagRunes) == "" {
			tags = append(tags, t)
		}
	}
	a.Tags = tags
}

// settleFuture keeps a publication time more than MaxFutureSkew ahead of
// the arrival out of Published: the article is dated at its arrival and
// the claim is kept, flagged, in PublishedClaimed.
func settleFuture(a *marsad.Article) {
	if a.Published.After(a.Fetched.Add(MaxFutureSkew)) {
		a.PublishedClaimed = a.Published
		a.Published = a.Fetched
	}
}
