package app_test

import (
	"bytes"
	"context"
	"fmt"
	"image"
	"image/png"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"samen/app/apptest"
	"samen/models"
)

// A brand and a title that need escaping everywhere they are printed.
const (
	shareBrand = `Bikes "R" <Us> & Co`
	shareTitle = `A "quiet" <bell> & a louder one`
)

// meta returns the content of the one tag that matches selector.
func meta(t *testing.T, r *apptest.Response, selector string) string {
	t.Helper()
	if r.Doc == nil {
		t.Fatalf("%s: not an HTML page", r.Request.URL)
	}
	found := r.Doc.Find(selector)
	if found.Length() != 1 {
		t.Fatalf("%s: %d tags match %q, want 1", r.Request.URL, found.Length(), selector)
	}
	content, _ := found.Attr("content")
	return content
}

// wantShareTags checks the Open Graph and Twitter card tags of a page.
func wantShareTags(t *testing.T, srv *apptest.Server, r *apptest.Response, title, path, ogType, imagePath, lang string) {
	t.Helper()
	wantStatus(t, r, http.StatusOK)
	want := map[string]string{
		`meta[property="og:title"]`:        title,
		`meta[property="og:url"]`:          srv.URL + path,
		`meta[property="og:type"]`:         ogType,
		`meta[property="og:site_name"]`:    shareBrand,
		`meta[property="og:locale"]`:       map[string]string{"en": "en_US", "nl": "nl_NL"}[lang],
		`meta[property="og:image:width"]`:  "1200",
		`meta[property="og:image:height"]`: "630",
		`meta[property="og:image:type"]`:   "image/png",
		`meta[name="twitter:card"]`:        "summary_large_image",
		`meta[name="twitter:title"]`:       title,
	}
	for selector, value := range want {
		if got := meta(t, r, selector); got != value {
			t.Errorf("%s %s: %q, want %q", r.Request.URL.Path, selector, got, value)
		}
	}
	image := meta(t, r, `meta[property="og:image"]`)
	u, err := url.Parse(image)
	if err != nil || !strings.HasPrefix(image, srv.URL+imagePath+"?") || u.Query().Get("lang") != lang || u.Query().Get("v") == "" {
		t.Errorf("%s og:image %q, want %s%s?lang=%s&v=...", r.Request.URL.Path, image, srv.URL, imagePath, lang)
	}
	if got := meta(t, r, `meta[name="twitter:image"]`); got != image {
		t.Errorf("twitter:image %q, want og:image %q", got, image)
	}
	for _, selector := range []string{`meta[property="og:description"]`, `meta[name="twitter:description"]`, `meta[property="og:image:alt"]`, `meta[name="twitter:image:alt"]`} {
		if got := meta(t, r, selector); got == "" {
			t.Errorf("%s %s is empty", r.Request.URL.Path, selector)
		}
	}
	// Nothing printed the brand or the title unescaped.
	for _, raw := range []string{"<Us>", "<bell>", `"quiet"`} {
		if bytes.Contains(r.Body, []byte(raw)) {
			t.Errorf("%s prints %s unescaped", r.Request.URL.Path, raw)
		}
	}
}

// pathOf is the path and query of an absolute URL on the test server.
func pathOf(t *testing.T, srv *apptest.Server, absolute string) string {
	t.Helper()
	rest, ok := strings.CutPrefix(absolute, srv.URL)
	if !ok {
		t.Fatalf("%q is not on %s", absolute, srv.URL)
	}
	return rest
}

// sharePNG fetches a share image and checks that it is a 1200x630 PNG.
func sharePNG(t *testing.T, c *apptest.Client, path string) *apptest.Response {
	t.Helper()
	r := c.Get(path)
	wantStatus(t, r, http.StatusOK)
	if ct := r.Header.Get("Content-Type"); ct != "image/png" {
		t.Fatalf("%s: Content-Type %q", path, ct)
	}
	img, err := png.Decode(bytes.NewReader(r.Body))
	if err != nil {
		t.Fatalf("%s: not a PNG: %v", path, err)
	}
	if img.Bounds() != image.Rect(0, 0, 1200, 630) {
		t.Fatalf("%s: %v, want 1200x630", path, img.Bounds())
	}
	if r.Header.Get("ETag") == "" || !strings.Contains(r.Header.Get("Cache-Control"), "must-revalidate") {
		t.Fatalf("%s: ETag %q, Cache-Control %q", path, r.Header.Get("ETag"), r.Header.Get("Cache-Control"))
	}
	if cookies := r.Header.Values("Set-Cookie"); len(cookies) > 0 {
		t.Fatalf("%s sets cookies on a public image: %q", path, cookies)
	}
	return r
}

