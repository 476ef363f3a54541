package app_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"testing"

	"samen/app/apptest"
	"samen/models"
)

// getIfNoneMatch fetches a path with an If-None-Match header.
func getIfNoneMatch(c *apptest.Client, path, etag string) *apptest.Response {
	req := httptest.NewRequest(http.MethodGet, path, nil)
	req.Header.Set("If-None-Match", etag)
	return c.Do(req)
}

// TestConditionalGets: pages and the JSON API carry an ETag of what they
// say, and a client that holds it gets 304 with no body, until something on
// the page changes. The CSRF token, new in every page, counts for nothing;
// the session it belongs to does.
func TestConditionalGets(t *testing.T) {
	each(t, func(t *testing.T, dialect string) {
		srv := apptest.New(t, dialect, "SAMEN_RATE_LIMITS=off")
		ctx := context.Background()
		anna := srv.User("Anna", "anna@example.com", models.RoleMember)
		bram := srv.User("Bram", "bram@example.com", models.RoleMember)
		idea, err := srv.Store.CreateIdea(ctx, anna, models.NewIdea{Title: "A bell you can hear in traffic"})
		if err != nil {
			t.Fatal(err)
		}

		// The API: the same answer, the same ETag; held, a 304 without a body.
		api := srv.Client()
		first := apiCall(api, http.MethodGet, "/ideas", "")
		wantStatus(t, first, http.StatusOK)
		etag := first.Header.Get("ETag")
		if len(etag) < 5 || etag[:3] != `W/"` {
			t.Fatalf("the idea list's ETag is %q", etag)
		}
		if cc := first.Header.Get("Cache-Control"); cc != "private, no-cache" {
			t.Errorf("the idea list says Cache-Control %q", cc)
		}
		if again := apiCall(api, http.MethodGet, "/ideas", ""); again.Header.Get("ETag") != etag {
			t.Errorf("the same list has another ETag: %q, then %q", etag, again.Header.Get("ETag"))
		}
		held := getIfNoneMatch(api, "/api/v1/ideas", etag)
		wantStatus(t, held, http.StatusNotModified)
		if len(held.Body) != 0 || held.Header.Get("ETag") != etag {
			t.Fatalf("a 304 with %d bytes and ETag %q", len(held.Body), held.Header.Get("ETag"))
		}
		// Listed among others, or strong where it was weak, it still matches.
		wantStatus(t, getIfNoneMatch(api, "/api/v1/ideas", `"other", `+etag[2:]), http.StatusNotModified)
		wantStatus(t, getIfNoneMatch(api, "/api/v1/ideas", `"other"`), http.StatusOK)

		// A client that keeps no cookies (curl, a script) gets a new CSRF
		// cookie each time, and still one ETag, and its 304; so does a client
		// with an API token.
		for i, c := range []*apptest.Client{srv.Client(), srv.Client(), bearerClient(t, srv, bram)} {
			if got := apiCall(c, http.MethodGet, "/ideas", "").Header.Get("ETag"); got != etag {
				t.Errorf("client %d without the cookies of the first gets ETag %q, not %q", i, got, etag)
			}
		}
		wantStatus(t, getIfNoneMatch(srv.Client(), "/api/v1/ideas", etag), http.StatusNotModified)
		wantStatus(t, getIfNoneMatch(bearerClient(t, srv, bram), "/api/v1/ideas", etag), http.StatusNotModified)

		// A vote changes the list: the held copy is sent anew.
		if _, _, err := srv.Store.Vote(ctx, idea.ID, bram.ID); err != nil {
			t.Fatal(err)
		}
		changed := getIfNoneMatch(api, "/api/v1/ideas", etag)
		wantStatus(t, changed, http.StatusOK)
		if changed.Header.Get("ETag") == etag || len(changed.Body) == 0 {
			t.Fatalf("after a vote the list kept its ETag %q", etag)
		}

		// A member's page: two answers differ in their CSRF token alone, and
		// have one ETag; held, it is a 304.
		annaPages := srv.SignedIn(anna)
		page := annaPages.Get("/")
		wantStatus(t, page, http.StatusOK)
		token := annaPages.CSRF
		second := annaPages.Get("/")
		if token == "" || annaPages.CSRF == token {
			t.Fatalf("the CSRF tokens of two pages: %q and %q", token, annaPages.CSRF)
		}
		pageTag := page.Header.Get("ETag")
		if pageTag == "" || second.Header.Get("ETag") != pageTag {
			t.Fatalf("the home page's ETags: %q, then %q", pageTag, second.Header.Get("ETag"))
		}
		wantStatus(t, getIfNoneMatch(annaPages, "/", pageTag), http.StatusNotModified)
		// Another member, or Anna in a new session, holds another page.
		if other := srv.SignedIn(bram).Get("/"); other.Header.Get("ETag") == pageTag {
			t.Error("Bram's home page has Anna's ETag")
		}
		wantStatus(t, getIfNoneMatch(srv.SignedIn(anna), "/", pageTag), http.StatusOK)
		// A visitor's page (the page cache's) is the same for that visitor.
		visitor := srv.Client()
		v1 := visitor.Get("/")
		v2 := getIfNoneMatch(visitor, "/", v1.Header.Get("ETag"))
		wantStatus(t, v2, http.StatusNotModified)

		// What says no-store keeps no copy, and gets no ETag.
		me := annaPages.Get("/me/export")
		wantStatus(t, me, http.StatusOK)
		if me.Header.Get("ETag") != "" {
			t.Errorf("the data export has an ETag: %q", me.Header.Get("ETag"))
		}
	})
}
