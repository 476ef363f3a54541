package app_test

import (
	"context"
	"encoding/xml"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"samen/app/apptest"
	"samen/models"
)

// atomXML is an Atom feed as a feed reader decodes it.
type atomXML struct {
	XMLName xml.Name      `xml:"http://www.w3.org/2005/Atom feed"`
	Title   atomText      `xml:"title"`
	ID      string        `xml:"id"`
	Updated string        `xml:"updated"`
	Links   []atomLinkXML `xml:"link"`
	Entries []struct {
		Title     atomText      `xml:"title"`
		ID        string        `xml:"id"`
		Updated   string        `xml:"updated"`
		Published string        `xml:"published"`
		Links     []atomLinkXML `xml:"link"`
		Author    struct {
			Name  string `xml:"name"`
			URI   string `xml:"uri"`
			Email string `xml:"email"`
		} `xml:"author"`
		Content    atomText `xml:"content"`
		Categories []struct {
			Term  string `xml:"term,attr"`
			Label string `xml:"label,attr"`
		} `xml:"category"`
	} `xml:"entry"`
}

type atomText struct {
	Type string `xml:"type,attr"`
	Text string `xml:",chardata"`
}

type atomLinkXML struct {
	Href string `xml:"href,attr"`
	Rel  string `xml:"rel,attr"`
	Type string `xml:"type,attr"`
}

// link returns the href of the link with rel (Atom's default rel is alternate).
func link(links []atomLinkXML, rel string) string {
	for _, l := range links {
		if l.Rel == rel || (l.Rel == "" && rel == "alternate") {
			return l.Href
		}
	}
	return ""
}

// getFeed fetches a feed as a visitor and decodes it, checking what every
// feed answers with: Atom's content type, a public cache time, no cookie,
// and times in RFC 3339.
func getFeed(t *testing.T, c *apptest.Client, path string) atomXML {
	t.Helper()
	r := c.Get(path)
	wantStatus(t, r, http.StatusOK)
	if ct := r.Header.Get("Content-Type"); ct != "application/atom+xml; charset=utf-8" {
		t.Fatalf("%s: content type %q", path, ct)
	}
	wantFeedCacheTime(t, r)
	if cookies := r.Header.Values("Set-Cookie"); len(cookies) > 0 {
		t.Fatalf("%s: a shared, cacheable feed sets cookies %q", path, cookies)
	}
	var f atomXML
	if err := xml.Unmarshal(r.Body, &f); err != nil {
		t.Fatalf("%s: not an Atom feed: %v\n%s", path, err, r.Body)
	}
	times := []string{f.Updated}
	for _, e := range f.Entries {
		times = append(times, e.Updated, e.Published)
	}
	for _, ts := range times {
		if _, err := time.Parse(time.RFC3339, ts); err != nil {
			t.Fatalf("%s: time %q: %v", path, ts, err)
		}
	}
	return f
}

func entryTitles(f atomXML) []string {
	titles := make([]string, len(f.Entries))
	for i, e := range f.Entries {
		titles[i] = e.Title.Text
	}
	return titles
}

func wantTitles(t *testing.T, what string, f atomXML, want ...string) {
	t.Helper()
	if got := entryTitles(f); strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Fatalf("%s: entries\n%q\nwant\n%q", what, got, want)
	}
}

