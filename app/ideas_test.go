package app_test

import (
	"context"
	"encoding/json"
	"encoding/xml"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"reflect"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/PuerkitoBio/goquery"

	"samen/app/apptest"
	"samen/models"
)

var ideaURL = regexp.MustCompile(`^/ideas/(\d+)/[a-z0-9-]+$`)

func proposeThroughForm(t *testing.T, c *apptest.Client, title, body, category string) string {
	t.Helper()
	c.Get("/ideas/new")
	r := c.PostForm("/ideas", url.Values{"title": {title}, "body": {body}, "category": {category}})
	wantStatus(t, r, http.StatusSeeOther)
	loc := r.Header.Get("Location")
	if !ideaURL.MatchString(loc) {
		t.Fatalf("after proposing sent to %q", loc)
	}
	return loc
}

func TestProposeVoteCommentAndAnswerInPages(t *testing.T) {
	each(t, func(t *testing.T, dialect string) {
		srv := apptest.New(t, dialect)
		anna := srv.SignedIn(srv.User("Anna", "anna@example.com", models.RoleMember))
		bram := srv.SignedIn(srv.User("Bram", "bram@example.com", models.RoleMember))
		team := srv.SignedIn(srv.User("Tess", "tess@example.com", models.RoleTeam))

		// Visitors are sent to sign in before proposing.
		r := srv.Client().Get("/ideas/new")
		wantStatus(t, r, http.StatusSeeOther)

		// Invalid input re-renders the form with the text kept.
		anna.Get("/ideas/new")
		r = anna.PostForm("/ideas", url.Values{"title": {"Too short"[:5]}, "body": {"My **details**"}, "category": {"features"}})
		wantStatus(t, r, http.StatusUnprocessableEntity)
		wantCount(t, r, "#title-error", 1)
		wantText(t, r, "textarea#body", "My **details**")
		wantCount(t, r, `select#category option[value="features"][selected]`, 1)

		path := proposeThroughForm(t, anna, "Swappable battery for long rides", "Two *batteries* for 200 km.", "features")
		r = anna.Get(path)
		wantStatus(t, r, http.StatusOK)
		wantText(t, r, "article.idea h1", "Swappable battery for long rides")
		wantText(t, r, ".idea-header .vote-count", "1")
		wantCount(t, r, `.idea-header button.vote-button.voted[aria-pressed="true"]`, 1)
		wantText(t, r, ".markdown.body em", "batteries")
		wantText(t, r, ".meta .status", "Open")

		// The preview step lists similar ideas before a duplicate is posted.
		bram.Get("/ideas/new")
		r = bram.PostForm("/ideas", url.Values{"title": {"Bigger battery please"}, "body": {"More range"}, "preview": {"1"}})
		wantStatus(t, r, http.StatusOK)
		wantText(t, r, "#similar li a", "Swappable battery for long rides")
		wantCount(t, r, ".preview .markdown", 1)
		r = bram.Get("/ideas/similar?title=battery")
		wantText(t, r, "#similar li a", "Swappable battery for long rides")

		// Vote without JavaScript: a form that returns to the page.
		bram.Get(path)
		id := ideaURL.FindStringSubmatch(path)[1]
		r = bram.PostForm("/ideas/"+id+"/vote", url.Values{"next": {path}})
		wantStatus(t, r, http.StatusSeeOther)
		if loc := r.Header.Get("Location"); loc != path {
			t.Fatalf("after voting sent to %q", loc)
		}
		wantText(t, bram.Get(path), ".idea-header .vote-count", "2")
		// With htmx: the fragment comes back in place.
		req := httptest.NewRequest(http.MethodPost, "/ideas/"+id+"/unvote", strings.NewReader("_csrf="+url.QueryEscape(bram.CSRF)))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("HX-Request", "true")
		r = bram.Do(req)
		wantStatus(t, r, http.StatusOK)
		wantText(t, r, "div.vote .vote-count", "1")
		if strings.Contains(string(r.Body), "<header") {
			t.Fatal("the htmx answer carries the whole page")
		}

		// Comments, with the team badge.
		bram.Get(path)
		r = bram.PostForm("/ideas/"+id+"/comments", url.Values{"body": {"   "}})
		wantStatus(t, r, http.StatusUnprocessableEntity)
		wantCount(t, r, "#comment-error", 1)
		r = bram.PostForm("/ideas/"+id+"/comments", url.Values{"body": {"I would pay for this"}})
		wantStatus(t, r, http.StatusSeeOther)
		r = team.Get(path)
		parent, _ := r.Doc.Find(`.comment-reply input[name="parent_id"]`).Attr("value")
		wantStatus(t, team.PostForm("/ideas/"+id+"/comments", url.Values{"body": {"Thanks, we are looking into it"}, "parent_id": {parent}}), http.StatusSeeOther)
		wantStatus(t, team.PostForm("/ideas/"+id+"/comments", url.Values{"body": {"x"}, "parent_id": {"abc"}}), http.StatusUnprocessableEntity)

		// The team answers with a status; members may not.
		wantStatus(t, bram.PostForm("/ideas/"+id+"/status", url.Values{"status": {"planned"}, "note": {"x"}}), http.StatusForbidden)
		r = team.PostForm("/ideas/"+id+"/status", url.Values{"status": {"declined"}, "note": {""}})
		wantStatus(t, r, http.StatusUnprocessableEntity)
		wantStatus(t, team.PostForm("/ideas/"+id+"/status", url.Values{"status": {"planned"}, "note": {"Planned for **spring**."}}), http.StatusSeeOther)
		r = srv.Client().Get(path)
		wantText(t, r, ".team-answer .status", "Planned")
		wantText(t, r, ".team-answer .markdown strong", "spring")
		wantCount(t, r, ".comments li.comment", 2)
		wantCount(t, r, ".comments li.comment.reply .badge.team", 1)
		wantCount(t, r, ".history li", 1)
		// Voters keep their names to the team unless they chose otherwise.
		wantCount(t, r, ".voters li", 0)
		wantText(t, r, ".voters-others", "1 more voted without showing their name.")

		// Old slugs redirect; unknown ids are the 404 page.
		r = srv.Client().Get("/ideas/" + id + "/old-title")
		wantStatus(t, r, http.StatusMovedPermanently)
		if r.Header.Get("Location") != path {
			t.Fatalf("old slug sent to %q", r.Header.Get("Location"))
		}
		wantStatus(t, srv.Client().Get("/ideas/"+id), http.StatusMovedPermanently)
		for _, bad := range []string{"/ideas/999999/x", "/ideas/abc", "/ideas/99999999999999999999999/x", "/ideas/-1/x"} {
			wantStatus(t, srv.Client().Get(bad), http.StatusNotFound)
		}

		// The list shows it, with the viewer's vote.
		r = anna.Get("/?sort=top")
		wantText(t, r, ".idea-row h2 a", "Swappable battery for long rides")
		wantCount(t, r, ".idea-row button.vote-button.voted", 1)
		wantText(t, r, ".idea-row .status", "Planned")
		wantCount(t, srv.Client().Get("/?status=shipped"), ".idea-row", 0)
		wantCount(t, srv.Client().Get("/?q=swappable"), ".idea-row", 1)
		wantCount(t, anna.Get("/?mine=1"), ".idea-row", 1)
		wantCount(t, bram.Get("/?mine=1"), ".idea-row", 0)
		wantStatus(t, srv.Client().Get("/?sort=best"), http.StatusUnprocessableEntity)
		wantStatus(t, srv.Client().Get("/?page=abc"), http.StatusUnprocessableEntity)
	})
}

