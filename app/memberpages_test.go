package app_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"samen/app/apptest"
	"samen/models"
)

// cachedPages reads how many pages the instance keeps, from /metrics.
func cachedPages(t *testing.T, srv *apptest.Server) string {
	t.Helper()
	m := regexp.MustCompile(`(?m)^samen_cache_entries\{cache="pages"\} ([0-9]+)$`).FindSubmatch(srv.Client().Get("/metrics").Body)
	if m == nil {
		t.Fatal("metrics lack the page cache's entries")
	}
	return string(m[1])
}

// TestMemberPagesAreSharedButTheirOwn: the home page and an idea's page are
// rendered once for every plain member, and each member gets them with
// their own votes, follows, name, unread count and CSRF token, never
// another's. Authors and staff get pages of their own; a vote by anyone
// shows at once.
func TestMemberPagesAreSharedButTheirOwn(t *testing.T) {
	each(t, func(t *testing.T, dialect string) {
		srv := apptest.New(t, dialect, "SAMEN_RATE_LIMITS=off")
		ctx := context.Background()
		anna := srv.User("Anna Annasdottir", "anna@example.com", models.RoleMember)
		bram := srv.User("Bram Bramsen", "bram@example.com", models.RoleMember)
		carla := srv.User("Carla Carlsen", "carla@example.com", models.RoleMember)
		mod := srv.User("Mo Moderator", "mo@example.com", models.RoleModerator)
		bell := mustIdea(t, srv, carla, "A bell you can hear in traffic")
		light := mustIdea(t, srv, carla, "A rear light that brakes")
		mustComment(t, srv, bell.ID, carla, "I ride in Amsterdam rush hour")
		if _, _, err := srv.Store.Vote(ctx, bell.ID, anna.ID); err != nil {
			t.Fatal(err)
		}
		if _, _, err := srv.Store.Vote(ctx, light.ID, bram.ID); err != nil {
			t.Fatal(err)
		}
		mustNotify(t, srv, notifyRow{user: anna, kind: models.NotifyStatusChanged, idea: &bell.ID, actor: carla, detail: "planned"})
		if cachedPages(t, srv) != "0" {
			t.Fatal("a page was kept before anyone asked")
		}

		voted := func(id int64) string {
			return fmt.Sprintf(`#vote-%d form[action="/ideas/%d/unvote"] button.vote-button.voted[aria-pressed="true"]`, id, id)
		}
		notVoted := func(id int64) string {
			return fmt.Sprintf(`#vote-%d form[action="/ideas/%d/vote"] button.vote-button[aria-pressed="false"]`, id, id)
		}
		// leaks says what of another member's a page holds.
		leaks := func(r *apptest.Response, who *models.User, token string) {
			t.Helper()
			body := string(r.Body)
			if strings.Contains(body, who.Name) {
				t.Errorf("the page holds %s's name", who.Name)
			}
			if token != "" && strings.Contains(body, token) {
				t.Errorf("the page holds %s's CSRF token", who.Name)
			}
			if strings.Contains(body, "samenPart") || strings.Contains(body, "samenCsrf") {
				t.Error("the page holds a mark of the shared render")
			}
		}

		annaC, bramC := srv.SignedIn(anna), srv.SignedIn(bram)
		home := annaC.Get("/")
		wantStatus(t, home, http.StatusOK)
		annaToken := annaC.CSRF
		wantCount(t, home, voted(bell.ID), 1)
		wantCount(t, home, notVoted(light.ID), 1)
		wantText(t, home, "header a.account-name", anna.Name)
		wantText(t, home, "header a.inbox-link .unread-badge", "1")
		wantCount(t, home, `header form[action="/logout"] input[name="_csrf"][value="`+annaToken+`"]`, 1)
		wantCount(t, home, `#vote-`+fmt.Sprint(bell.ID)+` input[name="_csrf"][value="`+annaToken+`"]`, 1)
		if got := cachedPages(t, srv); got != "1" {
			t.Fatalf("after Anna's home page the cache keeps %s pages", got)
		}

		homeB := bramC.Get("/")
		bramToken := bramC.CSRF
		wantCount(t, homeB, notVoted(bell.ID), 1)
		wantCount(t, homeB, voted(light.ID), 1)
		wantText(t, homeB, "header a.account-name", bram.Name)
		wantCount(t, homeB, "header .unread-badge", 0)
		leaks(homeB, anna, annaToken)
		if got := cachedPages(t, srv); got != "1" {
			t.Fatalf("Bram's home page was not Anna's shared one: the cache keeps %s pages", got)
		}
		// Anna's again, from the shared page: still hers, with a new token
		// that works.
		again := annaC.Get("/")
		wantCount(t, again, voted(bell.ID), 1)
		leaks(again, bram, bramToken)
		wantStatus(t, annaC.PostForm(fmt.Sprintf("/ideas/%d/unvote", bell.ID), url.Values{"next": {"/"}}), http.StatusSeeOther)
		// Her vote shows at once, to her and to Bram (Carla's own stays).
		wantCount(t, annaC.Get("/"), notVoted(bell.ID), 1)
		wantText(t, bramC.Get("/"), fmt.Sprintf("#vote-%d .vote-count", bell.ID), "1")

		// An idea's page: the vote and the follow button are each member's.
		path := fmt.Sprintf("/ideas/%d/%s", light.ID, light.Slug)
		// Anna follows it, Bram (who follows what he votes for) stops.
		wantStatus(t, annaC.PostForm(fmt.Sprintf("/ideas/%d/follow", light.ID), url.Values{"next": {path}}), http.StatusSeeOther)
		wantStatus(t, bramC.PostForm(fmt.Sprintf("/ideas/%d/unfollow", light.ID), url.Values{"next": {path}}), http.StatusSeeOther)
		ideaA := annaC.Get(path)
		wantStatus(t, ideaA, http.StatusOK)
		wantCount(t, ideaA, notVoted(light.ID), 1)
		wantCount(t, ideaA, `form.follow-form[action="/ideas/`+fmt.Sprint(light.ID)+`/unfollow"] button[aria-pressed="true"]`, 1)
		ideaB := bramC.Get(path)
		wantCount(t, ideaB, voted(light.ID), 1)
		wantCount(t, ideaB, `form.follow-form[action="/ideas/`+fmt.Sprint(light.ID)+`/follow"] button[aria-pressed="false"]`, 1)
		wantCount(t, ideaB, "details.confirm-delete", 0)
		leaks(ideaB, anna, annaC.CSRF)
		// The author gets her own page: she may edit it.
		ideaC := srv.SignedIn(carla).Get(path)
		wantCount(t, ideaC, "details.confirm-delete", 1)
		wantText(t, ideaC, "header a.account-name", carla.Name)
		// And the members after her do not.
		wantCount(t, bramC.Get(path), "details.confirm-delete", 0)
		// A moderator's page is their own: the moderation panel, never
		// shown to a member.
		modC := srv.SignedIn(mod)
		wantText(t, modC.Get(path), "header a.account-name", mod.Name)
		ideaB = bramC.Get(path)
		wantText(t, ideaB, "header a.account-name", bram.Name)
		leaks(ideaB, mod, modC.CSRF)
		if strings.Contains(string(ideaB.Body), `/moderation"`) {
			t.Error("a member's idea page holds the moderation form")
		}

		// A comment by Bram makes him a participant: his page is his own
		// (he may edit his comment), and Anna's still is not his.
		wantStatus(t, bramC.PostForm(fmt.Sprintf("/ideas/%d/comments", light.ID), url.Values{"body": {"Brighter when braking, yes"}}), http.StatusSeeOther)
		ideaB = bramC.Get(path)
		wantCount(t, ideaB, `form[action$="/edit"]`, 1)
		ideaA = annaC.Get(path)
		wantCount(t, ideaA, `form[action$="/edit"]`, 0)
		if strings.Contains(string(ideaA.Body), bramC.CSRF) {
			t.Error("Anna's idea page holds Bram's CSRF token")
		}
		wantText(t, ideaA, "header a.account-name", anna.Name)
	})
}