var drawnMetric = regexp.MustCompile(`(?m)^samen_share_images_drawn_total (\d+)$`)

// drawn reads how many share images the server drew, from /metrics.
func drawn(t *testing.T, srv *apptest.Server) int {
	t.Helper()
	m := drawnMetric.FindSubmatch(srv.Client().Get("/metrics").Body)
	if m == nil {
		t.Fatal("/metrics lacks samen_share_images_drawn_total")
	}
	n, _ := strconv.Atoi(string(m[1]))
	return n
}

// TestShareTags: idea, roadmap and changelog pages carry Open Graph and
// Twitter card tags, escaped, with absolute URLs and the page's language;
// hidden ideas and drafts carry none.
func TestShareTags(t *testing.T) {
	each(t, func(t *testing.T, dialect string) {
		srv := apptest.New(t, dialect, "SAMEN_RATE_LIMITS=off", "SAMEN_BRAND_NAME="+shareBrand)
		ctx := context.Background()
		anna := srv.User("Anna", "anna@example.com", models.RoleMember)
		mo := srv.User("Mo", "mo@example.com", models.RoleModerator)
		tess := srv.User("Tess", "tess@example.com", models.RoleTeam)
		idea, err := srv.Store.CreateIdea(ctx, anna, models.NewIdea{Title: shareTitle,
			Body: "**Why:** the bell is <b>too</b> loud.\n\n- in town\n- at night"})
		if err != nil {
			t.Fatal(err)
		}
		path := fmt.Sprintf("/ideas/%d/%s", idea.ID, idea.Slug)
		visitor := srv.Client()
		for range 2 { // rendered, then from the visitors' page cache
			r := visitor.Get(path)
			wantShareTags(t, srv, r, shareTitle, path, "article", fmt.Sprintf("/ideas/%d/share.png", idea.ID), "en")
			if got := meta(t, r, `meta[property="og:description"]`); got != "Why: the bell is too loud. in town at night" {
				t.Errorf("og:description %q", got)
			}
		}
		wantShareTags(t, srv, srv.SignedIn(anna).Get(path), shareTitle, path, "article", fmt.Sprintf("/ideas/%d/share.png", idea.ID), "en")

		dutch := srv.Client()
		dutch.Header.Set("Accept-Language", "nl")
		wantShareTags(t, srv, dutch.Get(path), shareTitle, path, "article", fmt.Sprintf("/ideas/%d/share.png", idea.ID), "nl")

		wantShareTags(t, srv, visitor.Get("/roadmap"), "Roadmap · "+shareBrand, "/roadmap", "website", "/roadmap/share.png", "en")
		wantShareTags(t, srv, visitor.Get("/changelog"), "Changelog · "+shareBrand, "/changelog", "website", "/changelog/share.png", "en")
		wantShareTags(t, srv, dutch.Get("/changelog"), "Wat is er nieuw · "+shareBrand, "/changelog", "website", "/changelog/share.png", "nl")
		entryTitle := `Quieter "bells" <shipped>`
		entry := mustEntry(t, srv, tess, entryTitle, true, idea.ID)
		entryPath := fmt.Sprintf("/changelog/%d", entry.ID)
		r := visitor.Get(entryPath)
		wantShareTags(t, srv, r, entryTitle, entryPath, "article", entryPath+"/share.png", "en")
		// The body's Markdown rendered, then as text: the raw HTML in it is gone.
		if got := meta(t, r, `meta[property="og:description"]`); got != `What changed in Quieter "bells"` {
			t.Errorf("entry og:description %q", got)
		}

		// A draft has no tags, for the team that reads it.
		draft := mustEntry(t, srv, tess, "A draft about bells", false)
		r = srv.SignedIn(tess).Get(fmt.Sprintf("/changelog/%d", draft.ID))
		wantStatus(t, r, http.StatusOK)
		wantCount(t, r, `meta[property^="og:"], meta[name^="twitter:"]`, 0)

		// Nor has a hidden idea, for the moderator who still reads it.
		hidden := true
		if _, err := srv.Store.ModerateIdea(ctx, idea.ID, mo, models.IdeaModeration{Hidden: &hidden, Reason: "off topic"}); err != nil {
			t.Fatal(err)
		}
		wantStatus(t, visitor.Get(path), http.StatusNotFound)
		r = srv.SignedIn(mo).Get(path)
		wantStatus(t, r, http.StatusOK)
		wantCount(t, r, `meta[property^="og:"], meta[name^="twitter:"]`, 0)
		wantCount(t, r, `.share-links`, 0)
	})
}

