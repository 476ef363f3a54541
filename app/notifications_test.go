package app_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"samen/app/apptest"
	"samen/models"
)

// notifyRow is a notification to write straight into the tables, as the
// fan-out job would.
type notifyRow struct {
	user      *models.User
	kind      string
	idea      *int64
	other     *int64 // a merge: the idea merged into
	comment   *int64
	entry     *int64
	actor     *models.User
	detail    string
	createdAt time.Time
	readAt    *time.Time
}

// mustNotify writes an event and one member's notification of it, and
// returns the notification's id.
func mustNotify(t *testing.T, srv *apptest.Server, n notifyRow) int64 {
	t.Helper()
	if n.createdAt.IsZero() {
		n.createdAt = srv.Store.Now()
	}
	created := n.createdAt.UTC()
	var actor *int64
	if n.actor != nil {
		actor = &n.actor.ID
	}
	eventID := insertID(t, srv, `INSERT INTO events (kind, idea_id, other_idea_id, comment_id, entry_id, actor_id, recipient_id, detail, created_at, fanned_out_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
		n.kind, n.idea, n.other, n.comment, n.entry, actor, n.user.ID, n.detail, created, created)
	var read any
	if n.readAt != nil {
		read = n.readAt.UTC()
	}
	return insertID(t, srv, `INSERT INTO notifications (user_id, event_id, kind, idea_id, comment_id, entry_id, actor_id, detail, read_at, emailed_at, created_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
		n.user.ID, eventID, n.kind, n.idea, n.comment, n.entry, actor, n.detail, read, created, created)
}

// insertID runs an INSERT … RETURNING id, with ? placeholders on both databases.
func insertID(t *testing.T, srv *apptest.Server, query string, args ...any) int64 {
	t.Helper()
	if srv.Store.Dialect() == models.Postgres {
		var b strings.Builder
		n := 0
		for _, r := range query {
			if r == '?' {
				n++
				b.WriteString("$" + strconv.Itoa(n))
				continue
			}
			b.WriteRune(r)
		}
		query = b.String()
	}
	var id int64
	if err := srv.Store.DB().QueryRow(query, args...).Scan(&id); err != nil {
		t.Fatalf("%s: %v", query, err)
	}
	return id
}

type notificationJSON struct {
	ID   int64  `json:"id"`
	Kind string `json:"kind"`
	Text string `json:"text"`
	URL  string `json:"url"`
	Idea *struct {
		ID    int64  `json:"id"`
		Title string `json:"title"`
	} `json:"idea"`
	Actor *struct {
		ID   int64  `json:"id"`
		Name string `json:"name"`
	} `json:"actor"`
	Read      bool   `json:"read"`
	CreatedAt string `json:"created_at"`
}

type inboxJSON struct {
	Notifications []json.RawMessage `json:"notifications"`
	Unread        int64             `json:"unread"`
	Page          int               `json:"page"`
	PerPage       int               `json:"per_page"`
	Total         int64             `json:"total"`
}

func (in inboxJSON) items(t *testing.T) []notificationJSON {
	t.Helper()
	out := make([]notificationJSON, len(in.Notifications))
	for i, raw := range in.Notifications {
		wantKeys(t, raw, []string{"actor", "created_at", "id", "idea", "kind", "read", "text", "url"})
		if err := json.Unmarshal(raw, &out[i]); err != nil {
			t.Fatal(err)
		}
	}
	return out
}

func unreadOf(t *testing.T, srv *apptest.Server, userID int64) int {
	t.Helper()
	var n int
	q := "SELECT COUNT(*) FROM notifications WHERE user_id = ? AND read_at IS NULL"
	if srv.Store.Dialect() == models.Postgres {
		q = strings.Replace(q, "?", "$1", 1)
	}
	if err := srv.Store.DB().QueryRow(q, userID).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

func TestNotificationInboxAPI(t *testing.T) {
	each(t, func(t *testing.T, dialect string) {
		srv := apptest.New(t, dialect, "SAMEN_RATE_LIMITS=off")
		anna := srv.User("Anna", "anna@example.com", models.RoleMember)
		bob := srv.User("Bob", "bob@example.com", models.RoleMember)
		tess := srv.User("Tess", "tess@example.com", models.RoleTeam)
		idea := mustIdea(t, srv, bob, "Quieter bells")
		reply := mustComment(t, srv, idea.ID, bob, "I agree, and more")

		start := srv.Store.Now().Add(-time.Hour)
		var annas []int64
		for i := range 24 {
			annas = append(annas, mustNotify(t, srv, notifyRow{user: anna, kind: models.NotifyStatusChanged, idea: &idea.ID,
				actor: tess, detail: "planned", createdAt: start.Add(time.Duration(i) * time.Minute)}))
		}
		replyID := mustNotify(t, srv, notifyRow{user: anna, kind: models.NotifyReply, idea: &idea.ID, comment: &reply.ID, actor: bob,
			createdAt: start.Add(30 * time.Minute)})
		annas = append(annas, replyID)
		bobs := mustNotify(t, srv, notifyRow{user: bob, kind: models.NotifyStatusChanged, idea: &idea.ID, actor: tess, detail: "planned"})

		api := bearerClient(t, srv, anna)
		first := apiJSON[inboxJSON](t, apiCall(api, http.MethodGet, "/notifications", ""), http.StatusOK)
		if first.Total != 25 || first.Unread != 25 || first.Page != 1 || first.PerPage != 20 || len(first.Notifications) != 20 {
			t.Fatalf("first page: total %d unread %d page %d per_page %d, %d listed", first.Total, first.Unread, first.Page, first.PerPage, len(first.Notifications))
		}
		items := first.items(t)
		// Newest first: the reply came last.
		top := items[0]
		if top.ID != replyID || top.Kind != models.NotifyReply || top.Read {
			t.Fatalf("newest: %+v", top)
		}
		if want := fmt.Sprintf("%s/ideas/%d/%s#comment-%d", srv.URL, idea.ID, idea.Slug, reply.ID); top.URL != want {
			t.Fatalf("reply url %q, want %q", top.URL, want)
		}
		if top.Text != "Bob replied to your comment on “Quieter bells”" {
			t.Fatalf("reply text %q", top.Text)
		}
		if top.Idea == nil || top.Idea.ID != idea.ID || top.Idea.Title != "Quieter bells" || top.Actor == nil || top.Actor.Name != "Bob" {
			t.Fatalf("reply idea %+v actor %+v", top.Idea, top.Actor)
		}
		if _, err := time.Parse(time.RFC3339, top.CreatedAt); err != nil || !strings.HasSuffix(top.CreatedAt, "Z") {
			t.Fatalf("created_at %q is not RFC 3339 in UTC", top.CreatedAt)
		}
		status := items[1]
		if status.Text != "Tess moved “Quieter bells” to Planned" || status.URL != fmt.Sprintf("%s/ideas/%d/%s", srv.URL, idea.ID, idea.Slug) {
			t.Fatalf("status change: %+v", status)
		}
		for i := 1; i < len(items); i++ {
			if items[i].ID >= items[i-1].ID {
				t.Fatalf("not newest first: %d after %d", items[i].ID, items[i-1].ID)
			}
		}

		second := apiJSON[inboxJSON](t, apiCall(api, http.MethodGet, "/notifications?page=2", ""), http.StatusOK)
		if second.Page != 2 || second.Total != 25 || len(second.Notifications) != 5 {
			t.Fatalf("second page: page %d total %d, %d listed", second.Page, second.Total, len(second.Notifications))
		}
		if got := second.items(t)[4].ID; got != annas[0] {
			t.Fatalf("the oldest is %d, want %d", got, annas[0])
		}

		// In the reader's language, with the status's Dutch name.
		req := httptest.NewRequest(http.MethodGet, "/api/v1/notifications?page=1", nil)
		req.Header.Set("Accept-Language", "nl")
		nl := apiJSON[inboxJSON](t, api.Do(req), http.StatusOK).items(t)
		if nl[1].Text != "Tess zette “Quieter bells” op Gepland" {
			t.Fatalf("Dutch text %q", nl[1].Text)
		}

		// Marking read: only the caller's own; another member's id changes nothing.
		r := apiJSON[map[string]int64](t, apiCall(api, http.MethodPost, "/notifications/read", fmt.Sprintf(`{"ids":[%d,%d,%d]}`, annas[0], annas[1], bobs)), http.StatusOK)
		if r["unread"] != 23 {
			t.Fatalf("unread after marking two: %v", r)
		}
		if n := unreadOf(t, srv, bob.ID); n != 1 {
			t.Fatalf("Bob's inbox has %d unread after Anna named his notification, want 1", n)
		}
		bobInbox := apiJSON[inboxJSON](t, apiCall(bearerClient(t, srv, bob), http.MethodGet, "/notifications", ""), http.StatusOK)
		if bobInbox.Total != 1 || bobInbox.Unread != 1 || bobInbox.items(t)[0].Read {
			t.Fatalf("Bob's inbox: %+v", bobInbox)
		}

		unread := apiJSON[inboxJSON](t, apiCall(api, http.MethodGet, "/notifications?unread=true", ""), http.StatusOK)
		if unread.Total != 23 || unread.Unread != 23 || len(unread.Notifications) != 20 {
			t.Fatalf("unread only: total %d unread %d, %d listed", unread.Total, unread.Unread, len(unread.Notifications))
		}
		for _, n := range unread.items(t) {
			if n.Read || n.ID == annas[0] || n.ID == annas[1] {
				t.Fatalf("a read notification among the unread: %+v", n)
			}
		}

		for _, body := range []string{`{}`, `{"ids":[]}`, `{"ids":"all"}`, `{"all":"yes"}`, `{"all":false}`, fmt.Sprintf(`{"all":true,"ids":[%d]}`, annas[2])} {
			wantAPIError(t, apiCall(api, http.MethodPost, "/notifications/read", body), http.StatusUnprocessableEntity, "invalid")
		}
		wantAPIError(t, apiCall(api, http.MethodPost, "/notifications/read", `{"ids":[`), http.StatusBadRequest, "malformed")
		wantAPIError(t, apiCall(api, http.MethodGet, "/notifications?page=0", ""), http.StatusUnprocessableEntity, "invalid")
		wantAPIError(t, apiCall(api, http.MethodGet, "/notifications?unread=maybe", ""), http.StatusUnprocessableEntity, "invalid")

		r = apiJSON[map[string]int64](t, apiCall(api, http.MethodPost, "/notifications/read", `{"all":true}`), http.StatusOK)
		if r["unread"] != 0 || unreadOf(t, srv, anna.ID) != 0 || unreadOf(t, srv, bob.ID) != 1 {
			t.Fatalf("after all: %v; Anna %d unread, Bob %d", r, unreadOf(t, srv, anna.ID), unreadOf(t, srv, bob.ID))
		}
		after := apiJSON[inboxJSON](t, apiCall(api, http.MethodGet, "/notifications", ""), http.StatusOK)
		if after.Unread != 0 || after.Total != 25 || !after.items(t)[0].Read {
			t.Fatalf("after all read: %+v", after)
		}

		// Visitors are asked to sign in.
		wantAPIError(t, apiCall(srv.Client(), http.MethodGet, "/notifications", ""), http.StatusUnauthorized, "unauthorized")
		wantAPIError(t, apiCall(srv.Client(), http.MethodPost, "/notifications/read", `{"all":true}`), http.StatusUnauthorized, "unauthorized")
	})
}

// An idea the reader may no longer see is left out of the notification; a
// moderator's decision names nobody.
func TestNotificationsHideWhatTheReaderMayNotSee(t *testing.T) {
	each(t, func(t *testing.T, dialect string) {
		srv := apptest.New(t, dialect, "SAMEN_RATE_LIMITS=off")
		ctx := context.Background()
		anna := srv.User("Anna", "anna@example.com", models.RoleMember)
		bob := srv.User("Bob", "bob@example.com", models.RoleMember)
		mod := srv.User("Mona", "mona@example.com", models.RoleModerator)
		idea := mustIdea(t, srv, bob, "Bells that ring twice")
		mustNotify(t, srv, notifyRow{user: anna, kind: models.NotifyStatusChanged, idea: &idea.ID, actor: bob, detail: "planned"})
		mustNotify(t, srv, notifyRow{user: anna, kind: models.NotifyReportOutcome, idea: &idea.ID, actor: mod, detail: "dismissed"})
		hidden := true
		if _, err := srv.Store.ModerateIdea(ctx, idea.ID, mod, models.IdeaModeration{Hidden: &hidden, Reason: "spam"}); err != nil {
			t.Fatal(err)
		}
		items := apiJSON[inboxJSON](t, apiCall(bearerClient(t, srv, anna), http.MethodGet, "/notifications", ""), http.StatusOK).items(t)
		if len(items) != 2 {
			t.Fatalf("%d notifications", len(items))
		}
		outcome, status := items[0], items[1]
		// A report's outcome speaks of what the reporter saw, and names no moderator.
		if outcome.Actor != nil || outcome.Idea == nil || outcome.Idea.Title != "Bells that ring twice" || outcome.URL != srv.URL+"/me#reports-title" ||
			outcome.Text != "Your report on “Bells that ring twice” was reviewed: no action needed" {
			t.Fatalf("report outcome: %+v", outcome)
		}
		if status.Idea != nil || strings.Contains(status.Text, "Bells") || status.URL != srv.URL+"/me/notifications" {
			t.Fatalf("status change of a hidden idea: %+v", status)
		}
		if status.Text != "Bob moved “an idea you can no longer see” to Planned" {
			t.Fatalf("text %q", status.Text)
		}
	})
}

func TestFollowIdeas(t *testing.T) {
	each(t, func(t *testing.T, dialect string) {
		srv := apptest.New(t, dialect, "SAMEN_RATE_LIMITS=off")
		ctx := context.Background()
		anna := srv.User("Anna", "anna@example.com", models.RoleMember)
		bob := srv.User("Bob", "bob@example.com", models.RoleMember)
		mod := srv.User("Mona", "mona@example.com", models.RoleModerator)
		idea := mustIdea(t, srv, bob, "A bell for the back wheel")
		path := fmt.Sprintf("/ideas/%d/subscription", idea.ID)
		api := bearerClient(t, srv, anna)

		sub := apiJSON[map[string]bool](t, apiCall(api, http.MethodGet, path, ""), http.StatusOK)
		if sub["subscribed"] || len(sub) != 1 {
			t.Fatalf("before following: %v", sub)
		}
		for range 2 { // idempotent
			if s := apiJSON[map[string]bool](t, apiCall(api, http.MethodPut, path, `{"subscribed":true}`), http.StatusOK); !s["subscribed"] {
				t.Fatalf("follow: %v", s)
			}
		}
		if s := apiJSON[map[string]bool](t, apiCall(api, http.MethodGet, path, ""), http.StatusOK); !s["subscribed"] {
			t.Fatalf("after following: %v", s)
		}
		if n := countRows(t, srv, fmt.Sprintf("subscriptions WHERE following AND user_id = %d", anna.ID)); n != 1 {
			t.Fatalf("%d subscriptions", n)
		}
		for range 2 {
			if s := apiJSON[map[string]bool](t, apiCall(api, http.MethodPut, path, `{"subscribed":false}`), http.StatusOK); s["subscribed"] {
				t.Fatalf("unfollow: %v", s)
			}
		}
		// The unfollow is remembered, not forgotten: a row says so.
		if n := countRows(t, srv, fmt.Sprintf("subscriptions WHERE user_id = %d AND idea_id = %d AND NOT following", anna.ID, idea.ID)); n != 1 {
			t.Fatalf("%d remembered unfollows, want 1", n)
		}
		if following, err := srv.Store.Following(ctx, idea.ID, anna.ID); err != nil || following {
			t.Fatalf("following after unfollowing: %v %v", following, err)
		}
		wantAPIError(t, apiCall(api, http.MethodPut, path, `{}`), http.StatusUnprocessableEntity, "invalid")
		wantAPIError(t, apiCall(api, http.MethodPut, path, `{"subscribed":"yes"}`), http.StatusUnprocessableEntity, "invalid")
		wantAPIError(t, apiCall(srv.Client(), http.MethodGet, path, ""), http.StatusUnauthorized, "unauthorized")
		wantAPIError(t, apiCall(api, http.MethodGet, "/ideas/999999/subscription", ""), http.StatusNotFound, "not_found")

		// A hidden idea cannot be followed, nor its subscription read.
		secret := mustIdea(t, srv, bob, "Something to hide away")
		hidden := true
		if _, err := srv.Store.ModerateIdea(ctx, secret.ID, mod, models.IdeaModeration{Hidden: &hidden, Reason: "spam"}); err != nil {
			t.Fatal(err)
		}
		secretPath := fmt.Sprintf("/ideas/%d/subscription", secret.ID)
		wantAPIError(t, apiCall(api, http.MethodPut, secretPath, `{"subscribed":true}`), http.StatusNotFound, "not_found")
		wantAPIError(t, apiCall(api, http.MethodGet, secretPath, ""), http.StatusNotFound, "not_found")
		if n := countRows(t, srv, fmt.Sprintf("subscriptions WHERE idea_id = %d AND user_id = %d", secret.ID, anna.ID)); n != 0 {
			t.Fatalf("a hidden idea was followed: %d rows", n)
		}
		browser := srv.SignedIn(anna)
		browser.Get("/")
		wantStatus(t, browser.PostForm(fmt.Sprintf("/ideas/%d/follow", secret.ID), nil), http.StatusNotFound)

		// The idea page: a button that works without JavaScript.
		ideaPage := fmt.Sprintf("/ideas/%d/%s", idea.ID, idea.Slug)
		page := browser.Get(ideaPage)
		wantStatus(t, page, http.StatusOK)
		wantText(t, page, "form.follow-form button.follow-button", "Follow")
		wantCount(t, page, `form.follow-form[action="/ideas/`+itoa(idea.ID)+`/follow"] input[name="_csrf"]`, 1)
		r := browser.PostForm(fmt.Sprintf("/ideas/%d/follow", idea.ID), url.Values{"next": {ideaPage}})
		wantStatus(t, r, http.StatusSeeOther)
		if loc := r.Header.Get("Location"); loc != ideaPage {
			t.Fatalf("follow went to %q", loc)
		}
		page = browser.Get(ideaPage)
		wantText(t, page, `form.follow-form button[aria-pressed="true"]`, "Following")
		wantCount(t, page, "p.flash", 1)

		// With htmx the button swaps in place.
		req := httptest.NewRequest(http.MethodPost, fmt.Sprintf("/ideas/%d/unfollow", idea.ID), strings.NewReader(url.Values{"next": {ideaPage}}.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("HX-Request", "true")
		req.Header.Set("X-CSRF-Token", browser.CSRF)
		r = browser.Do(req)
		wantStatus(t, r, http.StatusOK)
		wantCount(t, r, fmt.Sprintf(`form#follow-%d[action="/ideas/%d/follow"] button[aria-pressed="false"]`, idea.ID, idea.ID), 1)
		if following, _ := srv.Store.Following(ctx, idea.ID, anna.ID); following {
			t.Fatal("still following after the htmx unfollow")
		}

		// Voting with htmx on the idea's page turns the follow button with the
		// vote: Cara's vote follows the idea; Anna's does not, as she unfollowed it.
		htmxVote := func(c *apptest.Client) *apptest.Response {
			c.Get(ideaPage)
			req := httptest.NewRequest(http.MethodPost, fmt.Sprintf("/ideas/%d/vote", idea.ID), strings.NewReader(url.Values{"next": {ideaPage}}.Encode()))
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			req.Header.Set("HX-Request", "true")
			req.Header.Set("X-CSRF-Token", c.CSRF)
			r := c.Do(req)
			wantStatus(t, r, http.StatusOK)
			wantCount(t, r, fmt.Sprintf("#vote-%d button.vote-button.voted", idea.ID), 1)
			return r
		}
		cara := srv.SignedIn(srv.User("Cara", "cara@example.com", models.RoleMember))
		wantCount(t, htmxVote(cara), fmt.Sprintf(`form#follow-%d[hx-swap-oob="true"] button[aria-pressed="true"]`, idea.ID), 1)
		wantCount(t, htmxVote(browser), fmt.Sprintf(`form#follow-%d[hx-swap-oob="true"] button[aria-pressed="false"]`, idea.ID), 1)

		// Visitors get no button.
		wantCount(t, srv.Client().Get(ideaPage), "form.follow-form", 0)
	})
}

func TestFollowCategoriesAndTheFollowingPage(t *testing.T) {
	each(t, func(t *testing.T, dialect string) {
		srv := apptest.New(t, dialect, "SAMEN_RATE_LIMITS=off")
		ctx := context.Background()
		anna := srv.User("Anna", "anna@example.com", models.RoleMember)
		bob := srv.User("Bob", "bob@example.com", models.RoleMember)
		cats, err := srv.Store.Categories(ctx)
		if err != nil || len(cats) == 0 {
			t.Fatalf("categories: %v %v", cats, err)
		}
		cat := cats[0]
		api := bearerClient(t, srv, anna)
		path := "/categories/" + cat.Slug + "/subscription"
		if s := apiJSON[map[string]bool](t, apiCall(api, http.MethodGet, path, ""), http.StatusOK); s["subscribed"] {
			t.Fatalf("before: %v", s)
		}
		for range 2 {
			if s := apiJSON[map[string]bool](t, apiCall(api, http.MethodPut, path, `{"subscribed":true}`), http.StatusOK); !s["subscribed"] {
				t.Fatalf("follow: %v", s)
			}
		}
		if n := countRows(t, srv, "category_subscriptions"); n != 1 {
			t.Fatalf("%d category subscriptions", n)
		}
		wantAPIError(t, apiCall(api, http.MethodGet, "/categories/no-such-thing/subscription", ""), http.StatusNotFound, "not_found")
		wantAPIError(t, apiCall(api, http.MethodPut, "/categories/no-such-thing/subscription", `{"subscribed":true}`), http.StatusNotFound, "not_found")

		idea := mustIdea(t, srv, bob, "Lights that dim themselves")
		if err := srv.Store.Follow(ctx, idea.ID, anna, true); err != nil {
			t.Fatal(err)
		}
		browser := srv.SignedIn(anna)
		page := browser.Get("/me/following")
		wantStatus(t, page, http.StatusOK)
		wantText(t, page, `li.followed-category[data-slug="`+cat.Slug+`"] a`, cat.Name)
		dutch := srv.User("Daan", "daan@example.com", models.RoleMember)
		nl := "nl"
		if _, err := srv.Store.UpdatePreferences(ctx, dutch.ID, models.PreferencesChange{Language: &nl}); err != nil {
			t.Fatal(err)
		}
		if err := srv.Store.FollowCategory(ctx, cat.Slug, dutch.ID, true); err != nil {
			t.Fatal(err)
		}
		wantText(t, srv.SignedIn(dutch).Get("/me/following"), `li.followed-category[data-slug="`+cat.Slug+`"] a`, cat.NameNL)
		if cat.NameNL == "" || cat.NameNL == cat.Name {
			t.Fatalf("the category %q has no Dutch name of its own: %q", cat.Slug, cat.NameNL)
		}
		wantText(t, page, `li.followed-idea[data-id="`+itoa(idea.ID)+`"] a`, idea.Title)
		wantCount(t, browser.Get("/me"), `.me-following a[href="/me/following"]`, 1)

		// Unfollow both from the page.
		wantStatus(t, browser.PostForm("/ideas/"+itoa(idea.ID)+"/unfollow", url.Values{"next": {"/me/following"}}), http.StatusSeeOther)
		r := browser.PostForm("/categories/"+cat.Slug+"/unfollow", url.Values{"next": {"/me/following"}})
		wantStatus(t, r, http.StatusSeeOther)
		if loc := r.Header.Get("Location"); loc != "/me/following" {
			t.Fatalf("unfollow went to %q", loc)
		}
		page = browser.Get("/me/following")
		wantCount(t, page, "li.followed-idea", 0)
		wantCount(t, page, "li.followed-category", 0)
		wantCount(t, page, "p.empty", 2)

		// The category's idea list offers to follow it.
		list := browser.Get("/?category=" + cat.Slug)
		wantCount(t, list, `form.category-follow[action="/categories/`+cat.Slug+`/follow"] button[aria-pressed="false"]`, 1)
		wantStatus(t, browser.PostForm("/categories/"+cat.Slug+"/follow", url.Values{"next": {"/?category=" + cat.Slug}}), http.StatusSeeOther)
		list = browser.Get("/?category=" + cat.Slug)
		wantCount(t, list, `form.category-follow[action="/categories/`+cat.Slug+`/unfollow"] button[aria-pressed="true"]`, 1)
		wantCount(t, srv.Client().Get("/?category="+cat.Slug), "form.category-follow", 0)
	})
}

func TestNotificationPagesAndBadge(t *testing.T) {
	each(t, func(t *testing.T, dialect string) {
		srv := apptest.New(t, dialect, "SAMEN_RATE_LIMITS=off")
		anna := srv.User("Anna", "anna@example.com", models.RoleMember)
		bob := srv.User("Bob", "bob@example.com", models.RoleMember)
		idea := mustIdea(t, srv, bob, "Softer saddle")
		reply := mustComment(t, srv, idea.ID, bob, "Softer still, please")
		first := mustNotify(t, srv, notifyRow{user: anna, kind: models.NotifyStatusChanged, idea: &idea.ID, actor: bob, detail: "planned"})
		second := mustNotify(t, srv, notifyRow{user: anna, kind: models.NotifyReply, idea: &idea.ID, comment: &reply.ID, actor: bob})
		bobs := mustNotify(t, srv, notifyRow{user: bob, kind: models.NotifyMention, idea: &idea.ID, comment: &reply.ID, actor: anna})

		// A visitor renders (and caches) the home page first: no badge.
		visitor := srv.Client()
		wantCount(t, visitor.Get("/"), ".unread-badge", 0)
		browser := srv.SignedIn(anna)
		home := browser.Get("/")
		wantText(t, home, `header a.inbox-link[href="/me/notifications"] .unread-badge`, "2")
		wantCount(t, visitor.Get("/"), ".unread-badge", 0)
		wantCount(t, visitor.Get("/"), "a.inbox-link", 0)
		wantText(t, browser.Get(fmt.Sprintf("/ideas/%d/%s", idea.ID, idea.Slug)), ".unread-badge", "2")

		inbox := browser.Get("/me/notifications")
		wantStatus(t, inbox, http.StatusOK)
		wantCount(t, inbox, "li.notification", 2)
		wantCount(t, inbox, "li.notification.unread", 2)
		wantText(t, inbox, "li.notification:first-child a.notification-link", "Bob replied to your comment on “Softer saddle”")
		wantCount(t, inbox, fmt.Sprintf(`li.notification[data-id="%d"] a[href="/me/notifications/%d"]`, second, second), 1)

		// Following the link marks it read and lands on the comment.
		r := browser.Get(fmt.Sprintf("/me/notifications/%d", second))
		wantStatus(t, r, http.StatusSeeOther)
		if want := fmt.Sprintf("/ideas/%d/%s#comment-%d", idea.ID, idea.Slug, reply.ID); r.Header.Get("Location") != want {
			t.Fatalf("the link went to %q, want %q", r.Header.Get("Location"), want)
		}
		inbox = browser.Get("/me/notifications")
		wantCount(t, inbox, "li.notification.unread", 1)
		wantCount(t, inbox, fmt.Sprintf(`li.notification.unread[data-id="%d"]`, first), 1)
		wantText(t, inbox, ".unread-badge", "1")
		// Someone else's notification is not there to open.
		wantStatus(t, browser.Get(fmt.Sprintf("/me/notifications/%d", bobs)), http.StatusNotFound)
		if unreadOf(t, srv, bob.ID) != 1 {
			t.Fatal("opening Bob's notification as Anna marked it read")
		}

		// Mark one read, then the rest.
		wantStatus(t, browser.PostForm("/me/notifications/read", url.Values{"id": {itoa(first), itoa(bobs)}}), http.StatusSeeOther)
		inbox = browser.Get("/me/notifications")
		wantCount(t, inbox, "li.notification.unread", 0)
		wantCount(t, inbox, ".unread-badge", 0)
		wantCount(t, inbox, "form.mark-all", 0)
		if unreadOf(t, srv, bob.ID) != 1 {
			t.Fatal("Anna's form marked Bob's notification read")
		}
		wantCount(t, browser.Get("/me/notifications?unread=1"), ".empty", 1)

		bobBrowser := srv.SignedIn(bob)
		inbox = bobBrowser.Get("/me/notifications")
		wantCount(t, inbox, "li.notification.unread", 1)
		wantCount(t, inbox, "form.mark-all", 1)
		r = bobBrowser.PostForm("/me/notifications/read", url.Values{"all": {"1"}})
		wantStatus(t, r, http.StatusSeeOther)
		if loc := r.Header.Get("Location"); loc != "/me/notifications" {
			t.Fatalf("mark all went to %q", loc)
		}
		wantCount(t, bobBrowser.Get("/me/notifications"), "li.notification.unread", 0)

		// A new member: the empty inbox says so.
		cara := srv.User("Cara", "cara@example.com", models.RoleMember)
		empty := srv.SignedIn(cara).Get("/me/notifications")
		wantCount(t, empty, "li.notification", 0)
		wantCount(t, empty, ".empty", 1)
		wantCount(t, empty, ".unread-badge", 0)

		// In Dutch.
		nl := srv.SignedIn(anna)
		nl.Header.Set("Accept-Language", "nl")
		wantText(t, nl.Get("/me/notifications"), "h1", "Meldingen")
	})
}

func TestInboxPagination(t *testing.T) {
	each(t, func(t *testing.T, dialect string) {
		srv := apptest.New(t, dialect, "SAMEN_RATE_LIMITS=off")
		anna := srv.User("Anna", "anna@example.com", models.RoleMember)
		idea := mustIdea(t, srv, anna, "Many things happen")
		for range models.InboxPerPage + 3 {
			mustNotify(t, srv, notifyRow{user: anna, kind: models.NotifyTeamAnswer, idea: &idea.ID})
		}
		browser := srv.SignedIn(anna)
		page := browser.Get("/me/notifications")
		wantCount(t, page, "li.notification", models.InboxPerPage)
		wantCount(t, page, `nav.pager a[rel="next"][href="/me/notifications?page=2"]`, 1)
		page = browser.Get("/me/notifications?page=2")
		wantCount(t, page, "li.notification", 3)
		wantText(t, page, "li.notification:first-child a", "Someone answered “Many things happen” for the team")
		wantCount(t, page, `nav.pager a[rel="prev"]`, 1)
	})
}

func TestNotificationRetention(t *testing.T) {
	each(t, func(t *testing.T, dialect string) {
		srv := apptest.New(t, dialect, "SAMEN_RATE_LIMITS=off")
		ctx := context.Background()
		// The periodic job runs at start, and works; then it waits for hours.
		deadline := time.Now().Add(10 * time.Second)
		for countRows(t, srv, "river_job WHERE kind = 'prune_notifications' AND state = 'completed'") == 0 {
			if time.Now().After(deadline) {
				t.Fatal("the job that prunes notifications never completed")
			}
			time.Sleep(20 * time.Millisecond)
		}

		anna := srv.User("Anna", "anna@example.com", models.RoleMember)
		admin := srv.User("Ada", "ada@example.com", models.RoleAdmin)
		idea := mustIdea(t, srv, anna, "Old news")
		now := srv.Store.Now()
		days := func(n int) *time.Time { t := now.AddDate(0, 0, -n); return &t }
		oldRead := mustNotify(t, srv, notifyRow{user: anna, kind: models.NotifyTeamAnswer, idea: &idea.ID, createdAt: *days(200), readAt: days(100)})
		recentRead := mustNotify(t, srv, notifyRow{user: anna, kind: models.NotifyTeamAnswer, idea: &idea.ID, createdAt: *days(30), readAt: days(10)})
		oldUnread := mustNotify(t, srv, notifyRow{user: anna, kind: models.NotifyTeamAnswer, idea: &idea.ID, createdAt: *days(400)})

		ids := func() []int64 {
			page, err := srv.Store.Inbox(ctx, anna, 1, false)
			if err != nil {
				t.Fatal(err)
			}
			var out []int64
			for _, it := range page.Items {
				out = append(out, it.ID)
			}
			return out
		}
		n, err := srv.Store.PruneNotifications(ctx)
		if err != nil || n != 1 {
			t.Fatalf("pruned %d (%v), want 1", n, err)
		}
		if got := ids(); fmt.Sprint(got) != fmt.Sprint([]int64{oldUnread, recentRead}) {
			t.Fatalf("left %v, want %v (pruned %d)", got, []int64{oldUnread, recentRead}, oldRead)
		}

		// The admin keeps read notifications for 5 days instead.
		browser := srv.SignedIn(admin)
		settings := browser.Get("/admin/settings")
		if v, _ := settings.Doc.Find(`input[name="notification_retention_days"]`).Attr("value"); v != "90" {
			t.Fatalf("retention setting shows %q, want 90", v)
		}
		form := url.Values{}
		for k, v := range models.DefaultSettings.Form() {
			form.Set(k, v)
		}
		form.Set("notification_retention_days", "0")
		wantStatus(t, browser.PostForm("/admin/settings", form), http.StatusUnprocessableEntity)
		form.Set("notification_retention_days", "5")
		wantStatus(t, browser.PostForm("/admin/settings", form), http.StatusSeeOther)
		if n, err := srv.Store.PruneNotifications(ctx); err != nil || n != 1 {
			t.Fatalf("pruned %d (%v), want 1", n, err)
		}
		if got := ids(); fmt.Sprint(got) != fmt.Sprint([]int64{oldUnread}) {
			t.Fatalf("left %v, want only the unread one", got)
		}
	})
}

// waitInbox polls the member's inbox until it holds n notifications: the
// fan-out is a background job.
func waitInbox(t *testing.T, c *apptest.Client, n int) []notificationJSON {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for {
		in := apiJSON[inboxJSON](t, apiCall(c, http.MethodGet, "/notifications", ""), http.StatusOK)
		if len(in.Notifications) >= n || time.Now().After(deadline) {
			if len(in.Notifications) != n {
				t.Fatalf("the inbox holds %d notifications, want %d", len(in.Notifications), n)
			}
			return in.items(t)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// The whole loop: taking part follows an idea, the team's and moderators'
// changes reach the inbox, and an unfollow is remembered.
func TestNotificationsFromTakingPart(t *testing.T) {
	each(t, func(t *testing.T, dialect string) {
		srv := apptest.New(t, dialect, "SAMEN_RATE_LIMITS=off")
		anna := srv.User("Anna", "anna@example.com", models.RoleMember)
		cara := srv.User("Cara", "cara@example.com", models.RoleMember)
		bob := srv.User("Bob", "bob@example.com", models.RoleMember)
		tess := srv.User("Tess", "tess@example.com", models.RoleTeam)
		mona := srv.User("Mona", "mona@example.com", models.RoleModerator)
		idea := mustIdea(t, srv, bob, "Brighter lights")
		dupe := mustIdea(t, srv, bob, "Lights that are brighter")
		annaAPI, caraAPI := bearerClient(t, srv, anna), bearerClient(t, srv, cara)
		apiJSON[voteJSON](t, apiCall(annaAPI, http.MethodPost, fmt.Sprintf("/ideas/%d/vote", idea.ID), ""), http.StatusOK)
		apiJSON[voteJSON](t, apiCall(annaAPI, http.MethodPost, fmt.Sprintf("/ideas/%d/vote", dupe.ID), ""), http.StatusOK)
		apiJSON[voteJSON](t, apiCall(caraAPI, http.MethodPost, fmt.Sprintf("/ideas/%d/vote", idea.ID), ""), http.StatusOK)
		if s := apiJSON[map[string]bool](t, apiCall(annaAPI, http.MethodGet, fmt.Sprintf("/ideas/%d/subscription", idea.ID), ""), http.StatusOK); !s["subscribed"] {
			t.Fatal("voting did not follow the idea")
		}
		// Cara stops following; commenting later does not follow it anew.
		apiJSON[map[string]bool](t, apiCall(caraAPI, http.MethodPut, fmt.Sprintf("/ideas/%d/subscription", idea.ID), `{"subscribed":false}`), http.StatusOK)
		wantStatus(t, apiCall(caraAPI, http.MethodPost, fmt.Sprintf("/ideas/%d/comments", idea.ID), `{"body":"Still a good idea"}`), http.StatusCreated)
		if s := apiJSON[map[string]bool](t, apiCall(caraAPI, http.MethodGet, fmt.Sprintf("/ideas/%d/subscription", idea.ID), ""), http.StatusOK); s["subscribed"] {
			t.Fatal("commenting followed an idea Cara had unfollowed")
		}

		apiJSON[ideaJSON](t, apiCall(bearerClient(t, srv, tess), http.MethodPut, fmt.Sprintf("/ideas/%d/status", idea.ID), `{"status":"planned","note":"On the list for spring."}`), http.StatusOK)
		items := waitInbox(t, annaAPI, 1)
		if n := items[0]; n.Kind != models.NotifyStatusChanged || n.Text != "Tess moved “Brighter lights” to Planned" ||
			n.URL != fmt.Sprintf("%s/ideas/%d/%s", srv.URL, idea.ID, idea.Slug) || n.Actor == nil || n.Actor.ID != tess.ID {
			t.Fatalf("status change: %+v", n)
		}

		apiJSON[ideaJSON](t, apiCall(bearerClient(t, srv, mona), http.MethodPost, fmt.Sprintf("/ideas/%d/merge", dupe.ID), fmt.Sprintf(`{"into":%d}`, idea.ID)), http.StatusOK)
		items = waitInbox(t, annaAPI, 2)
		if n := items[0]; n.Kind != models.NotifyMerged || n.Text != "Mona merged “Lights that are brighter” into “Brighter lights”" ||
			n.Idea == nil || n.Idea.ID != idea.ID || n.URL != fmt.Sprintf("%s/ideas/%d/%s", srv.URL, idea.ID, idea.Slug) {
			t.Fatalf("merge: %+v", n)
		}
		// The idea's page, opened from the inbox, says it is followed.
		browser := srv.SignedIn(anna)
		r := browser.Get(fmt.Sprintf("/me/notifications/%d", items[1].ID))
		wantStatus(t, r, http.StatusSeeOther)
		page := browser.Get(r.Header.Get("Location"))
		wantStatus(t, page, http.StatusOK)
		wantText(t, page, "article.idea h1", "Brighter lights")
		wantText(t, page, `form.follow-form button[aria-pressed="true"]`, "Following")
		wantText(t, page, ".unread-badge", "1")

		// Cara, who unfollowed, heard of neither.
		if in := apiJSON[inboxJSON](t, apiCall(caraAPI, http.MethodGet, "/notifications", ""), http.StatusOK); in.Total != 0 {
			t.Fatalf("Cara heard of %d changes after unfollowing", in.Total)
		}
	})
}
