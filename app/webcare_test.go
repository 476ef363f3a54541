package app_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"testing"

	"samen/app/apptest"
	"samen/models"
)

// TestTeamRecordsIdeasAndVotesForCustomers covers webcare in the API: the
// team creates an idea for a customer, who becomes its author (a new member
// for an unknown email) and claims it by signing in with that email; the
// team records customers' votes once each; others may not; bad input is 422
// naming the fields; both are in the audit log.
func TestTeamRecordsIdeasAndVotesForCustomers(t *testing.T) {
	each(t, func(t *testing.T, dialect string) {
		srv := apptest.New(t, dialect, "SAMEN_RATE_LIMITS=off")
		ctx := context.Background()
		teamUser := srv.User("Tess", "tess@example.com", models.RoleTeam)
		member := srv.User("Mia", "mia@example.com", models.RoleMember)
		moderator := srv.User("Mo", "mo@example.com", models.RoleModerator)
		team := bearerClient(t, srv, teamUser)

		body := `{"title":"Bells that ring twice","body":"Heard on X","on_behalf_of":{"email":"Klaas@Example.com","name":"Klaas"},
			"source":"twitter","source_url":"https://x.com/klaas/status/1"}`
		raw := apiJSON[map[string]json.RawMessage](t, apiCall(team, http.MethodPost, "/ideas", body), http.StatusCreated)
		var idea ideaJSON
		if err := json.Unmarshal(mustMarshal(t, raw), &idea); err != nil {
			t.Fatal(err)
		}
		if idea.Author.Name != "Klaas" || idea.Author.ID == teamUser.ID || idea.Votes != 1 {
			t.Fatalf("idea for a customer: author %+v, votes %d", idea.Author, idea.Votes)
		}
		if string(raw["source"]) != `"twitter"` || string(raw["source_url"]) != `"https://x.com/klaas/status/1"` {
			t.Fatalf("the team sees source %s and source_url %s", raw["source"], raw["source_url"])
		}
		klaas, err := srv.Store.UserByEmail(ctx, "klaas@example.com")
		if err != nil || klaas.ID != idea.Author.ID || klaas.FirstSignedInAt != nil {
			t.Fatalf("the customer's member: %+v, %v", klaas, err)
		}

		// Others see the source, never the link.
		for _, c := range []*apptest.Client{srv.Client(), bearerClient(t, srv, member), bearerClient(t, srv, moderator)} {
			got := apiJSON[map[string]json.RawMessage](t, apiCall(c, http.MethodGet, fmt.Sprintf("/ideas/%d", idea.ID), ""), http.StatusOK)
			if _, has := got["source_url"]; has || string(got["source"]) != `"twitter"` {
				t.Fatalf("someone not in the team sees source %s, source_url %s", got["source"], got["source_url"])
			}
		}
		// An idea from the web says so; for the team its link is null.
		webIdea := mustIdea(t, srv, member, "An idea proposed on the web")
		got := apiJSON[map[string]json.RawMessage](t, apiCall(team, http.MethodGet, fmt.Sprintf("/ideas/%d", webIdea.ID), ""), http.StatusOK)
		if string(got["source"]) != `"web"` || string(got["source_url"]) != "null" {
			t.Fatalf("web idea for the team: source %s, source_url %s", got["source"], got["source_url"])
		}

		// Only the team records for customers.
		for _, u := range []*models.User{member, moderator} {
			r := apiCall(bearerClient(t, srv, u), http.MethodPost, "/ideas", body)
			wantStatus(t, r, http.StatusForbidden)
			r = apiCall(bearerClient(t, srv, u), http.MethodPost, fmt.Sprintf("/ideas/%d/votes", idea.ID), `{"email":"anna@example.com"}`)
			wantStatus(t, r, http.StatusForbidden)
		}
		wantStatus(t, apiCall(srv.Client(), http.MethodPost, fmt.Sprintf("/ideas/%d/votes", idea.ID), `{"email":"anna@example.com"}`), http.StatusUnauthorized)

		// Bad input names every bad field.
		bad := `{"title":"Bells that ring twice","body":"x","on_behalf_of":{"email":"not an email"},"source":"myspace","source_url":"javascript:alert(1)"}`
		wantFields(t, apiCall(team, http.MethodPost, "/ideas", bad), "email", "source", "source_url")
		wantFields(t, apiCall(team, http.MethodPost, "/ideas", `{"title":"Bells that ring twice","on_behalf_of":{"email":"a@example.com"},"source_url":"ftp://example.com/x"}`), "source_url")
		wantFields(t, apiCall(team, http.MethodPost, fmt.Sprintf("/ideas/%d/votes", idea.ID), `{"email":"@@","source":"fax"}`), "email", "source")
		wantStatus(t, apiCall(team, http.MethodPost, "/ideas/999999/votes", `{"email":"anna@example.com"}`), http.StatusNotFound)

		// A customer's vote counts once, however often it is recorded; a
		// known member's vote is theirs.
		path := fmt.Sprintf("/ideas/%d/votes", idea.ID)
		for i, want := range []voteJSON{{true, 2}, {true, 2}} {
			got := apiJSON[voteJSON](t, apiCall(team, http.MethodPost, path, `{"email":"anna@example.com","name":"Anna","source":"facebook"}`), http.StatusOK)
			if got != want {
				t.Fatalf("recording Anna's vote, time %d: %+v, want %+v", i+1, got, want)
			}
		}
		got2 := apiJSON[voteJSON](t, apiCall(team, http.MethodPost, path, `{"email":"MIA@example.com","source":"support"}`), http.StatusOK)
		if got2.Votes != 3 {
			t.Fatalf("Mia's vote: %+v", got2)
		}
		mine := apiJSON[ideaJSON](t, apiCall(bearerClient(t, srv, member), http.MethodGet, fmt.Sprintf("/ideas/%d", idea.ID), ""), http.StatusOK)
		if !mine.Voted || mine.Votes != 3 {
			t.Fatalf("Mia's view after the team recorded her vote: voted %v, votes %d", mine.Voted, mine.Votes)
		}

		// A closed idea takes no votes, and no member is made for nothing.
		declined := mustIdea(t, srv, member, "An idea the team declines")
		if _, err := srv.Store.SetStatus(ctx, declined.ID, teamUser, "declined", "Not for us."); err != nil {
			t.Fatal(err)
		}
		wantStatus(t, apiCall(team, http.MethodPost, fmt.Sprintf("/ideas/%d/votes", declined.ID), `{"email":"late@example.com"}`), http.StatusConflict)
		if _, err := srv.Store.UserByEmail(ctx, "late@example.com"); !errors.Is(err, models.ErrNotFound) {
			t.Fatalf("a member was made for a refused vote: %v", err)
		}

		// The audit log keeps who recorded what, once per vote.
		for action, want := range map[string]int{models.AuditIdeaForCustomer: 1, models.AuditVoteForCustomer: 2} {
			entries, _, err := srv.Store.AuditLog(ctx, models.AuditFilter{Action: action, Page: 1})
			if err != nil {
				t.Fatal(err)
			}
			if len(entries) != want {
				t.Fatalf("%s: %d audit entries, want %d", action, len(entries), want)
			}
			if e := entries[0]; e.ActorID == nil || *e.ActorID != teamUser.ID || e.TargetID != idea.ID {
				t.Fatalf("%s: audit entry %+v", action, e)
			}
		}

		// Klaas claims the idea by signing in with a provider that verified his email.
		u, created, err := srv.Store.SignInWithProvider(ctx, models.Profile{Provider: "oidc", Subject: "klaas-1",
			Email: "klaas@example.com", EmailVerified: true, Name: "Klaas V"}, models.SignInOptions{})
		if err != nil || created || u.ID != klaas.ID {
			t.Fatalf("Klaas signs in: %+v created %v, %v; want the member %d", u, created, err, klaas.ID)
		}
		// Someone whose provider did not verify that email gets a member of their own.
		other, created, err := srv.Store.SignInWithProvider(ctx, models.Profile{Provider: "oidc", Subject: "not-klaas",
			Email: "klaas@example.com", EmailVerified: false, Name: "Not Klaas"}, models.SignInOptions{})
		if err != nil || !created || other.ID == klaas.ID {
			t.Fatalf("an unverified email joined the customer's member: %+v, %v", other, err)
		}
	})
}

