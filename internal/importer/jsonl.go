// Package importer reads article dumps (JSONL) into raw articles for the
// pipeline, reporting each bad line with its number and reason.
package importer

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/marsad/marsad"
)

// MaxLineBytes bounds one JSONL line; a longer line is reported and skipped
// without ever being held whole. It leaves room for the largest article the
// pipeline takes (a 2 MiB body or an 8 MiB page) written with JSON escapes.
const MaxLineBytes = 16 << 20

// record is one JSONL line as documented in README.md.
type record struct {
	ID         string          `json:"id"`
	URL        string          `json:"url"`
	Title      string          `json:"title"`
	Body       string          `json:"body"`
	HTML       string          `json:"html"`
	Summary    string          `json:"summary"`
	Source     string          `json:"source"`
	SourceName string          `json:"source_name"`
	Published  string          `json:"published"`
	Author     string          `json:"author"`
	Tags       json.RawMessage `json:"tags"`
	Category   string          `json:"category"`
	Lang       string          `json:"lang"`
	Marsad     *Archived       `json:"marsad"`
}

// LineError is a line that could not be read as an article.
type LineError struct {
	Name   string // file name, "-" for standard input
	Line   int
	Reason string
}

func (e *LineError) Error() string { return fmt.Sprintf("%s:%d: %s", e.Name, e.Line, e.Reason) }

// Reader reads raw articles from JSONL, one object per line.
type Reader struct {
	name string
	r    *bufio.Reader
	line int
	buf  []byte // the current line, reused; never more than maxLine bytes
	// maxLine is MaxLineBytes but for tests.
	maxLine int
	// Location is the time zone of published times written without one
	// (default UTC).
	Location *time.Location
}

// NewReader returns a Reader over r; name is used in error messages.
func NewReader(r io.Reader, name string) *Reader {
	return &Reader{name: name, r: bufio.NewReaderSize(r, 1<<20), Location: time.UTC, maxLine: MaxLineBytes}
}

// Next returns the next article, without marsad's own fields of an
// exported line (NextEntry returns them). A bad line gives a *LineError
// and Next can be called again; io.EOF ends the input; any other error is
// fatal.
func (rd *Reader) Next() (*marsad.RawArticle, error) {
	e, err := rd.NextEntry()
	if err != nil {
		return nil, err
	}
	return e.Raw, nil
}

// NextEntry returns the next line's article and, for a line of an export,
// marsad's own fields, checked: a bad line gives a *LineError and
// NextEntry can be called again; io.EOF ends the input; any other error is
// fatal.
func (rd *Reader) NextEntry() (*Entry, error) {
	for {
		line, size, err := rd.readLine()
		if err != nil {
			return nil, err
		}
		rd.line++
		if size > rd.maxLine {
			return nil, rd.bad("line of %d bytes is over the limit of %d", size, rd.maxLine)
		}
		if len(bytes.TrimSpace(line)) == 0 {
			continue
		}
		if !utf8.Valid(line) {
			return nil, rd.bad("invalid UTF-8")
		}
		var rec record
		if err := json.Unmarshal(line, &rec); err != nil {
			return nil, rd.bad("not a JSON object: %v", err)
		}
		raw, err := rd.article(&rec)
		if err != nil {
			return nil, err
		}
		if rec.Marsad != nil {
			if err := rd.checkArchived(rec.Marsad); err != nil {
				return nil, err
			}
		}
		return &Entry{Raw: raw, Archived: rec.Marsad}, nil
	}
}

// checkArchived refuses marsad fields that cannot be restored as given.
func (rd *Reader) checkArchived(a *Archived) error {
	switch {
	case a.ID <= 0:
		return rd.bad("marsad.id: want a positive article id, got %d", a.ID)
	case a.CopyOf < 0 || a.CopyOf == a.ID:
		return rd.bad("marsad.copy_of: %d is not another article's id", a.CopyOf)
	case a.Story < 0:
		return rd.bad("marsad.story: %d is not a story id", a.Story)
	case a.StoryRecord != nil && a.StoryRecord.ID != a.Story:
		return rd.bad("marsad.story_record: story %d on an article of story %d", a.StoryRecord.ID, a.Story)
	case a.Fetched.IsZero():
		return rd.bad("marsad.fetched: missing")
	}
	for _, t := range a.Tags {
		if t.Key == "" || t.Surface == "" {
			return rd.bad("marsad.tags: a tag without key or surface")
		}
	}
	return nil
}

