package handlers

import (
	"bytes"
	"fmt"
	"html/template"
	"slices"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/gorilla/feeds"
	"github.com/nicksnyder/go-i18n/v2/i18n"

	"samen/models"
	"samen/views"
)

// Feeds are the Atom feeds: the newest ideas, one idea's activity, and the
// changelog. A feed is the same for every reader, whoever is signed in, so
// readers and shared caches may keep it a while.
type Feeds struct{ *Deps }

// Ideas is the feed of the newest published ideas.
func (h *Feeds) Ideas(c *fiber.Ctx) error {
	ideas, err := h.Store.NewestIdeas(c.UserContext(), models.FeedSize)
	if err != nil {
		return err
	}
	l := h.feedLocalizer(c)
	f := h.newFeed(views.T(l, "feeds.ideas.title", "Brand", h.BrandName(c)), "/feeds/ideas.atom", "/?sort=new")
	for _, i := range ideas {
		f.add(h.ideaEntry(i))
	}
	return h.send(c, f)
}

// Idea is the feed of one idea: the idea, its public comments and its status
// changes with the team's answers, newest first. An idea a visitor may not
// see is 404, as its page is; a merged idea's feed moves to the one it joined.
func (h *Feeds) Idea(c *fiber.Ctx) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	a, err := h.Store.IdeaActivity(c.UserContext(), id, models.FeedSize)
	if err != nil {
		return err
	}
	idea := a.Idea
	if idea.MergedInto != nil {
		// Found, not moved for good: an unmerge brings the idea's own feed back.
		return c.Redirect(fmt.Sprintf("/feeds/ideas/%d.atom", *idea.MergedInto), fiber.StatusFound)
	}
	l := h.feedLocalizer(c)
	f := h.newFeed(views.T(l, "feeds.idea.title", "Title", idea.Title, "Brand", h.BrandName(c)),
		fmt.Sprintf("/feeds/ideas/%d.atom", idea.ID), ideaPath(idea))
	f.add(h.ideaEntry(idea))
	for _, cm := range a.Comments {
		e := h.entry(views.T(l, "feeds.comment", "Name", cm.User.Name, "Title", idea.Title),
			idea, fmt.Sprintf("#comment-%d", cm.ID), cm.CreatedAt, cm.EditedAt, cm.BodyHTML)
		e.Author = h.person(&cm.User)
		f.add(e)
	}
	for _, ch := range a.Changes {
		e := h.entry(views.T(l, "feeds.status", "Status", ch.To.Name, "Title", idea.Title),
			idea, fmt.Sprintf("#status-%d", ch.ID), ch.CreatedAt, nil, ch.NoteHTML)
		e.Author = h.person(ch.Actor)
		e.Categories = []atomCategory{{Term: ch.To.Slug, Label: ch.To.Name}}
		f.add(e)
	}
	slices.SortStableFunc(f.Entries, func(a, b atomEntry) int { return b.published.Compare(a.published) })
	if len(f.Entries) > models.FeedSize {
		f.Entries = f.Entries[:models.FeedSize]
	}
	return h.send(c, f)
}

// Changelog is the feed of the published changelog entries, newest first.
func (h *Feeds) Changelog(c *fiber.Ctx) error {
	page, err := h.Store.Changelog(c.UserContext(), models.ChangelogOptions{PerPage: models.FeedSize}, nil)
	if err != nil {
		return err
	}
	l := h.feedLocalizer(c)
	f := h.newFeed(views.T(l, "feeds.changelog.title", "Brand", h.BrandName(c)), "/feeds/changelog.atom", "/changelog")
	for _, e := range page.Entries {
		path := fmt.Sprintf("/changelog/%d", e.ID)
		published := *e.PublishedAt
		entry := &feeds.AtomEntry{
			Title:     e.Title,
			Id:        h.BaseURL + path,
			Published: published.UTC().Format(time.RFC3339),
			Updated:   published.UTC().Format(time.RFC3339),
			Links:     []feeds.AtomLink{{Href: h.BaseURL + path, Rel: "alternate", Type: "text/html"}},
			Author:    h.person(e.Author),
		}
		if e.BodyHTML != "" {
			entry.Content = &feeds.AtomContent{Type: "html", Content: string(e.BodyHTML)}
		}
		f.add(atomEntry{AtomEntry: entry, published: published, updated: published})
	}
	return h.send(c, f)
}

// feedLocalizer speaks the language the reader asks for. Only
// Accept-Language counts (the answer says it varies by it): no cookie or
// account setting, since caches share the answer.
func (h *Feeds) feedLocalizer(c *fiber.Ctx) *i18n.Localizer {
	_, l := h.Localizer(c.Get(fiber.HeaderAcceptLanguage))
	return l
}