// TestShareImage: the share image is a 1200x630 PNG, drawn once and then
// served from the cache with an ETag that names what is drawn; it changes
// when the title or the vote count does; a hidden idea has none.
func TestShareImage(t *testing.T) {
	each(t, func(t *testing.T, dialect string) {
		srv := apptest.New(t, dialect, "SAMEN_RATE_LIMITS=off", "SAMEN_BRAND_NAME="+shareBrand)
		ctx := context.Background()
		anna := srv.User("Anna", "anna@example.com", models.RoleMember)
		bram := srv.User("Bram", "bram@example.com", models.RoleMember)
		mo := srv.User("Mo", "mo@example.com", models.RoleModerator)
		idea := mustIdea(t, srv, anna, shareTitle)
		visitor := srv.Client()
		imageOf := func() string {
			t.Helper()
			return pathOf(t, srv, meta(t, visitor.Get(fmt.Sprintf("/ideas/%d/%s", idea.ID, idea.Slug)), `meta[property="og:image"]`))
		}

		src := imageOf()
		before := drawn(t, srv)
		first := sharePNG(t, visitor, src)
		second := sharePNG(t, srv.SignedIn(bram), src)
		if !bytes.Equal(first.Body, second.Body) || first.Header.Get("ETag") != second.Header.Get("ETag") {
			t.Fatal("the same idea gave two images")
		}
		if n := drawn(t, srv) - before; n != 1 {
			t.Fatalf("drew %d images for two requests of one, want 1", n)
		}
		etag := first.Header.Get("ETag")
		req := httptest.NewRequest(http.MethodGet, src, nil)
		req.Header.Set("If-None-Match", etag)
		if r := visitor.Do(req); r.StatusCode != http.StatusNotModified || len(r.Body) != 0 || r.Header.Get("ETag") != etag {
			t.Fatalf("If-None-Match with the current ETag: %d, %d bytes, ETag %q", r.StatusCode, len(r.Body), r.Header.Get("ETag"))
		}
		// The page's language is the image's: another text, another ETag.
		nl := sharePNG(t, visitor, strings.Replace(src, "lang=en", "lang=nl", 1))
		if nl.Header.Get("ETag") == etag || bytes.Equal(nl.Body, first.Body) {
			t.Fatal("the Dutch image is the English one")
		}

		// A vote changes the image, its ETag and the page's link to it.
		if _, _, err := srv.Store.Vote(ctx, idea.ID, bram.ID); err != nil {
			t.Fatal(err)
		}
		voted := sharePNG(t, visitor, src)
		if bytes.Equal(voted.Body, first.Body) || voted.Header.Get("ETag") == etag {
			t.Fatal("the image did not change with the vote count")
		}
		req = httptest.NewRequest(http.MethodGet, src, nil)
		req.Header.Set("If-None-Match", etag)
		wantStatus(t, visitor.Do(req), http.StatusOK)
		if imageOf() == src {
			t.Error("the page links the same image version after a vote")
		}

		// So does a new title.
		title := "A quiet bell, and a louder one for the city"
		if _, err := srv.Store.UpdateIdea(ctx, idea.ID, anna, models.IdeaUpdate{Title: &title}); err != nil {
			t.Fatal(err)
		}
		retitled := sharePNG(t, visitor, src)
		if bytes.Equal(retitled.Body, voted.Body) {
			t.Fatal("the image did not change with the title")
		}
		before = drawn(t, srv)
		sharePNG(t, visitor, src)
		if n := drawn(t, srv) - before; n != 0 {
			t.Fatalf("drew %d images for an unchanged idea, want 0", n)
		}

		// The roadmap, the changelog and a published entry have theirs; a draft has none.
		tess := srv.User("Tess", "tess@example.com", models.RoleTeam)
		entry := mustEntry(t, srv, tess, "Quieter bells", true, idea.ID)
		draft := mustEntry(t, srv, tess, "A draft about bells", false)
		for _, p := range []string{"/roadmap/share.png", "/changelog/share.png", fmt.Sprintf("/changelog/%d/share.png", entry.ID)} {
			sharePNG(t, visitor, p)
		}
		wantStatus(t, srv.SignedIn(tess).Get(fmt.Sprintf("/changelog/%d/share.png", draft.ID)), http.StatusNotFound)

		// A hidden idea's image is not found, for visitors and staff alike.
		hidden := true
		if _, err := srv.Store.ModerateIdea(ctx, idea.ID, mo, models.IdeaModeration{Hidden: &hidden, Reason: "off topic"}); err != nil {
			t.Fatal(err)
		}
		wantStatus(t, visitor.Get(src), http.StatusNotFound)
		wantStatus(t, srv.SignedIn(mo).Get(src), http.StatusNotFound)
		wantStatus(t, visitor.Get("/ideas/999999/share.png"), http.StatusNotFound)
	})
}