// Line returns the number of the line last read.
func (rd *Reader) Line() int { return rd.line }

func (rd *Reader) bad(format string, args ...any) error {
	return &LineError{Name: rd.name, Line: rd.line, Reason: fmt.Sprintf(format, args...)}
}

// readLine returns one line without its newline and the line's length in
// bytes. A line longer than maxLine is not kept: the rest of it is read
// and dropped up to the next newline, so memory stays bounded whatever the
// input, and only its length is returned (with a nil line).
func (rd *Reader) readLine() ([]byte, int, error) {
	rd.buf = rd.buf[:0]
	size := 0
	for {
		chunk, err := rd.r.ReadSlice('\n')
		size += len(chunk)
		if size <= rd.maxLine+2 { // room for "\r\n"
			rd.buf = append(rd.buf, chunk...)
		}
		switch {
		case err == nil, errors.Is(err, io.EOF) && size > 0:
			if size > rd.maxLine+2 {
				if err == nil {
					size-- // the newline
				}
				return nil, size, nil
			}
			line := bytes.TrimRight(rd.buf, "\r\n")
			return line, len(line), nil
		case errors.Is(err, bufio.ErrBufferFull):
			continue
		default:
			return nil, 0, err
		}
	}
}

func (rd *Reader) article(rec *record) (*marsad.RawArticle, error) {
	if strings.TrimSpace(rec.URL) == "" {
		return nil, rd.bad("no url")
	}
	if strings.TrimSpace(rec.Body) == "" && strings.TrimSpace(rec.HTML) == "" &&
		strings.TrimSpace(rec.Title) == "" && strings.TrimSpace(rec.Summary) == "" {
		return nil, rd.bad("no text (title, body, html and summary are empty)")
	}
	var published time.Time
	if rec.Published != "" {
		t, err := ParseTime(rec.Published, rd.Location)
		if err != nil {
			return nil, rd.bad("published: %v", err)
		}
		published = t
	}
	tags, err := parseTags(rec.Tags)
	if err != nil {
		return nil, rd.bad("tags: %v", err)
	}
	return &marsad.RawArticle{
		URL: rec.URL, Title: rec.Title, Body: rec.Body, HTML: rec.HTML, Summary: rec.Summary,
		Source: rec.Source, SourceName: rec.SourceName, Published: published, Author: rec.Author,
		Tags: tags, Category: rec.Category, ID: rec.ID, Lang: rec.Lang,
		Where: fmt.Sprintf("%s:%d", rd.name, rd.line),
	}, nil
}

// parseTags accepts a JSON array of strings or one string of tags separated
// by commas (Latin or Arabic).
func parseTags(raw json.RawMessage) ([]string, error) {
	if len(raw) == 0 || string(raw) == "null" {
		return nil, nil
	}
	var list []string
	if err := json.Unmarshal(raw, &list); err == nil {
		return list, nil
	}
	var s string
	if err := json.Unmarshal(raw, &s); err != nil {
		return nil, errors.New("want an array of strings or a comma-separated string")
	}
	return strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == '،' || r == ';' || r == '؛' }), nil
}

// timeLayouts are the published formats seen in dumps and feeds.
var timeLayouts = []string{
	time.RFC3339Nano,
	"2006-01-02T15:04:05",
	"2006-01-02 15:04:05Z07:00",
	"2006-01-02 15:04:05",
	"2006-01-02T15:04",
	"2006-01-02",
	time.RFC1123Z,
	time.RFC1123,
	"Mon, 2 Jan 2006 15:04:05 -0700",
	"Mon, 2 Jan 2006 15:04:05 MST",
}

// ParseTime reads a published time in one of the common layouts; a time
// without zone is taken in loc.
func ParseTime(s string, loc *time.Location) (time.Time, error) {
	s = strings.TrimSpace(s)
	for _, l := range timeLayouts {
		if t, err := time.ParseInLocation(l, s, loc); err == nil {
			return t, nil
		}
	}
	return time.Time{}, fmt.Errorf("unknown time format %q", s)
}
