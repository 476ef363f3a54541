package app_test

import (
	"context"
	"net/http"
	"testing"

	"samen/app/apptest"
	"samen/models"
)

// TestIdeaHistoryPageAndAPI: an idea's page links its history, which shows
// each edit with the words deleted and inserted, and the team's answers;
// the API gives the same timeline; an idea the reader may not see has none.
func TestIdeaHistoryPageAndAPI(t *testing.T) {
	each(t, func(t *testing.T, dialect string) {
		srv := apptest.New(t, dialect, "SAMEN_RATE_LIMITS=off")
		ctx := context.Background()
		tess := srv.User("Tess", "tess@example.com", models.RoleTeam)
		anna := srv.User("Anna", "anna@example.com", models.RoleMember)
		idea, err := srv.Store.CreateIdea(ctx, anna, models.NewIdea{Title: "A light in the frame", Body: "It turns on by itself."})
		if err != nil {
			t.Fatal(err)
		}
		body := "It turns on by itself at dusk."
		if _, err := srv.Store.UpdateIdea(ctx, idea.ID, anna, models.IdeaUpdate{Body: &body}); err != nil {
			t.Fatal(err)
		}
		if _, err := srv.Store.SetStatus(ctx, idea.ID, tess, "planned", "Next **spring**."); err != nil {
			t.Fatal(err)
		}
		visitor := srv.Client()
		page := ideaPage(idea)
		wantCount(t, visitor.Get(page), `.history-link a[href="/ideas/`+itoa(idea.ID)+`/history"]`, 1)

		r := visitor.Get("/ideas/" + itoa(idea.ID) + "/history")
		wantStatus(t, r, http.StatusOK)
		wantCount(t, r, `.breadcrumb a[href="`+page+`"]`, 1)
		wantCount(t, r, ".history-entry", 3)
		wantCount(t, r, `.history-entry[data-kind="proposed"] .history-actor`, 1)
		wantText(t, r, `.history-entry[data-kind="edited"] .diff-body ins`, "at dusk")
		wantCount(t, r, `.history-entry[data-kind="edited"] .diff-title`, 0)
		wantText(t, r, `.history-entry[data-kind="status"] .history-answer strong`, "spring")
		wantText(t, r, `.history-entry[data-kind="status"] .history-actor`, "Tess")

		history := apiJSON[struct {
			History []struct {
				Kind   string `json:"kind"`
				At     string `json:"at"`
				Status string `json:"status"`
				Body   []struct {
					Op   string `json:"op"`
					Text string `json:"text"`
				} `json:"body"`
			} `json:"history"`
		}](t, apiCall(visitor, http.MethodGet, "/ideas/"+itoa(idea.ID)+"/history", ""), http.StatusOK)
		h := history.History
		if len(h) != 3 || h[0].Kind != "proposed" || h[1].Kind != "edited" || h[2].Kind != "status" || h[2].Status != "planned" ||
			len(h[1].Body) != 3 || h[1].Body[1].Op != "ins" || h[1].Body[1].Text != " at dusk" {
			t.Fatalf("the API's history: %+v", h)
		}

		// Hidden by a moderator: no history for a visitor.
		mod := srv.User("Mo", "mo@example.com", models.RoleModerator)
		if _, err := srv.Store.ModerateIdea(ctx, idea.ID, mod, models.IdeaModeration{Hidden: ptrTo(true), Reason: "spam"}); err != nil {
			t.Fatal(err)
		}
		wantStatus(t, visitor.Get("/ideas/"+itoa(idea.ID)+"/history"), http.StatusNotFound)
		wantAPIError(t, apiCall(visitor, http.MethodGet, "/ideas/"+itoa(idea.ID)+"/history", ""), http.StatusNotFound, "not_found")
		wantStatus(t, visitor.Get("/ideas/nope/history"), http.StatusNotFound)
	})
}
