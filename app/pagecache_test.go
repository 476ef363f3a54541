package app_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"samen/app/apptest"
	"samen/models"
)

// TestVisitorsShareRenderedPagesButNotTokens: a page rendered for one
// visitor is served to the next for a moment, each with a CSRF token of
// their own that works; members always get their own page.
func TestVisitorsShareRenderedPagesButNotTokens(t *testing.T) {
	each(t, func(t *testing.T, dialect string) {
		srv := apptest.New(t, dialect, "SAMEN_RATE_LIMITS=off")
		anna := srv.User("Anna", "anna@example.com", models.RoleMember)
		idea := createIdeaAPI(t, bearerClient(t, srv, anna), "Kickstand that holds on hills")

		first, second := srv.Client(), srv.Client()
		a, b := first.Get("/"), second.Get("/")
		wantStatus(t, a, http.StatusOK)
		wantStatus(t, b, http.StatusOK)
		if first.CSRF == "" || second.CSRF == "" || first.CSRF == second.CSRF {
			t.Fatalf("tokens %q and %q", first.CSRF, second.CSRF)
		}
		if strings.Contains(string(b.Body), "samenCsrf") || strings.Contains(string(b.Body), first.CSRF) {
			t.Fatal("a cached page carries a placeholder or another visitor's token")
		}
		strip := func(r *apptest.Response, token string) string { return strings.ReplaceAll(string(r.Body), token, "") }
		if strip(a, first.CSRF) != strip(b, second.CSRF) {
			t.Fatal("two visitors' pages differ in more than their tokens")
		}
		// Each visitor's token works with their own cookie, from the cached page too.
		for _, c := range []*apptest.Client{first, second} {
			wantStatus(t, c.PostForm("/lang", url.Values{"lang": {"nl"}, "next": {"/"}}), http.StatusSeeOther)
		}
		// The Dutch page is another page, not the English one.
		r := first.Get("/")
		if r.Doc.Find("html").AttrOr("lang", "") != "nl" {
			t.Fatal("a visitor who chose Dutch got the cached English page")
		}

		// A write through this instance shows to the next visitor at once.
		wantCount(t, srv.Client().Get("/"), ".idea-row", 1)
		createIdeaAPI(t, bearerClient(t, srv, anna), "Mudguards that do not rattle")
		wantCount(t, srv.Client().Get("/"), ".idea-row", 2)

		// A member's vote shows at once on the member's own page.
		bram := srv.User("Bram", "bram@example.com", models.RoleMember)
		member := srv.SignedIn(bram)
		page := member.Get("/ideas/" + itoa(idea) + "/kickstand-that-holds-on-hills")
		wantText(t, page, ".vote-count", "1")
		srv.Client().Get("/ideas/" + itoa(idea) + "/kickstand-that-holds-on-hills")
		wantStatus(t, member.PostForm("/ideas/"+itoa(idea)+"/vote", url.Values{"next": {"/ideas/" + itoa(idea) + "/kickstand-that-holds-on-hills"}}), http.StatusSeeOther)
		wantText(t, member.Get("/ideas/"+itoa(idea)+"/kickstand-that-holds-on-hills"), ".vote-count", "2")
	})
}

// TestCachedPagesPutTheTokenOnlyWhereTheTokenIs: a member's idea and comment
// that contain any text, even the text a page once stood for the token with,
// never carry a visitor's token, on the page rendered for the first visitor
// nor on the cached copy the next one gets.
func TestCachedPagesPutTheTokenOnlyWhereTheTokenIs(t *testing.T) {
	each(t, func(t *testing.T, dialect string) {
		srv := apptest.New(t, dialect, "SAMEN_RATE_LIMITS=off")
		anna := srv.User("Anna", "anna@example.com", models.RoleMember)
		const bait = "samenCsrfPlaceholder7f3a9c1e5b2d"
		api := bearerClient(t, srv, anna)
		idea := apiIdea(t, apiCall(api, http.MethodPost, "/ideas",
			`{"title":"Bell `+bait+`","body":"Send it to https://evil.example/?t=`+bait+`"}`), http.StatusCreated)
		wantStatus(t, apiCall(api, http.MethodPost, "/ideas/"+itoa(idea.ID)+"/comments", `{"body":"`+bait+`"}`), http.StatusCreated)

		path := "/ideas/" + itoa(idea.ID) + "/" + idea.Slug
		for _, visitor := range []*apptest.Client{srv.Client(), srv.Client(), srv.Client()} {
			r := visitor.Get(path)
			wantStatus(t, r, http.StatusOK)
			if visitor.CSRF == "" || visitor.CSRF == bait {
				t.Fatalf("the page's own token is %q", visitor.CSRF)
			}
			for _, sel := range []string{"h1", ".markdown.body", ".comment .markdown"} {
				text := r.Doc.Find(sel).First().Text()
				if strings.Contains(text, visitor.CSRF) || !strings.Contains(text, bait) {
					t.Fatalf("%s %q reads %q: the member's text was changed into the visitor's token", path, sel, text)
				}
			}
			// The token stands where the page puts it, and works.
			if r.Doc.Find(`meta[name="csrf-token"]`).AttrOr("content", "") != visitor.CSRF {
				t.Fatal("the page's meta tag lacks the visitor's token")
			}
			wantStatus(t, visitor.PostForm("/lang", url.Values{"lang": {"en"}, "next": {"/"}}), http.StatusSeeOther)
		}
	})
}
