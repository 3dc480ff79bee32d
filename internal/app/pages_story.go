package app

import (
	"cmp"
	"context"
	"slices"

	"github.com/marsad/marsad"
)

// CopyGroup is one text as a story or list shows it: the article read first
// (the group's canonical one when the story holds it) and its copies, one
// per other outlet, each with its outlet, time and title.
type CopyGroup struct {
	Article *marsad.Article
	Copies  []*marsad.Article
}

// StoryPage is a story's full coverage: every text once, copies folded
// under it, in published order (a timeline), one page of groups.
type StoryPage struct {
	Story   *marsad.Story
	Outlets []*marsad.Source
	Groups  []CopyGroup
	Page    int
	Pages   int
	Total   int // copy groups in the story
}

// Story returns page (1-based) of a story's coverage. ENOTFOUND when there
// is no such story; EINVALID for a page beyond MaxPage.
func (p *Pages) Story(ctx context.Context, id int64, page int) (*StoryPage, error) {
	page, err := pageArg(page)
	if err != nil {
		return nil, err
	}
	st, err := p.store.FindStoryByID(ctx, id)
	if err != nil {
		return nil, err
	}
	members, _, err := p.store.FindArticles(ctx, marsad.ArticleFilter{StoryID: &id, NoText: true, Limit: storyMembersRead})
	if err != nil {
		return nil, err
	}
	outlets, err := p.outlets(ctx)
	if err != nil {
		return nil, err
	}
	groups := foldCopies(members)
	out := &StoryPage{Story: st, Outlets: items([]*marsad.Story{st}, outlets)[0].Outlets,
		Page: page, Total: len(groups), Pages: pagesOf(len(groups), GroupsPerPage)}
	from := min(len(groups), (page-1)*GroupsPerPage)
	out.Groups = groups[from:min(len(groups), from+GroupsPerPage)]
	return out, nil
}

// foldCopies groups articles by copy group (CanonicalID), in published
// order. A group shows its canonical article when present (else its first
// member), and under it one copy per outlet other than the head's: an
// outlet that stored one text twice is named once.
func foldCopies(list []*marsad.Article) []CopyGroup {
	sorted := slices.Clone(list)
	slices.SortFunc(sorted, func(a, b *marsad.Article) int {
		return cmp.Or(a.Published.Compare(b.Published), cmp.Compare(a.ID, b.ID))
	})
	byKey := map[int64]int{}
	var groups []CopyGroup
	var members [][]*marsad.Article
	for _, a := range sorted {
		key := cmp.Or(a.CanonicalID, a.ID)
		i, ok := byKey[key]
		if !ok {
			i = len(groups)
			byKey[key] = i
			groups = append(groups, CopyGroup{})
			members = append(members, nil)
		}
		members[i] = append(members[i], a)
	}
	for i, ms := range members {
		head := ms[0]
		for _, a := range ms {
			if a.CanonicalID == 0 {
				head = a
				break
			}
		}
		groups[i] = CopyGroup{Article: head, Copies: onePerOutlet(ms, head.ID, head.SourceID)}
	}
	return groups
}

// onePerOutlet returns the first article of each outlet in list, leaving
// out the article skip and every article of the outlet skipSource.
func onePerOutlet(list []*marsad.Article, skip, skipSource int64) []*marsad.Article {
	seen := map[int64]bool{skipSource: true}
	var out []*marsad.Article
	for _, a := range list {
		if a.ID == skip || seen[a.SourceID] {
			continue
		}
		seen[a.SourceID] = true
		out = append(out, a)
	}
	return out
}

// ArticlePage is everything an article's page shows.
type ArticlePage struct {
	Article *marsad.Article
	// Original is the text's canonical article when this one is a copy of
	// another outlet's (the wire agency's when the group has one): the
	// source the text comes from. Nil otherwise.
	Original *marsad.Article
	// Copies are the other outlets that published this text, one line per
	// outlet (the reader's outlet and Original's left out).
	Copies []*marsad.Article
	// Story is the article's story when it has other members; AlsoCovered
	// the story's other outlets (one article each, no copy of this text).
	Story       *marsad.Story
	AlsoCovered []*marsad.Article
	// Tags are the article's tags (TagSource), else its publisher's tags;
	// TagLinks tells whether tag pages exist for them.
	Tags     []Tag
	TagLinks bool
	// ReadAlso and Similar come from the RelatedSource, when set, without
	// the article itself, its copies or one item twice.
	ReadAlso []*marsad.Article
	Similar  []*marsad.Article
	// RelatedPending is true when the lists are still being computed:
	// the page goes out without them and should not be kept long.
	RelatedPending bool
}