func TestVotingOnAShippedIdeaIsRefused(t *testing.T) {
	srv := apptest.New(t, models.SQLite)
	ctx := context.Background()
	anna := srv.User("Anna", "anna@example.com", models.RoleMember)
	tess := srv.User("Tess", "tess@example.com", models.RoleTeam)
	idea, err := srv.Store.CreateIdea(ctx, anna, models.NewIdea{Title: "Lights that switch on by themselves"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := srv.Store.SetStatus(ctx, idea.ID, tess, "shipped", "In the new model."); err != nil {
		t.Fatal(err)
	}
	bram := srv.SignedIn(srv.User("Bram", "bram@example.com", models.RoleMember))
	r := bram.Get("/ideas/" + itoa(idea.ID) + "/" + idea.Slug)
	wantCount(t, r, ".idea-header button.vote-button[disabled]", 1)
	r = bram.PostForm("/ideas/"+itoa(idea.ID)+"/vote", nil)
	wantStatus(t, r, http.StatusConflict)
	wantText(t, r, ".error-page .code", "409")
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

// xssPayloads try to run script through every field a person writes.
var xssPayloads = []string{
	`<script>alert(1)</script>`,
	`"><script>alert(1)</script>`,
	`'><img src=x onerror=alert(1)>`,
	`<img src=x onerror=alert(1)>`,
	`<svg onload=alert(1)>`,
	`<svg><script>alert(1)</script></svg>`,
	`<iframe src="javascript:alert(1)"></iframe>`,
	`[click](javascript:alert(1))`,
	`[click](JaVaScRiPt:alert(1))`,
	`[click](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)`,
	`![x](javascript:alert(1))`,
	`<a href="javascript:alert(1)">x</a>`,
	`<body onload=alert(1)>`,
	`<details open ontoggle=alert(1)>`,
	`<div style="background:url(javascript:alert(1))">x</div>`,
	`<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>`,
	`<scr<script>ipt>alert(1)</script>`,
	`<<script>alert(1)//<</script>`,
	`<input autofocus onfocus=alert(1)>`,
	`<video><source onerror=alert(1)>`,
	`<object data="javascript:alert(1)">`,
	`<embed src="javascript:alert(1)">`,
	`<form action="javascript:alert(1)"><button>x</button></form>`,
	`<meta http-equiv="refresh" content="0;url=javascript:alert(1)">`,
	`<base href="javascript:alert(1)//">`,
	`<link rel=import href=data:text/html,<script>alert(1)</script>>`,
	"<a href=\"jav&#x09;ascript:alert(1)\">x</a>",
	`<a href="&#106;avascript:alert(1)">x</a>`,
	`{{.}}{{template "csrf" .}}`,
	`</textarea><script>alert(1)</script>`,
	`</title><script>alert(1)</script>`,
	`<style>*{display:none}</style>`,
}

// TestXSSPayloadsComeOutInert puts every payload in titles, bodies, comments,
// names, status answers and search queries, and checks every page they
// appear on: no script runs, no handler or javascript: URL survives.
func TestXSSPayloadsComeOutInert(t *testing.T) {
	each(t, func(t *testing.T, dialect string) {
		srv := apptest.New(t, dialect, "SAMEN_RATE_LIMITS=off")
		ctx := context.Background()
		tess := srv.User("Tess", "tess@example.com", models.RoleTeam)
		viewer := srv.SignedIn(tess)
		var pages, feeds []string
		for i, p := range xssPayloads {
			author, err := srv.Store.CreateUser(ctx, models.NewUser{Name: truncateRunes(p, 50), Email: "x" + strconv.Itoa(i) + "@example.com"})
			if err != nil {
				t.Fatalf("user %q: %v", p, err)
			}
			idea, err := srv.Store.CreateIdea(ctx, author, models.NewIdea{Title: "Payload " + truncateRunes(p, 100), Body: p + "\n\n" + p})
			if err != nil {
				t.Fatalf("idea %q: %v", p, err)
			}
			if _, err := srv.Store.CreateComment(ctx, idea.ID, author, models.NewComment{Body: p}); err != nil {
				t.Fatal(err)
			}
			if _, err := srv.Store.SetStatus(ctx, idea.ID, tess, "under-review", p); err != nil {
				t.Fatal(err)
			}
			if i%2 == 0 { // for the changelog, its feed and the idea's "shipped in"
				title, body, ideas, publish := truncateRunes(p, models.MaxChangelogTitleLength), p+"\n\n"+p, []int64{idea.ID}, true
				entry, err := srv.Store.CreateChangelogEntry(ctx, tess, models.ChangelogInput{Title: &title, Body: &body, Ideas: &ideas, Publish: &publish, Ship: true})
				if err != nil {
					t.Fatalf("changelog entry %q: %v", p, err)
				}
				pages = append(pages, "/changelog/"+itoa(entry.ID), "/admin/changelog/"+itoa(entry.ID))
			}
			pages = append(pages, "/ideas/"+itoa(idea.ID)+"/"+idea.Slug, "/?q="+url.QueryEscape(p), "/ideas/similar?title="+url.QueryEscape(p))
			feeds = append(feeds, "/feeds/ideas/"+itoa(idea.ID)+".atom")
		}
		pages = append(pages, "/", "/?sort=new&per_page=100", "/?page=2", "/changelog", "/admin/changelog")
		viewer.Get("/")
		r := viewer.PostForm("/ideas", url.Values{"title": {xssPayloads[0] + " long enough"}, "body": {xssPayloads[2]}, "preview": {"1"}})
		assertInert(t, "preview", r)
		for _, path := range pages {
			assertInert(t, path, viewer.Get(path))
			assertInert(t, path+" (visitor)", srv.Client().Get(path))
		}
		for _, path := range append(feeds, "/feeds/ideas.atom", "/feeds/changelog.atom") {
			assertFeedInert(t, path, srv.Client().Get(path))
		}
		// The API hands out the same sanitised HTML.
		r = srv.Client().Get("/api/v1/ideas?per_page=100")
		wantStatus(t, r, http.StatusOK)
		var list struct {
			Ideas []struct {
				BodyHTML string `json:"body_html"`
			} `json:"ideas"`
		}
		if err := json.Unmarshal(r.Body, &list); err != nil || len(list.Ideas) != len(xssPayloads) {
			t.Fatalf("API list: %d ideas, %v", len(list.Ideas), err)
		}
		for _, i := range list.Ideas {
			lower := strings.ToLower(i.BodyHTML)
			for _, bad := range []string{"<script", "javascript:", "onerror", "onload", "<iframe", "<svg"} {
				if strings.Contains(lower, bad) {
					t.Errorf("API body_html keeps %q: %s", bad, i.BodyHTML)
				}
			}
		}
	})
}

func truncateRunes(s string, n int) string {
	r := []rune(s)
	if len(r) > n {
		r = r[:n]
	}
	return string(r)
}

var handlerAttr = regexp.MustCompile(`^on[a-z]+$`)

func assertInert(t *testing.T, what string, r *apptest.Response) {
	t.Helper()
	if r.StatusCode >= 500 {
		t.Fatalf("%s: status %d", what, r.StatusCode)
	}
	if r.Doc == nil {
		return
	}
	r.Doc.Find("script").Each(func(_ int, s *goquery.Selection) {
		if src, ok := s.Attr("src"); !ok || !strings.HasPrefix(src, "/static/js/") {
			html, _ := goquery.OuterHtml(s)
			t.Errorf("%s: a script element that is not ours: %s", what, html)
		}
	})
	for _, tag := range []string{"iframe", "object", "embed", "base", "svg", "math", "style", "input[autofocus]", "details[open]", "video", "body body"} {
		if n := r.Doc.Find(".markdown " + tag + ", main " + tag).Length(); n > 0 {
			t.Errorf("%s: %d <%s> elements came through", what, n, tag)
		}
	}
	r.Doc.Find("*").Each(func(_ int, s *goquery.Selection) {
		for _, a := range s.Nodes[0].Attr {
			v := strings.ToLower(strings.Join(strings.Fields(a.Val), ""))
			if handlerAttr.MatchString(a.Key) {
				t.Errorf("%s: event handler %s=%q survived", what, a.Key, a.Val)
			}
			if (a.Key == "href" || a.Key == "src" || a.Key == "action" || a.Key == "data") &&
				(strings.HasPrefix(v, "javascript:") || strings.HasPrefix(v, "data:text/html")) {
				t.Errorf("%s: %s=%q survived", what, a.Key, a.Val)
			}
			if a.Key == "style" {
				t.Errorf("%s: inline style %q survived", what, a.Val)
			}
		}
	})
	if n := r.Doc.Find(`meta[http-equiv]`).Length(); n > 0 {
		t.Errorf("%s: a meta refresh came through", what)
	}
}

// assertFeedInert checks a feed as assertInert checks a page: the XML decodes,
// titles are plain text, and no entry's HTML holds a script, an event
// handler or a javascript: URL.
func assertFeedInert(t *testing.T, what string, r *apptest.Response) {
	t.Helper()
	if r.StatusCode != http.StatusOK {
		t.Fatalf("%s: status %d", what, r.StatusCode)
	}
	var f atomXML
	if err := xml.Unmarshal(r.Body, &f); err != nil || len(f.Entries) == 0 {
		t.Fatalf("%s: %d entries, %v", what, len(f.Entries), err)
	}
	titles := []atomText{f.Title}
	for _, e := range f.Entries {
		titles = append(titles, e.Title)
	}
	for _, title := range titles {
		if title.Type != "" && title.Type != "text" {
			t.Errorf("%s: title %q is %s, not plain text", what, title.Text, title.Type)
		}
	}
	for _, e := range f.Entries {
		// "javascript:" as text is inert (a changelog entry's title in a
		// status answer shows it so); as a URL the check below finds it.
		lower := strings.ToLower(e.Content.Text)
		for _, bad := range []string{"<script"} {
			if strings.Contains(lower, bad) {
				t.Errorf("%s: entry %s keeps %q: %s", what, e.ID, bad, e.Content.Text)
			}
		}
		doc, err := goquery.NewDocumentFromReader(strings.NewReader("<main>" + e.Content.Text + "</main>"))
		if err != nil {
			t.Fatal(err)
		}
		assertInert(t, what+" entry "+e.ID, &apptest.Response{Response: &http.Response{StatusCode: http.StatusOK}, Doc: doc})
	}
}

func TestEditDeleteAndTagInPages(t *testing.T) {
	each(t, func(t *testing.T, dialect string) {
		srv := apptest.New(t, dialect)
		annaUser := srv.User("Anna", "anna@example.com", models.RoleMember)
		anna := srv.SignedIn(annaUser)
		bram := srv.SignedIn(srv.User("Bram", "bram@example.com", models.RoleMember))
		team := srv.SignedIn(srv.User("Tess", "tess@example.com", models.RoleTeam))
		path := proposeThroughForm(t, anna, "Phone holder on the handlebar", "For navigation.", "features")
		id := ideaURL.FindStringSubmatch(path)[1]

		// Others may not edit; the author may, and the page says "edited".
		wantStatus(t, bram.Get("/ideas/"+id+"/edit"), http.StatusForbidden)
		r := anna.Get("/ideas/" + id + "/edit")
		wantStatus(t, r, http.StatusOK)
		wantCount(t, r, "input#tags", 0)
		r = anna.PostForm("/ideas/"+id+"/edit", url.Values{"title": {"x"}, "body": {"kept text"}, "category": {"features"}})
		wantStatus(t, r, http.StatusUnprocessableEntity)
		wantText(t, r, "textarea#body", "kept text")
		r = anna.PostForm("/ideas/"+id+"/edit", url.Values{"title": {"Sturdy phone holder on the handlebar"}, "body": {"For navigation on rough roads."}, "category": {"improvements"}})
		wantStatus(t, r, http.StatusSeeOther)
		newPath := r.Header.Get("Location")
		if newPath != "/ideas/"+id+"/sturdy-phone-holder-on-the-handlebar" {
			t.Fatalf("after editing sent to %q", newPath)
		}
		r = srv.Client().Get(newPath)
		wantText(t, r, "article.idea h1", "Sturdy phone holder on the handlebar")
		wantCount(t, r, ".meta .edited", 1)
		wantText(t, r, ".meta .category", "Improvements")
		// The old URL still leads there.
		wantStatus(t, srv.Client().Get(path), http.StatusMovedPermanently)
		var revisions int
		if err := srv.Store.DB().QueryRow("SELECT COUNT(*) FROM idea_revisions").Scan(&revisions); err != nil || revisions != 1 {
			t.Fatalf("%d revisions, %v", revisions, err)
		}

		// The team tags; members cannot.
		r = team.Get("/ideas/" + id + "/edit")
		wantCount(t, r, "input#tags", 1)
		wantStatus(t, team.PostForm("/ideas/"+id+"/edit", url.Values{"title": {"Sturdy phone holder on the handlebar"},
			"body": {"For navigation on rough roads."}, "category": {"improvements"}, "tags": {"Navigation, accessories, navigation"}}), http.StatusSeeOther)
		r = srv.Client().Get(newPath)
		wantCount(t, r, ".meta a.tag", 2)
		wantCount(t, srv.Client().Get("/?tag=navigation"), ".idea-row", 1)

		// Comments: edit and delete one's own, leaving a tombstone.
		bram.Get(newPath)
		r = bram.PostForm("/ideas/"+id+"/comments", url.Values{"body": {"Typo in here"}})
		commentID := strings.TrimPrefix(r.Header.Get("Location"), newPath+"#comment-")
		wantStatus(t, anna.PostForm("/ideas/"+id+"/comments/"+commentID+"/edit", url.Values{"body": {"hijacked"}}), http.StatusForbidden)
		wantStatus(t, bram.PostForm("/ideas/"+id+"/comments/"+commentID+"/edit", url.Values{"body": {"No typo now"}}), http.StatusSeeOther)
		r = srv.Client().Get(newPath)
		wantText(t, r, "#comment-"+commentID+" .markdown", "No typo now")
		wantCount(t, r, "#comment-"+commentID+" .edited", 1)

		// Anna cannot delete her idea now that Bram took part.
		anna.Get(newPath)
		r = anna.PostForm("/ideas/"+id+"/delete", url.Values{"confirm": {"1"}})
		wantStatus(t, r, http.StatusConflict)
		wantStatus(t, bram.PostForm("/ideas/"+id+"/comments/"+commentID+"/delete", url.Values{"confirm": {"1"}}), http.StatusSeeOther)
		wantCount(t, srv.Client().Get(newPath), "#comment-"+commentID+".deleted .tombstone", 1)

		// An idea nobody else touched can go.
		solo := proposeThroughForm(t, anna, "An idea only I care about", "", "")
		soloID := ideaURL.FindStringSubmatch(solo)[1]
		wantStatus(t, bram.PostForm("/ideas/"+soloID+"/delete", url.Values{"confirm": {"1"}}), http.StatusForbidden)
		wantStatus(t, anna.PostForm("/ideas/"+soloID+"/delete", url.Values{"confirm": {"1"}}), http.StatusSeeOther)
		wantStatus(t, srv.Client().Get(solo), http.StatusNotFound)
	})
}

func TestMemberProfile(t *testing.T) {
	each(t, func(t *testing.T, dialect string) {
		srv := apptest.New(t, dialect)
		u := srv.User("Anna", "anna@example.com", models.RoleMember)
		anna := srv.SignedIn(u)
		path := proposeThroughForm(t, anna, "Kickstand that holds on hills", "", "")
		id := ideaURL.FindStringSubmatch(path)[1]
		anna.PostForm("/ideas/"+id+"/comments", url.Values{"body": {"Also on gravel"}})
		r := srv.Client().Get("/members/" + itoa(u.ID))
		wantStatus(t, r, http.StatusOK)
		wantText(t, r, ".member-header h1", "Anna")
		wantText(t, r, ".member-ideas li a", "Kickstand that holds on hills")
		wantText(t, r, ".comments .markdown", "Also on gravel")
		if strings.Contains(string(r.Body), "anna@example.com") {
			t.Fatal("the public profile shows the email address")
		}
		wantCount(t, srv.Client().Get(path), `a.author[href="/members/`+itoa(u.ID)+`"]`, 2)
		wantStatus(t, srv.Client().Get("/members/999999"), http.StatusNotFound)
		wantStatus(t, srv.Client().Get("/members/abc"), http.StatusNotFound)
	})
}

func TestSearchPage(t *testing.T) {
	each(t, func(t *testing.T, dialect string) {
		srv := apptest.New(t, dialect)
		anna := srv.SignedIn(srv.User("Anna", "anna@example.com", models.RoleMember))
		proposeThroughForm(t, anna, "Brighter <em>front</em> lights", "The lights are too dim in winter.", "")
		proposeThroughForm(t, anna, "A louder bell for busy streets", "", "")
		r := srv.Client().Get("/search?q=light")
		wantStatus(t, r, http.StatusOK)
		wantCount(t, r, ".search-results li.result", 1)
		wantText(t, r, ".result h2 a mark", "lights")
		wantText(t, r, ".result .snippet mark", "lights")
		wantCount(t, r, ".result h2 em", 0) // the title's markup is text
		r = srv.Client().Get("/search?q=" + url.QueryEscape("<script>alert(1)</script>"))
		wantStatus(t, r, http.StatusOK)
		wantCount(t, r, ".search-results", 0)
		assertInert(t, "search for a script", r)
		wantStatus(t, srv.Client().Get("/search?q=x&page=abc"), http.StatusUnprocessableEntity)
		wantStatus(t, srv.Client().Get("/search"), http.StatusOK)
		// Blanks search for nothing: the empty page, as without a query.
		r = srv.Client().Get("/search?q=%20%20")
		wantStatus(t, r, http.StatusOK)
		wantCount(t, r, ".search-results li.result", 0)
		if out, err := srv.Store.Search(context.Background(), " ", 0, nil); err != nil || len(out.Results) != 2 {
			t.Fatalf("the store's search for a blank: %v", err)
		}
	})
}

func TestAdminsManageCategories(t *testing.T) {
	each(t, func(t *testing.T, dialect string) {
		srv := apptest.New(t, dialect)
		admin := srv.SignedIn(srv.User("Ada", "ada@example.com", models.RoleAdmin))
		team := srv.SignedIn(srv.User("Tess", "tess@example.com", models.RoleTeam))
		wantStatus(t, team.Get("/admin/categories"), http.StatusForbidden)
		wantStatus(t, srv.Client().Get("/admin/categories"), http.StatusSeeOther)

		r := admin.Get("/admin/categories")
		wantStatus(t, r, http.StatusOK)
		wantCount(t, r, "tr.category", 3)
		wantCount(t, r, `header a[href="/admin/categories"]`, 1)

		wantStatus(t, admin.PostForm("/admin/categories", url.Values{"name": {"Battery & range"}, "name_nl": {"  Accu   en bereik "}, "description": {"Charging, range, batteries"}, "position": {"0"}}), http.StatusSeeOther)
		r = admin.Get("/admin/categories")
		wantCount(t, r, `tr.category[data-slug="battery-range"]`, 1)
		if v, _ := r.Doc.Find("tr.category").First().Find("input[name=name]").Attr("value"); v != "Battery & range" {
			t.Fatalf("first category %q (position 0 comes first)", v)
		}
		if v, _ := r.Doc.Find(`tr.category[data-slug="battery-range"] input[name=name_nl]`).Attr("value"); v != "Accu en bereik" {
			t.Fatalf("the Dutch name, trimmed: %q", v)
		}
		if v, _ := r.Doc.Find(`tr.category[data-slug="features"] input[name=name_nl]`).Attr("value"); v != "Nieuwe functies" {
			t.Fatalf("the default category's Dutch name: %q", v)
		}
		wantText(t, r, `label[for="new-name-nl"]`, "Name in Dutch")

		// An admin renames a category in Dutch; an empty Dutch name shows the English one.
		features, err := srv.Store.CategoryBySlug(context.Background(), "features")
		if err != nil {
			t.Fatal(err)
		}
		rename := url.Values{"name": {"New features"}, "name_nl": {"Nieuwe mogelijkheden"}, "slug": {"features"}, "description": {features.Description}, "position": {"1"}}
		wantStatus(t, admin.PostForm("/admin/categories/"+itoa(features.ID), rename), http.StatusSeeOther)
		problems, err := srv.Store.CategoryBySlug(context.Background(), "problems")
		if err != nil {
			t.Fatal(err)
		}
		unnamed := url.Values{"name": {"Problems"}, "name_nl": {""}, "slug": {"problems"}, "position": {"3"}}
		wantStatus(t, admin.PostForm("/admin/categories/"+itoa(problems.ID), unnamed), http.StatusSeeOther)

		// A Dutch name too long is refused with the field marked, the text kept.
		long := strings.Repeat("é", 61)
		r = admin.PostForm("/admin/categories", url.Values{"name": {"Lights"}, "name_nl": {long}})
		wantStatus(t, r, http.StatusUnprocessableEntity)
		wantText(t, r, ".flash.error li", "Name in Dutch: must be at most 60 characters")
		wantCount(t, r, `#new-name-nl[aria-invalid="true"][aria-describedby="error-new-name_nl"]`, 1)
		wantText(t, r, "p.field-error#error-new-name_nl", "must be at most 60 characters")
		wantCount(t, r, `#new-name[aria-invalid="true"]`, 0)
		if v, _ := r.Doc.Find("#new-name-nl").Attr("value"); v != long {
			t.Fatalf("the form lost the Dutch name: %q", v)
		}
		rename.Set("name_nl", long)
		r = admin.PostForm("/admin/categories/"+itoa(features.ID), rename)
		wantStatus(t, r, http.StatusUnprocessableEntity)
		wantCount(t, r, `tr.category[data-slug="features"] input[name=name_nl][aria-invalid="true"]`, 1)
		wantCount(t, r, `tr.category[data-slug="features"] p.field-error`, 1)
		if v, _ := r.Doc.Find(`tr.category[data-slug="features"] input[name=name_nl]`).Attr("value"); v != long {
			t.Fatalf("the row lost the Dutch name typed: %q", v)
		}
		wantCount(t, r, `#new-name-nl[aria-invalid="true"]`, 0)
		wantStatus(t, admin.PostForm("/admin/categories", url.Values{"name": {"Lights"}, "name_nl": {"bad\x00"}}), http.StatusUnprocessableEntity)
		if c, _ := srv.Store.CategoryBySlug(context.Background(), "features"); c.NameNL != "Nieuwe mogelijkheden" {
			t.Fatalf("a refused edit changed the Dutch name to %q", c.NameNL)
		}

		// Each reader sees the names in their language: on the list, the
		// idea's page, the roadmap and the forms.
		ctx := context.Background()
		wim := srv.User("Wim", "wim@example.com", models.RoleMember)
		nl := "nl"
		if _, err := srv.Store.UpdatePreferences(ctx, wim.ID, models.PreferencesChange{Language: &nl}); err != nil {
			t.Fatal(err)
		}
		dutch := srv.SignedIn(wim)
		theo := srv.User("Theo", "theo@example.com", models.RoleTeam)
		charger := apiIdea(t, apiCall(bearerClient(t, srv, wim), http.MethodPost, "/ideas", `{"title":"A charger for the office","category":"battery-range"}`), http.StatusCreated)
		bell := apiIdea(t, apiCall(bearerClient(t, srv, wim), http.MethodPost, "/ideas", `{"title":"A louder bell","category":"problems"}`), http.StatusCreated)
		apiIdea(t, apiCall(bearerClient(t, srv, theo), http.MethodPut, "/ideas/"+itoa(charger.ID)+"/status", `{"status":"planned","note":""}`), http.StatusOK)
		chargerPath := "/ideas/" + itoa(charger.ID) + "/" + charger.Slug
		for _, reader := range []struct {
			c             *apptest.Client
			battery, bell string
		}{{dutch, "Accu en bereik", "Problems"}, {srv.Client(), "Battery & range", "Problems"}, {team, "Battery & range", "Problems"}} {
			r = reader.c.Get("/?sort=new")
			wantText(t, r, `li.idea-row[data-id="`+itoa(charger.ID)+`"] .category`, reader.battery)
			wantText(t, r, `li.idea-row[data-id="`+itoa(bell.ID)+`"] .category`, reader.bell)
			wantText(t, r, `select#category option[value="battery-range"]`, reader.battery)
			wantText(t, reader.c.Get(chargerPath), ".idea-header .meta .category", reader.battery)
			wantText(t, reader.c.Get("/roadmap"), `.roadmap-card[data-id="`+itoa(charger.ID)+`"] .category`, reader.battery)
		}
		wantText(t, dutch.Get("/?sort=new"), `li.idea-row[data-id="`+itoa(charger.ID)+`"] .status`, "Gepland")
		if _, err := srv.Store.UpdatePreferences(ctx, theo.ID, models.PreferencesChange{Language: &nl}); err != nil {
			t.Fatal(err)
		}
		dutchTeam := srv.SignedIn(theo)
		r = dutchTeam.Get("/admin/triage?view=all")
		wantStatus(t, r, http.StatusOK)
		wantText(t, r, `#f-category option[value="battery-range"]`, "Accu en bereik")
		wantText(t, r, `#a-category option[value="battery-range"]`, "Accu en bereik")
		if meta := r.Doc.Find(`tr.triage-idea[data-id="` + itoa(charger.ID) + `"] .meta`).Text(); !strings.Contains(meta, "· Accu en bereik") {
			t.Fatalf("triage row's meta %q", meta)
		}
		r = dutchTeam.Get("/admin/analytics")
		wantStatus(t, r, http.StatusOK)
		wantText(t, r, `#table-categories tr[data-category="battery-range"] th`, "Accu en bereik")
		wantText(t, admin.Get("/admin/analytics"), `#table-categories tr[data-category="battery-range"] th`, "Battery & range")
		wantText(t, dutch.Get("/ideas/new"), `select#category option[value="features"]`, "Nieuwe mogelijkheden")
		wantText(t, dutch.Get("/?category=battery-range"), ".category-follow button", "Volg nieuwe ideeën in Accu en bereik")

		// A taken slug and bad input re-render with the text kept.
		r = admin.PostForm("/admin/categories", url.Values{"name": {"Again"}, "slug": {"battery-range"}})
		wantStatus(t, r, http.StatusUnprocessableEntity)
		if v, _ := r.Doc.Find("#new-name").Attr("value"); v != "Again" {
			t.Fatalf("the form lost the name: %q", v)
		}
		wantStatus(t, admin.PostForm("/admin/categories", url.Values{"name": {"X"}, "position": {"many"}}), http.StatusUnprocessableEntity)
		wantStatus(t, admin.PostForm("/admin/categories", url.Values{"name": {"X"}, "slug": {"Not A Slug!"}}), http.StatusUnprocessableEntity)

		// The public API lists it; deleting keeps the ideas.
		r = srv.Client().Get("/api/v1/categories")
		listed := apiJSON[struct {
			Categories []map[string]string `json:"categories"`
		}](t, r, http.StatusOK).Categories
		if len(listed) != 4 || !reflect.DeepEqual(listed[0], map[string]string{"slug": "battery-range", "name": "Battery & range", "name_nl": "Accu en bereik", "description": "Charging, range, batteries"}) ||
			listed[1]["name_nl"] != "Nieuwe mogelijkheden" || listed[3]["name_nl"] != "" {
			t.Fatalf("API categories: %s", r.Body)
		}
		c, err := srv.Store.CategoryBySlug(context.Background(), "battery-range")
		if err != nil {
			t.Fatal(err)
		}
		anna := srv.SignedIn(srv.User("Anna", "anna@example.com", models.RoleMember))
		path := proposeThroughForm(t, anna, "Spare battery that fits the frame", "", "battery-range")
		wantStatus(t, team.PostForm("/admin/categories/"+itoa(c.ID)+"/delete", url.Values{"confirm": {"1"}}), http.StatusForbidden)
		wantStatus(t, admin.PostForm("/admin/categories/"+itoa(c.ID)+"/delete", url.Values{"confirm": {"1"}}), http.StatusSeeOther)
		r = srv.Client().Get(path)
		wantStatus(t, r, http.StatusOK)
		wantCount(t, r, ".meta .category", 0)
		wantStatus(t, admin.PostForm("/admin/categories/999999/delete", url.Values{"confirm": {"1"}}), http.StatusNotFound)
	})
}

// TestImagesInIdeasLoadOnlyFromSamen: on an idea's page, an image from
// SAMEN_BASE_URL's origin shows, and one from elsewhere is a link.
func TestImagesInIdeasLoadOnlyFromSamen(t *testing.T) {
	each(t, func(t *testing.T, dialect string) {
		srv := apptest.New(t, dialect, "SAMEN_RATE_LIMITS=off")
		anna := srv.User("Anna", "anna@example.com", models.RoleMember)
		body := fmt.Sprintf(`![our rack](%s/static/rack.png) ![their pixel](https://tracker.example/p.png)`, srv.URL)
		idea := apiIdea(t, apiCall(bearerClient(t, srv, anna), http.MethodPost, "/ideas",
			fmt.Sprintf(`{"title":"Rack pictures","body":%q}`, body)), http.StatusCreated)
		page := srv.Client().Get("/ideas/" + itoa(idea.ID) + "/" + idea.Slug)
		wantCount(t, page, ".markdown.body img", 1)
		if src := page.Doc.Find(".markdown.body img").AttrOr("src", ""); src != srv.URL+"/static/rack.png" {
			t.Fatalf("image from %q", src)
		}
		wantText(t, page, `.markdown.body a[href="https://tracker.example/p.png"]`, "their pixel")
	})
}