// TestShareLinks: an idea and a changelog entry offer plain links to share
// them, encoded so that each network reads the page's URL and title.
func TestShareLinks(t *testing.T) {
	each(t, func(t *testing.T, dialect string) {
		srv := apptest.New(t, dialect, "SAMEN_RATE_LIMITS=off", "SAMEN_BRAND_NAME="+shareBrand)
		anna := srv.User("Anna", "anna@example.com", models.RoleMember)
		tess := srv.User("Tess", "tess@example.com", models.RoleTeam)
		title := shareTitle + " #1 + 50% off?"
		idea := mustIdea(t, srv, anna, title)
		entry := mustEntry(t, srv, tess, "Quieter bells & more", true, idea.ID)
		for _, tc := range []struct {
			path, title, lang, label string
		}{
			{fmt.Sprintf("/ideas/%d/%s", idea.ID, idea.Slug), title, "en", "Share on X (opens in a new tab)"},
			{fmt.Sprintf("/ideas/%d/%s", idea.ID, idea.Slug), title, "nl", "Delen op X (opent in een nieuw tabblad)"},
			{fmt.Sprintf("/changelog/%d", entry.ID), "Quieter bells & more", "en", "Share on X (opens in a new tab)"},
		} {
			c := srv.Client()
			c.Header.Set("Accept-Language", tc.lang)
			r := c.Get(tc.path)
			wantStatus(t, r, http.StatusOK)
			pageURL, imageURL := srv.URL+tc.path, meta(t, r, `meta[property="og:image"]`)
			link := func(class string) *url.URL {
				t.Helper()
				a := r.Doc.Find(".share-links a." + class)
				if a.Length() != 1 {
					t.Fatalf("%s: %d links .%s", tc.path, a.Length(), class)
				}
				href, _ := a.Attr("href")
				u, err := url.Parse(href)
				if err != nil {
					t.Fatalf("%s: %s href %q: %v", tc.path, class, href, err)
				}
				if class != "share-email" {
					if target, _ := a.Attr("target"); target != "_blank" {
						t.Errorf("%s: %s target %q", tc.path, class, target)
					}
				}
				if rel, _ := a.Attr("rel"); rel != "noopener noreferrer" {
					t.Errorf("%s: %s rel %q", tc.path, class, rel)
				}
				return u
			}
			wantLink := func(class, prefix string, query map[string]string) {
				t.Helper()
				u := link(class)
				if got := u.Scheme + "://" + u.Host + u.Path; got != prefix {
					t.Errorf("%s: %s goes to %s, want %s", tc.path, class, got, prefix)
				}
				for k, want := range query {
					if got := u.Query().Get(k); got != want {
						t.Errorf("%s: %s %s=%q, want %q", tc.path, class, k, got, want)
					}
				}
			}
			wantLink("share-x", "https://twitter.com/intent/tweet", map[string]string{"url": pageURL, "text": tc.title})
			wantLink("share-facebook", "https://www.facebook.com/sharer/sharer.php", map[string]string{"u": pageURL})
			wantLink("share-linkedin", "https://www.linkedin.com/sharing/share-offsite/", map[string]string{"url": pageURL})
			wantLink("share-pinterest", "https://pinterest.com/pin/create/button/", map[string]string{"url": pageURL, "media": imageURL, "description": tc.title})
			mail := link("share-email")
			if mail.Scheme != "mailto" || strings.Contains(mail.RawQuery, "+") {
				t.Errorf("%s: email link %q: want mailto: with spaces as %%20", tc.path, mail)
			}
			q, err := url.ParseQuery(mail.RawQuery)
			if err != nil || q.Get("subject") != tc.title || q.Get("body") != tc.title+"\n\n"+pageURL {
				t.Errorf("%s: email subject %q body %q", tc.path, q.Get("subject"), q.Get("body"))
			}
			if label, _ := r.Doc.Find(".share-links a.share-x").Attr("aria-label"); label != tc.label {
				t.Errorf("%s in %s: X link named %q, want %q", tc.path, tc.lang, label, tc.label)
			}
			if bytes.Contains(r.Body, []byte("<script src=\"http")) {
				t.Errorf("%s loads a third-party script", tc.path)
			}
		}
		wantCount(t, srv.Client().Get("/roadmap"), ".share-links", 0)
	})
}
