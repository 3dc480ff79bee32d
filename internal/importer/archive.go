package importer

import (
	"time"

	"github.com/marsad/marsad"
)

// Archived is what a line of `marsad export` adds to the import format
// under "marsad": the article's identity in its store and what the stages
// decided for it, so that `marsad import` restores an archive as it was
// instead of deciding again (see Options.Restore and docs/ARCHITECTURE.md,
// "Moving an archive").
type Archived struct {
	ID int64 `json:"id"` // the article's id in the store it came from
	// Analyzer is the analyzer version of that store: tag keys are its
	// terms, so tags of another version are not restored (found again).
	Analyzer         int       `json:"analyzer"`
	Fetched          time.Time `json:"fetched"`
	PublishedClaimed time.Time `json:"published_claimed,omitzero"`
	// CopyOf is the id of the original this article copies (dedup's
	// canonical article), 0 when it is an original.
	CopyOf int64 `json:"copy_of,omitempty"`
	// Story is the story the article belongs to; StoryRecord is that
	// story, written on the line of its first member (by id) only.
	Story       int64          `json:"story,omitempty"`
	StoryRecord *ArchivedStory `json:"story_record,omitempty"`
	// Tags are the tags the tag stage found (the publisher's among them,
	// flagged), best first.
	Tags []marsad.ArticleTag `json:"tags,omitempty"`
	// Owed names the stages that had not processed the article yet: their
	// fields above are empty, and the restored article is owed to them.
	Owed []string `json:"owed,omitempty"`
}

// ArchivedStory is a story as exported: its display fields and the
// clusterer's state blob (base64 in JSON), so a restored archive goes on
// clustering new articles into its stories.
type ArchivedStory struct {
	ID             int64     `json:"id"`
	Title          string    `json:"title"`
	TitleArticleID int64     `json:"title_article_id"`
	FirstSeen      time.Time `json:"first_seen"`
	LastSeen       time.Time `json:"last_seen"`
	Articles       int       `json:"articles"`
	Sources        []string  `json:"sources"`
	State          []byte    `json:"state,omitempty"`
}

// Line is one line of the JSONL format as `marsad export` writes it: the
// import fields, and marsad's own under "marsad".
type Line struct {
	URL        string    `json:"url"`
	Title      string    `json:"title"`
	Body       string    `json:"body"`
	HTML       string    `json:"html,omitempty"`
	Summary    string    `json:"summary,omitempty"`
	Source     string    `json:"source"`
	SourceName string    `json:"source_name"`
	Published  time.Time `json:"published"`
	Author     string    `json:"author,omitempty"`
	Tags       []string  `json:"tags,omitempty"`
	Category   string    `json:"category,omitempty"`
	ID         string    `json:"id,omitempty"`
	Lang       string    `json:"lang,omitempty"`
	Marsad     *Archived `json:"marsad"`
}

// Entry is one line read: the article, and marsad's own fields when the
// line comes from an export.
type Entry struct {
	Raw      *marsad.RawArticle
	Archived *Archived
}