func TestFeeds(t *testing.T) {
	each(t, func(t *testing.T, dialect string) {
		srv := apptest.New(t, dialect)
		ctx := context.Background()
		s := srv.Store
		anna := srv.User("Anna de Vries", "anna@example.com", models.RoleMember)
		bram := srv.User("Bram", "bram@example.com", models.RoleMember)
		tess := srv.User("Tess", "tess@example.com", models.RoleTeam)
		propose := func(title, body string) *models.Idea {
			t.Helper()
			i, err := s.CreateIdea(ctx, anna, models.NewIdea{Title: title, Body: body, Category: "features"})
			if err != nil {
				t.Fatal(err)
			}
			return i
		}
		exec := func(query string) {
			t.Helper()
			if _, err := s.DB().Exec(query); err != nil {
				t.Fatalf("%s: %v", query, err)
			}
		}
		status := func(i *models.Idea, slug, note string) {
			t.Helper()
			if _, err := s.SetStatus(ctx, i.ID, tess, slug, note); err != nil {
				t.Fatal(err)
			}
		}
		comment := func(i *models.Idea, u *models.User, body string) *models.Comment {
			t.Helper()
			c, err := s.CreateComment(ctx, i.ID, u, models.NewComment{Body: body})
			if err != nil {
				t.Fatal(err)
			}
			return c
		}

		battery := propose("Swappable battery for long rides", "Two *batteries* for 200 km.")
		light := propose("Brighter front light for winter", "")
		motor := propose("Quieter motor on steep hills", "")
		hidden := propose("Hidden idea about cheap watches", "spam")
		pending := propose("Pending idea waiting for review", "")
		deleted := propose("Deleted idea that nobody needed", "")
		merged := propose("Merged duplicate about batteries", "")
		exec(fmt.Sprintf("UPDATE ideas SET state = 'hidden' WHERE id = %d", hidden.ID))
		exec(fmt.Sprintf("UPDATE ideas SET state = 'pending' WHERE id = %d", pending.ID))
		exec(fmt.Sprintf("UPDATE ideas SET merged_into = %d WHERE id = %d", battery.ID, merged.ID))
		if err := s.DeleteIdea(ctx, deleted.ID, anna); err != nil {
			t.Fatal(err)
		}

		kept := comment(battery, bram, "I would pay for this")
		gone := comment(battery, bram, "Secret typo text")
		if err := s.DeleteComment(ctx, gone.ID, bram); err != nil {
			t.Fatal(err)
		}
		internal := comment(battery, tess, "Internal planning note")
		exec(fmt.Sprintf("UPDATE comments SET internal = TRUE WHERE id = %d", internal.ID))
		status(battery, "planned", "Planned for **spring**.")
		status(light, "shipped", "In the **2025** model.")
		status(motor, "shipped", "")
		status(motor, "in-progress", "Not quite yet.")
		status(battery, "shipped", "Out now.")

		visitor := srv.Client()
		ideaPage := func(i *models.Idea) string { return fmt.Sprintf("%s/ideas/%d/%s", srv.URL, i.ID, i.Slug) }

		// The newest published ideas; hidden, pending, deleted and merged ones are absent.
		f := getFeed(t, visitor, "/feeds/ideas.atom")
		wantTitles(t, "ideas feed", f, motor.Title, light.Title, battery.Title)
		if !strings.HasPrefix(f.Title.Text, "New ideas · ") || f.ID != srv.URL+"/feeds/ideas.atom" ||
			link(f.Links, "self") != srv.URL+"/feeds/ideas.atom" || link(f.Links, "alternate") != srv.URL+"/?sort=new" {
			t.Fatalf("ideas feed: title %q, id %q, links %+v", f.Title.Text, f.ID, f.Links)
		}
		e := f.Entries[2]
		if link(e.Links, "alternate") != ideaPage(battery) || e.ID != fmt.Sprintf("%s/ideas/%d", srv.URL, battery.ID) {
			t.Fatalf("battery entry: id %q, links %+v", e.ID, e.Links)
		}
		if e.Author.Name != "Anna de Vries" || e.Author.URI != fmt.Sprintf("%s/members/%d", srv.URL, anna.ID) || e.Author.Email != "" {
			t.Fatalf("battery entry author: %+v", e.Author)
		}
		if e.Content.Type != "html" || e.Content.Text != string(battery.BodyHTML) || !strings.Contains(e.Content.Text, "<em>batteries</em>") {
			t.Fatalf("battery entry content: %+v", e.Content)
		}
		if len(e.Categories) != 2 || e.Categories[0].Term != "shipped" || e.Categories[0].Label != "Shipped" || e.Categories[1].Term != "features" {
			t.Fatalf("battery entry categories: %+v", e.Categories)
		}
		if e.Published != battery.CreatedAt.UTC().Format(time.RFC3339) {
			t.Fatalf("battery entry published %q, created %v", e.Published, battery.CreatedAt)
		}

		// The feed speaks the reader's language.
		dutch := srv.Client()
		dutch.Header.Set("Accept-Language", "nl")
		if f := getFeed(t, dutch, "/feeds/ideas.atom"); !strings.HasPrefix(f.Title.Text, "Nieuwe ideeën · ") {
			t.Fatalf("Dutch feed title %q", f.Title.Text)
		}

		// One idea's activity, newest first: no deleted or internal comment.
		path := fmt.Sprintf("/feeds/ideas/%d.atom", battery.ID)
		r := visitor.Get(path)
		for _, secret := range []string{"Secret typo text", "Internal planning note"} {
			if strings.Contains(string(r.Body), secret) {
				t.Fatalf("%s shows %q", path, secret)
			}
		}
		f = getFeed(t, visitor, path)
		quoted := "“" + battery.Title + "”"
		wantTitles(t, path, f, "Shipped: "+quoted, "Planned: "+quoted, "Bram on "+quoted, battery.Title)
		if link(f.Links, "self") != srv.URL+path || link(f.Links, "alternate") != ideaPage(battery) {
			t.Fatalf("%s links %+v", path, f.Links)
		}
		if e := f.Entries[1]; !strings.Contains(e.Content.Text, "<strong>spring</strong>") || e.Author.Name != "Tess" {
			t.Fatalf("%s: status entry %+v", path, e)
		}
		if e := f.Entries[2]; link(e.Links, "alternate") != fmt.Sprintf("%s#comment-%d", ideaPage(battery), kept.ID) ||
			e.ID != fmt.Sprintf("%s/ideas/%d#comment-%d", srv.URL, battery.ID, kept.ID) || e.Content.Text != string(kept.BodyHTML) {
			t.Fatalf("%s: comment entry %+v", path, e)
		}
		shippedAnchor := link(f.Entries[0].Links, "alternate")[len(ideaPage(battery)):]

		// Ideas a visitor may not see, and ids that are no ids, are not found.
		for _, bad := range []string{
			fmt.Sprintf("/feeds/ideas/%d.atom", hidden.ID), fmt.Sprintf("/feeds/ideas/%d.atom", pending.ID),
			fmt.Sprintf("/feeds/ideas/%d.atom", deleted.ID), "/feeds/ideas/999999.atom", "/feeds/ideas/abc.atom",
			"/feeds/ideas/-1.atom", "/feeds/ideas/1.5.atom", "/feeds/ideas/99999999999999999999999.atom",
			fmt.Sprintf("/feeds/ideas/%d", battery.ID), fmt.Sprintf("/feeds/ideas/%d.rss", battery.ID),
		} {
			wantStatus(t, visitor.Get(bad), http.StatusNotFound)
		}
		// A merged idea's feed moves to the idea it joined, as its page does.
		r = visitor.Get(fmt.Sprintf("/feeds/ideas/%d.atom", merged.ID))
		wantStatus(t, r, http.StatusFound)
		if loc := r.Header.Get("Location"); loc != path {
			t.Fatalf("merged idea's feed sent to %q", loc)
		}

		// The changelog's feed carries published entries alone: none yet
		// (TestChangelogPages follows one into it).
		f = getFeed(t, visitor, "/feeds/changelog.atom")
		wantTitles(t, "changelog feed", f)
		if link(f.Links, "alternate") != srv.URL+"/changelog" {
			t.Fatalf("changelog feed links %+v", f.Links)
		}

		// Pages point to their feeds.
		r = visitor.Get("/")
		wantCount(t, r, `head link[rel="alternate"][type="application/atom+xml"][href="/feeds/ideas.atom"]`, 1)
		wantCount(t, r, `main a.feed-link[href="/feeds/ideas.atom"]`, 1)
		r = visitor.Get(strings.TrimPrefix(ideaPage(battery), srv.URL))
		wantCount(t, r, `head link[rel="alternate"][type="application/atom+xml"][href="`+path+`"]`, 1)
		wantCount(t, r, `main a.feed-link[href="`+path+`"]`, 1)
		wantCount(t, r, ".history li"+shippedAnchor, 1)
	})
}