// TestMemberAnswersAreSharedButTheirOwn: the API's idea list and idea are
// answered from one render shared by members, with each caller's own votes;
// a vote shows at once.
func TestMemberAnswersAreSharedButTheirOwn(t *testing.T) {
	each(t, func(t *testing.T, dialect string) {
		srv := apptest.New(t, dialect, "SAMEN_RATE_LIMITS=off")
		ctx := context.Background()
		anna := srv.User("Anna", "anna@example.com", models.RoleMember)
		bram := srv.User("Bram", "bram@example.com", models.RoleMember)
		carla := srv.User("Carla", "carla@example.com", models.RoleMember)
		bell := mustIdea(t, srv, carla, "A bell you can hear in traffic")
		light := mustIdea(t, srv, carla, "A rear light that brakes")
		if _, _, err := srv.Store.Vote(ctx, bell.ID, anna.ID); err != nil {
			t.Fatal(err)
		}
		annaAPI, bramAPI := bearerClient(t, srv, anna), srv.SignedIn(bram)
		votedOf := func(c *apptest.Client) map[int64]bool {
			t.Helper()
			_, ideas := apiList(t, c, "")
			out := map[int64]bool{}
			for _, i := range ideas {
				out[i.ID] = i.Voted
			}
			return out
		}
		if got := votedOf(annaAPI); !got[bell.ID] || got[light.ID] {
			t.Errorf("Anna's list says voted %v", got)
		}
		if got := votedOf(bramAPI); got[bell.ID] || got[light.ID] {
			t.Errorf("Bram's list says voted %v", got)
		}
		if got := cachedPages(t, srv); got != "1" {
			t.Fatalf("after two members' lists the cache keeps %s answers, not one shared", got)
		}
		// A vote through the API shows at once in the voter's list and idea.
		bramAPI.Get("/") // for a CSRF token
		wantStatus(t, apiCall(bramAPI, http.MethodPost, fmt.Sprintf("/ideas/%d/vote", light.ID), ""), http.StatusOK)
		if got := votedOf(bramAPI); got[bell.ID] || !got[light.ID] {
			t.Errorf("after his vote Bram's list says voted %v", got)
		}
		if got := votedOf(annaAPI); !got[bell.ID] || got[light.ID] {
			t.Errorf("after Bram's vote Anna's list says voted %v", got)
		}
		for _, c := range []struct {
			client *apptest.Client
			want   bool
		}{{annaAPI, false}, {bramAPI, true}, {annaAPI, false}} {
			got := apiIdea(t, apiCall(c.client, http.MethodGet, fmt.Sprintf("/ideas/%d", light.ID), ""), http.StatusOK)
			if got.Voted != c.want || got.Votes != 2 {
				t.Errorf("the idea says voted %v and %d votes; want %v and 2", got.Voted, got.Votes, c.want)
			}
		}
	})
}