// Article returns an article's page. ENOTFOUND when there is none.
func (p *Pages) Article(ctx context.Context, id int64) (*ArticlePage, error) {
	a, err := p.store.FindArticleByID(ctx, id)
	if err != nil {
		return nil, err
	}
	out := &ArticlePage{Article: a}
	copies, err := p.store.FindCopies(ctx, id)
	if err != nil {
		return nil, err
	}
	group := map[int64]bool{a.ID: true}
	for _, c := range copies {
		group[c.ID] = true
		c.Body, c.HTML, c.Summary = "", "", "" // only titles are shown
		if c.ID == a.CanonicalID && c.SourceID != a.SourceID {
			out.Original = c
		}
	}
	skipSource := a.SourceID
	if out.Original != nil {
		// Credited above the text; named again in the list it would be twice.
		copies = slices.DeleteFunc(slices.Clone(copies), func(c *marsad.Article) bool { return c.SourceID == out.Original.SourceID })
	}
	out.Copies = onePerOutlet(copies, a.ID, skipSource)

	if a.StoryID != 0 {
		st, err := p.store.FindStoryByID(ctx, a.StoryID)
		switch {
		case marsad.ErrorCode(err) == marsad.ENOTFOUND:
		case err != nil:
			return nil, err
		case st.Articles > 1:
			out.Story = st
			members, _, err := p.store.FindArticles(ctx, marsad.ArticleFilter{StoryID: &st.ID, NoText: true, Limit: storyMembersRead})
			if err != nil {
				return nil, err
			}
			named := map[int64]bool{a.SourceID: true}
			for _, c := range out.Copies {
				named[c.SourceID] = true
			}
			if out.Original != nil {
				named[out.Original.SourceID] = true
			}
			slices.SortFunc(members, func(x, y *marsad.Article) int {
				return cmp.Or(x.Published.Compare(y.Published), cmp.Compare(x.ID, y.ID))
			})
			for _, m := range members {
				// Each other outlet once, by its first own text (a copy of
				// another outlet's text is not its own coverage).
				if group[m.ID] || named[m.SourceID] || m.CanonicalID != 0 {
					continue
				}
				named[m.SourceID] = true
				out.AlsoCovered = append(out.AlsoCovered, m)
			}
		}
	}
	if err := p.articleTags(ctx, out); err != nil {
		return nil, err
	}
	if p.Related != nil {
		ra, sim, pending, err := p.relatedLists(ctx, id)
		if err != nil {
			return nil, err
		}
		// A list never repeats an item, the article itself or its copies,
		// and "similar" does not repeat what "read also" shows.
		out.ReadAlso = distinct(ra, group)
		out.Similar = distinct(sim, group)
		out.RelatedPending = pending
	}
	return out, nil
}

// relatedLists returns an article's two lists from one answer of the
// related source, and whether it is still computing them. A source that
// computes in the background may finish between the two calls: read also
// asked first comes back empty, similar then full, and a page made of the
// two, no longer pending, would be kept without its read-also picks. So
// when the lists became known during the calls, both are asked again.
func (p *Pages) relatedLists(ctx context.Context, id int64) (ra, sim []*marsad.Article, pending bool, err error) {
	ask := func() ([]*marsad.Article, []*marsad.Article, error) {
		ra, err := p.Related.ReadAlso(ctx, id)
		if err != nil {
			return nil, nil, err
		}
		sim, err := p.Related.Similar(ctx, id)
		return ra, sim, err
	}
	r, background := p.Related.(relatedReadiness)
	known := !background || r.Ready(id)
	if ra, sim, err = ask(); err != nil || known {
		return ra, sim, false, err
	}
	if !r.Ready(id) {
		return ra, sim, true, nil
	}
	ra, sim, err = ask() // known since the first ask: both from the one answer
	return ra, sim, false, err
}

// distinct returns list without the articles (or copy groups) in seen, and
// without repeats; it adds what it keeps to seen.
func distinct(list []*marsad.Article, seen map[int64]bool) []*marsad.Article {
	var out []*marsad.Article
	for _, a := range list {
		key := cmp.Or(a.CanonicalID, a.ID)
		if seen[a.ID] || seen[key] {
			continue
		}
		seen[a.ID], seen[key] = true, true
		out = append(out, a)
	}
	return out
}

func (p *Pages) articleTags(ctx context.Context, out *ArticlePage) error {
	if p.Tags != nil {
		tags, err := p.Tags.ArticleTags(ctx, out.Article.ID)
		if err != nil {
			return err
		}
		out.Tags, out.TagLinks = tags, true
		if len(tags) > 0 {
			return nil
		}
	}
	seen := map[string]bool{}
	for _, t := range out.Article.Tags {
		key := p.an.Normalize(t)
		if t == "" || seen[key] {
			continue
		}
		seen[key] = true
		out.Tags = append(out.Tags, Tag{Name: t})
	}
	return nil
}