// wantFeedCacheTime checks that caches may share a feed for at most a minute,
// so that what a moderator hides leaves every copy within that minute.
func wantFeedCacheTime(t *testing.T, r *apptest.Response) {
	t.Helper()
	cc := r.Header.Get("Cache-Control")
	var age int
	if _, err := fmt.Sscanf(cc, "public, max-age=%d", &age); err != nil || age <= 0 || age > 60 || strings.Contains(cc, "stale") {
		t.Fatalf("%s: cache control %q, want public with a max-age of at most 60 seconds", r.Request.URL, cc)
	}
}

// TestHiddenIdeaLeavesTheFeedsWithinAMinute: once a moderator hides an idea,
// the next answer of every feed lacks it, and no cache may keep the earlier
// answer longer than a minute.
func TestHiddenIdeaLeavesTheFeedsWithinAMinute(t *testing.T) {
	each(t, func(t *testing.T, dialect string) {
		srv := apptest.New(t, dialect, "SAMEN_RATE_LIMITS=off")
		anna := srv.User("Anna", "anna@example.com", models.RoleMember)
		mo := srv.User("Mo", "mo@example.com", models.RoleModerator)
		kept := createIdeaAPI(t, bearerClient(t, srv, anna), "Mudguards that do not rattle")
		spam := createIdeaAPI(t, bearerClient(t, srv, anna), "Cheap watches, follow this link")
		visitor := srv.Client()
		spamFeed := fmt.Sprintf("/feeds/ideas/%d.atom", spam)

		wantTitles(t, "before", getFeed(t, visitor, "/feeds/ideas.atom"),
			"Cheap watches, follow this link", "Mudguards that do not rattle")
		getFeed(t, visitor, spamFeed)

		wantStatus(t, apiCall(bearerClient(t, srv, mo), http.MethodPatch, fmt.Sprintf("/ideas/%d/moderation", spam),
			`{"hidden":true,"reason":"spam"}`), http.StatusOK)

		wantTitles(t, "after hiding", getFeed(t, visitor, "/feeds/ideas.atom"), "Mudguards that do not rattle")
		wantStatus(t, visitor.Get(spamFeed), http.StatusNotFound)
		getFeed(t, visitor, fmt.Sprintf("/feeds/ideas/%d.atom", kept))
	})
}
