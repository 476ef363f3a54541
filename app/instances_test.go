package app_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"samen/app/apptest"
	"samen/models"
)

// pageTTL is how long a visitor page stays cached (app/pagecache.go): what
// another instance shows within it came through its invalidation, not the
// cache's expiry.
const pageTTL = 2 * time.Second

// TestAWriteThroughOneInstanceShowsOnTheOthersCachedPage: two instances on
// one PostgreSQL database, each with its own page cache. A vote and a new
// idea through one are on the other's visitor pages at the next request,
// long before those pages would have expired.
func TestAWriteThroughOneInstanceShowsOnTheOthersCachedPage(t *testing.T) {
	a := apptest.New(t, models.Postgres, "SAMEN_RATE_LIMITS=off")
	b := a.Twin("SAMEN_RATE_LIMITS=off")
	waitListening(t, a, b)
	anna := a.User("Anna", "anna@example.com", models.RoleMember)
	idea := createIdeaAPI(t, bearerClient(t, a, anna), "Kickstand that holds on hills")
	path := "/ideas/" + itoa(idea) + "/kickstand-that-holds-on-hills"

	bram := a.User("Bram", "bram@example.com", models.RoleMember)
	member, api := a.SignedIn(bram), bearerClient(t, a, anna)
	member.Get(path) // for its CSRF token
	waitStartJobs(t, a)

	// b renders both pages for visitors and keeps them.
	rendered := time.Now()
	wantText(t, b.Client().Get(path), ".vote-count", "1")
	wantCount(t, b.Client().Get("/"), ".idea-row", 1)
	wantText(t, b.Client().Get(path), ".vote-count", "1") // from b's cache

	// A vote and an idea through a.
	wantStatus(t, member.PostForm("/ideas/"+itoa(idea)+"/vote", url.Values{"next": {path}}), http.StatusSeeOther)
	createIdeaAPI(t, api, "Mudguards that do not rattle")

	// The next visitor on b sees both. The notice travels through
	// PostgreSQL after the commit, so allow it a moment, less than the
	// cache keeps a page.
	seen := eventually(t, rendered.Add(pageTTL), func() bool {
		return text(b.Client().Get(path), ".vote-count") == "2" && b.Client().Get("/").Doc.Find(".idea-row").Length() == 2
	})
	if !seen {
		t.Fatalf("instance b still served its cached pages %v after rendering them: the writes through a did not invalidate them", pageTTL)
	}
}

// waitStartJobs waits until the jobs every start runs have been worked:
// they write on whichever instance works them, which empties that
// instance's cache by itself, so only the invalidation may do it in the test.
func waitStartJobs(t *testing.T, s *apptest.Server) {
	t.Helper()
	done := eventually(t, time.Now().Add(30*time.Second), func() bool {
		var pending, done int
		err := s.Store.DB().QueryRow(`SELECT count(*) FILTER (WHERE state NOT IN ('completed', 'cancelled', 'discarded')),
			count(DISTINCT kind) FILTER (WHERE kind IN ('cleanup_expired', 'prune_notifications') AND state = 'completed')
			FROM river_job`).Scan(&pending, &done)
		return err == nil && pending == 0 && done == 2
	})
	if !done {
		t.Fatal("the start-up jobs did not finish")
	}
}

func waitListening(t *testing.T, servers ...*apptest.Server) {
	t.Helper()
	for _, s := range servers {
		if !eventually(t, time.Now().Add(10*time.Second), s.Store.Listening) {
			t.Fatal("an instance never started listening for the others' writes")
		}
	}
}

// eventually polls ok until it holds, and reports whether it did before
// deadline: the call that holds must have ended by then.
func eventually(t *testing.T, deadline time.Time, ok func() bool) bool {
	t.Helper()
	for time.Now().Before(deadline) {
		if ok() {
			return time.Now().Before(deadline)
		}
		time.Sleep(20 * time.Millisecond)
	}
	return false
}

func text(r *apptest.Response, selector string) string {
	if r.Doc == nil {
		return ""
	}
	return r.Doc.Find(selector).First().Text()
}

// TestTagsSetThroughOneInstanceShowOnTheOthersList: the store keeps the
// tags of listed ideas in memory. Tags set through one instance are on the
// other's list (its page cache off, so only the kept tags could be stale)
// at the next request, and a vote, which changes no tag, keeps them.
func TestTagsSetThroughOneInstanceShowOnTheOthersList(t *testing.T) {
	a := apptest.New(t, models.Postgres, "SAMEN_RATE_LIMITS=off")
	b := a.Twin("SAMEN_RATE_LIMITS=off", "SAMEN_PAGE_CACHE=off")
	waitListening(t, a, b)
	team := bearerClient(t, a, a.User("Tess", "tess@example.com", models.RoleTeam))
	id := createIdeaAPI(t, team, "Kickstand that holds on hills")
	tagsOnB := func() []string {
		_, ideas := apiList(t, b.Client(), "")
		if len(ideas) != 1 {
			t.Fatalf("b lists %d ideas", len(ideas))
		}
		return ideas[0].Tags
	}
	if tags := tagsOnB(); len(tags) != 0 {
		t.Fatalf("tags before: %v", tags)
	}
	apiIdea(t, apiCall(team, http.MethodPatch, "/ideas/"+itoa(id), `{"tags":["hills","parking"]}`), http.StatusOK)
	seen := eventually(t, time.Now().Add(pageTTL), func() bool { return strings.Join(tagsOnB(), ",") == "hills,parking" })
	if !seen {
		t.Fatalf("b still lists the idea with tags %v", tagsOnB())
	}
	wantStatus(t, apiCall(bearerClient(t, a, a.User("Anna", "anna@example.com", models.RoleMember)), http.MethodPost, "/ideas/"+itoa(id)+"/vote", ""), http.StatusOK)
	apiIdea(t, apiCall(team, http.MethodPatch, "/ideas/"+itoa(id), `{"tags":["parking"]}`), http.StatusOK)
	if !eventually(t, time.Now().Add(pageTTL), func() bool { return strings.Join(tagsOnB(), ",") == "parking" }) {
		t.Fatalf("b still lists the idea with tags %v", tagsOnB())
	}
	if _, ideas := apiList(t, a.Client(), ""); strings.Join(ideas[0].Tags, ",") != "parking" {
		t.Fatalf("a lists the idea with tags %v", ideas[0].Tags)
	}
}
