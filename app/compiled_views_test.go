package app_test

import (
	"context"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/PuerkitoBio/goquery"
	"golang.org/x/net/html"

	"samen/app/apptest"
	"samen/models"
)

// The home page is compiled (handlers/list.templ); the other pages are
// html/template (views/). Until every page is moved, the frame around them
// and the vote button exist in both, and these tests hold them the same:
// the same elements, attributes and words, whitespace between elements
// aside.
func TestCompiledPagesMatchTheTemplates(t *testing.T) {
	each(t, func(t *testing.T, dialect string) {
		srv := apptest.New(t, dialect)
		admin := srv.User("Ada Admin", "ada@example.com", models.RoleAdmin)
		member := srv.User("Mia Member", "mia@example.com", models.RoleMember)
		ctx := context.Background()
		idea, err := srv.Store.CreateIdea(ctx, member, models.NewIdea{Title: "Lights in the frame", Body: "Wired through the tubes."})
		if err != nil {
			t.Fatal(err)
		}
		other, err := srv.Store.CreateIdea(ctx, admin, models.NewIdea{Title: "A lock that knows me", Body: "Unlocks as I come near."})
		if err != nil {
			t.Fatal(err)
		}

		// The admin has a notification unread: the header's badge.
		mustNotify(t, srv, notifyRow{user: admin, kind: models.NotifyStatusChanged, idea: &other.ID, actor: member, detail: "planned"})
		for _, who := range []struct {
			name   string
			client *apptest.Client
		}{
			{"visitor", srv.Client()},
			{"member", srv.SignedIn(member)},
			{"admin", srv.SignedIn(admin)},
		} {
			t.Run(who.name, func(t *testing.T) {
				c := who.client
				// Each with a query, so that its address, where forms send the
				// reader back, is not also a link of the navigation.
				home, roadmap := c.Get("/?sort=hot"), c.Get("/roadmap?from=parity")
				wantStatus(t, home, 200)
				wantStatus(t, roadmap, 200)
				if who.name == "admin" {
					wantText(t, home, "header a.inbox-link .unread-badge", "1")
				}
				for _, part := range []string{"head", "header.site-header", "footer.site-footer"} {
					compiled, templated := canonical(frame(home, part), "/?sort=hot"), canonical(frame(roadmap, part), "/roadmap?from=parity")
					if compiled == "" || compiled != templated {
						t.Errorf("%s: the compiled home page's differs from the templates':\n%s\n%s", part, compiled, templated)
					}
				}
			})
		}

		// The vote button: compiled on the home page, from the templates on
		// the idea's page; voted and not, open and closed for votes. The
		// member's lists of their votes and ideas are their own, not shared
		// by members, so compiled for them too.
		c := srv.SignedIn(admin)
		c.Get("/")
		wantStatus(t, c.PostForm("/ideas/"+itoa(idea.ID)+"/vote", nil), http.StatusSeeOther)
		if _, err := srv.Store.SetStatus(ctx, other.ID, admin, "shipped", ""); err != nil {
			t.Fatal(err)
		}
		// Ideas of campaigns while they vote: one sealed, one of points.
		campaignIdea := func(title string, in models.CampaignInput) *models.Idea {
			t.Helper()
			in.Title = &title
			camp, err := srv.Store.CreateCampaign(ctx, admin, in)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := srv.Store.MoveCampaign(ctx, camp.ID, admin, models.PhaseSubmission); err != nil {
				t.Fatal(err)
			}
			i, err := srv.Store.CreateIdea(ctx, member, models.NewIdea{Title: "An idea for " + title, Body: "In " + title, Campaign: camp.Slug})
			if err != nil {
				t.Fatal(err)
			}
			if _, err := srv.Store.MoveCampaign(ctx, camp.ID, admin, models.PhaseVoting); err != nil {
				t.Fatal(err)
			}
			return i
		}
		sealed := campaignIdea("a sealed round", models.CampaignInput{Sealed: ptrTo(true)})
		pointed := campaignIdea("a round of points", models.CampaignInput{Budget: ptrTo(5)})
		for _, v := range []struct {
			client *apptest.Client
			idea   *models.Idea
			list   string
		}{
			{c, idea, "/?voted=1"},
			{c, other, "/?mine=1"},
			{srv.Client(), idea, "/?sort=new"},
			{srv.Client(), other, "/?sort=new"},
			{c, sealed, "/?sort=new"},
			{srv.Client(), pointed, "/?sort=new"},
			{c, pointed, "/?sort=new"},
		} {
			if v.idea == pointed { // points are given on the campaign's page
				wantCount(t, v.client.Get(v.list), "#vote-"+itoa(pointed.ID)+` a.points-link[href$="#idea-`+itoa(pointed.ID)+`"]`, 1)
			}
			home := v.client.Get(v.list)
			path := "/ideas/" + itoa(v.idea.ID) + "/" + v.idea.Slug
			page := v.client.Get(path)
			sel := "#vote-" + itoa(v.idea.ID)
			if got, want := canonical(home.Doc.Find(sel), v.list), canonical(page.Doc.Find(sel), path); got == "" || got != want {
				t.Errorf("%s: idea %d's vote button differs:\n%s\n%s", v.list, v.idea.ID, got, want)
			}
		}
	})
}

// frame is a part of a page's frame, without what a page adds to it of its
// own: its title, share card and feeds.
func frame(r *apptest.Response, part string) *goquery.Selection {
	s := r.Doc.Find(part).Clone()
	s.Find(`title, meta[property], meta[name^="twitter:"], link[rel="alternate"][href="/feeds/roadmap.atom"]`).Remove()
	return s
}

// canonical writes a part of a page as its elements, attributes (sorted)
// and words, so that two renders of it compare equal when a browser sees the
// same. What differs by request is left out: the CSRF token, the marked
// navigation item, and the page's own address where it is sent back (path).
func canonical(s *goquery.Selection, path string) string {
	var b strings.Builder
	escaped := url.QueryEscape(path)
	var walk func(n *html.Node)
	walk = func(n *html.Node) {
		switch n.Type {
		case html.TextNode:
			if text := strings.Join(strings.Fields(n.Data), " "); text != "" {
				if n.Data[0] <= ' ' {
					text = " " + text
				}
				if n.Data[len(n.Data)-1] <= ' ' {
					text += " "
				}
				b.WriteString(text)
			}
		case html.ElementNode:
			var attrs []string
			for _, a := range n.Attr {
				v := a.Val
				switch {
				case a.Key == "aria-current":
					continue
				case a.Key == "content" && attr(n, "name") == "csrf-token", a.Key == "value" && attr(n, "name") == "_csrf":
					v = "CSRF"
				case v == path:
					v = "PATH"
				}
				v = strings.ReplaceAll(strings.ReplaceAll(v, "next="+escaped, "next=PATH"), "next="+strings.ToLower(escaped), "next=PATH")
				attrs = append(attrs, a.Key+"="+v)
			}
			slices.Sort(attrs)
			b.WriteString("<" + n.Data + " " + strings.Join(attrs, " ") + ">")
			for c := n.FirstChild; c != nil; c = c.NextSibling {
				walk(c)
			}
			b.WriteString("</" + n.Data + ">\n")
		}
	}
	for _, n := range s.Nodes {
		walk(n)
	}
	return b.String()
}

func attr(n *html.Node, key string) string {
	for _, a := range n.Attr {
		if a.Key == key {
			return a.Val
		}
	}
	return ""
}