// TestTeamRecordsForCustomersInPages covers the same in pages: the team's
// part of the new-idea form and the idea page's "record a vote" form.
func TestTeamRecordsForCustomersInPages(t *testing.T) {
	each(t, func(t *testing.T, dialect string) {
		srv := apptest.New(t, dialect, "SAMEN_RATE_LIMITS=off")
		teamUser := srv.User("Tess", "tess@example.com", models.RoleTeam)
		member := srv.User("Mia", "mia@example.com", models.RoleMember)
		team, mia := srv.SignedIn(teamUser), srv.SignedIn(member)

		r := mia.Get("/ideas/new")
		wantStatus(t, r, http.StatusOK)
		if r.Doc.Find(`fieldset.webcare`).Length() != 0 {
			t.Fatal("a member is offered to record ideas for customers")
		}
		r = team.Get("/ideas/new")
		wantStatus(t, r, http.StatusOK)
		if r.Doc.Find(`fieldset.webcare input[name="customer_email"]`).Length() != 1 ||
			r.Doc.Find(`fieldset.webcare select[name="source"] option[value="pinterest"]`).Length() != 1 {
			t.Fatal("the team's new-idea form lacks the customer's fields")
		}

		form := url.Values{"title": {"Recorded at the support desk"}, "body": {"A customer called"},
			"customer_email": {"bad"}, "source": {"support"}, "source_url": {"javascript:alert(1)"}}
		r = team.PostForm("/ideas", form)
		wantStatus(t, r, http.StatusUnprocessableEntity)
		if r.Doc.Find(`#customer-email-error`).Length() != 1 || r.Doc.Find(`#source-url-error`).Length() != 1 {
			t.Fatalf("the form does not say what is wrong: %s", r.Body)
		}
		if v, _ := r.Doc.Find(`#customer-email`).Attr("value"); v != "bad" {
			t.Fatalf("the form lost the email: %q", v)
		}

		form.Set("customer_email", "carla@example.com")
		form.Set("source_url", "https://support.example.com/tickets/7")
		r = team.PostForm("/ideas", form)
		wantStatus(t, r, http.StatusSeeOther)
		location := r.Header.Get("Location")
		r = team.Get(location)
		wantStatus(t, r, http.StatusOK)
		if r.Doc.Find(`.meta .source[data-source="support"]`).Length() != 1 {
			t.Fatal("the idea page does not say the idea came from support")
		}
		if href, _ := r.Doc.Find(`.meta a.source-link`).Attr("href"); href != "https://support.example.com/tickets/7" {
			t.Fatalf("the team's link to the conversation: %q", href)
		}
		id, _ := r.Doc.Find(`article.idea`).Attr("data-id")
		action := "/ideas/" + id + "/votes"
		if r.Doc.Find(`section.customer-vote form[action="`+action+`"]`).Length() != 1 {
			t.Fatal("the team is not offered to record a customer's vote")
		}
		m := mia.Get(location)
		wantStatus(t, m, http.StatusOK)
		if m.Doc.Find(`section.customer-vote`).Length() != 0 || m.Doc.Find(`a.source-link`).Length() != 0 {
			t.Fatal("a member sees the team's webcare controls or the conversation's link")
		}
		if m.Doc.Find(`.meta .source[data-source="support"]`).Length() != 1 {
			t.Fatal("the source is public, but a member does not see it")
		}

		r = team.PostForm(action, url.Values{"customer_email": {"nope"}, "source": {"email"}})
		wantStatus(t, r, http.StatusUnprocessableEntity)
		if r.Doc.Find(`#vote-email-error`).Length() != 1 {
			t.Fatal("the vote form does not say the email is wrong")
		}
		for range 2 {
			r = team.PostForm(action, url.Values{"customer_email": {"dirk@example.com"}, "source": {"email"}})
			wantStatus(t, r, http.StatusSeeOther)
		}
		got := apiJSON[ideaJSON](t, apiCall(srv.Client(), http.MethodGet, "/ideas/"+id, ""), http.StatusOK)
		if got.Votes != 2 {
			t.Fatalf("votes after Carla's and Dirk's (recorded twice): %d, want 2", got.Votes)
		}
		wantStatus(t, mia.PostForm(action, url.Values{"customer_email": {"x@example.com"}}), http.StatusForbidden)
	})
}

func mustMarshal(t *testing.T, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}