// atomFeed is gorilla/feeds' Atom feed with what that type cannot say: a
// self link beside the link to the page, and entries with categories.
type atomFeed struct {
	*feeds.AtomFeed
	Links   []feeds.AtomLink `xml:"link"`
	Entries []atomEntry      `xml:"entry"`
}

// FeedXml lets feeds.WriteXML write the whole feed, not only the embedded part.
func (f *atomFeed) FeedXml() any { return f }

func (f *atomFeed) add(e atomEntry) { f.Entries = append(f.Entries, e) }

// atomEntry carries its categories apart: gorilla/feeds writes a category
// as element text, where Atom wants an empty element with a term attribute.
type atomEntry struct {
	*feeds.AtomEntry
	Categories []atomCategory `xml:"category"`

	published, updated time.Time // for sorting; the XML has them as text
}

type atomCategory struct {
	Term  string `xml:"term,attr"`
	Label string `xml:"label,attr,omitempty"`
}

// newFeed starts a feed served at path about the page at page.
func (h *Feeds) newFeed(title, path, page string) *atomFeed {
	return &atomFeed{
		AtomFeed: &feeds.AtomFeed{Xmlns: "http://www.w3.org/2005/Atom", Title: title, Id: h.BaseURL + path},
		Links: []feeds.AtomLink{
			{Href: h.BaseURL + path, Rel: "self", Type: "application/atom+xml"},
			{Href: h.BaseURL + page, Rel: "alternate", Type: "text/html"},
		},
	}
}

// entry makes an entry about an idea, or the part of its page at anchor.
// Its id leaves the slug out, so it stays when the title changes. Its
// content is HTML that was sanitised when it was written.
func (h *Feeds) entry(title string, i *models.Idea, anchor string, created time.Time, edited *time.Time, content template.HTML) atomEntry {
	updated := created
	if edited != nil {
		updated = *edited
	}
	e := &feeds.AtomEntry{
		Title:     title,
		Id:        fmt.Sprintf("%s/ideas/%d%s", h.BaseURL, i.ID, anchor),
		Published: created.UTC().Format(time.RFC3339),
		Updated:   updated.UTC().Format(time.RFC3339),
		Links:     []feeds.AtomLink{{Href: h.BaseURL + ideaPath(i) + anchor, Rel: "alternate", Type: "text/html"}},
	}
	if content != "" {
		e.Content = &feeds.AtomContent{Type: "html", Content: string(content)}
	}
	return atomEntry{AtomEntry: e, published: created, updated: updated}
}

func (h *Feeds) ideaEntry(i *models.Idea) atomEntry {
	e := h.entry(i.Title, i, "", i.CreatedAt, i.EditedAt, i.BodyHTML)
	e.Author = h.person(&i.Author)
	e.Categories = ideaCategories(i)
	return e
}

func ideaCategories(i *models.Idea) []atomCategory {
	cats := []atomCategory{{Term: i.Status.Slug, Label: i.Status.Name}}
	if i.Category != nil {
		cats = append(cats, atomCategory{Term: i.Category.Slug, Label: i.Category.Name})
	}
	return cats
}

// person names a member and links their profile, never their email. Without
// a member (a status set by an account since deleted) it is the community.
func (h *Feeds) person(u *models.User) *feeds.AtomAuthor {
	if u == nil || u.ID == 0 {
		return &feeds.AtomAuthor{AtomPerson: feeds.AtomPerson{Name: h.Brand}}
	}
	return &feeds.AtomAuthor{AtomPerson: feeds.AtomPerson{Name: u.Name, Uri: fmt.Sprintf("%s/members/%d", h.BaseURL, u.ID)}}
}

// send writes the feed. Its updated time is its newest entry's (now when it
// has none), so an unchanged feed reads the same every time.
func (h *Feeds) send(c *fiber.Ctx, f *atomFeed) error {
	var updated time.Time
	for _, e := range f.Entries {
		if e.updated.After(updated) {
			updated = e.updated
		}
	}
	if updated.IsZero() {
		updated = h.Store.Now()
	}
	f.Updated = updated.UTC().Format(time.RFC3339)
	var buf bytes.Buffer
	if err := feeds.WriteXML(f, &buf); err != nil {
		return fmt.Errorf("write feed %s: %w", f.Id, err)
	}
	// Caches share the answer, so no cookie may ride along with it (the
	// middleware gives every visitor a CSRF cookie).
	c.Response().Header.DelAllCookies()
	c.Set(fiber.HeaderContentType, "application/atom+xml; charset=utf-8")
	// A minute at most, so an idea a moderator hides leaves every copy by then.
	c.Set(fiber.HeaderCacheControl, "public, max-age=60")
	c.Vary(fiber.HeaderAcceptLanguage)
	return c.Send(buf.Bytes())
}
