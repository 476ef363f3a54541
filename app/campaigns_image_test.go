package app_test

import (
	"context"
	"net/http"
	"testing"
	"time"

	"samen/app/apptest"
	"samen/models"
)

// TestCampaignBriefImage: the team gives a campaign's brief a picture in the
// editor (a file, kept when the rest of the form is refused) or the API (an
// upload's id); readers of the campaign see it, nobody else while it is a
// draft; it stays after a day (no orphan), and is gone when replaced or
// removed. Someone else's upload is refused.
func TestCampaignBriefImage(t *testing.T) {
	each(t, func(t *testing.T, dialect string) {
		srv := apptest.New(t, dialect, "SAMEN_RATE_LIMITS=off")
		ctx := context.Background()
		tessUser := srv.User("Tess", "tess@example.com", models.RoleTeam)
		annaUser := srv.User("Anna", "anna@example.com", models.RoleMember)
		team, visitor := srv.SignedIn(tessUser), srv.Client()
		team.Get("/admin/campaigns")

		// A refused form keeps the uploaded picture for the next try.
		fields := map[string]string{"title": "", "image_alt": "A lock on a blue frame", "budget": "0", "max_per_idea": "0"}
		r := postMultipart(team, "/admin/campaigns", fields, upload{"image", "lock.png", pngOf(t, photo(64, 48))})
		wantStatus(t, r, http.StatusUnprocessableEntity)
		wantCount(t, r, `form.campaign-form[enctype="multipart/form-data"] input[type="hidden"][name="image_id"]`, 1)
		carried, _ := r.Doc.Find(`input[name="image_id"]`).Attr("value")
		fields["title"], fields["image_id"] = "Locks of the future", carried
		r = postMultipart(team, "/admin/campaigns", fields)
		wantStatus(t, r, http.StatusSeeOther)
		camp, err := srv.Store.Campaign(ctx, "locks-of-the-future", tessUser)
		if err != nil || camp.Image == nil || camp.Image.Alt != "A lock on a blue frame" {
			t.Fatalf("saved: %+v %v", camp, err)
		}
		first := camp.Image
		page := "/campaigns/" + camp.Slug
		wantCount(t, team.Get(page), `img.campaign-image[src="`+first.Path()+`"][alt="A lock on a blue frame"]`, 1)
		wantStatus(t, fetchImage(team, first.Path()), http.StatusOK)
		wantStatus(t, fetchImage(visitor, first.Path()), http.StatusNotFound) // a draft's
		if _, err := srv.Store.MoveCampaign(ctx, camp.ID, tessUser, models.PhaseSubmission); err != nil {
			t.Fatal(err)
		}
		wantStatus(t, fetchImage(visitor, first.Path()), http.StatusOK)
		wantCount(t, visitor.Get(page), "img.campaign-image", 1)

		// Not an orphan a day later.
		srv.Store.SetClock(func() time.Time { return time.Now().Add(48 * time.Hour) })
		if _, err := srv.Store.DeleteOrphanImages(ctx); err != nil {
			t.Fatal(err)
		}
		srv.Store.SetClock(nil)
		wantStatus(t, fetchImage(visitor, first.Path()), http.StatusOK)

		// Through the API: someone else's upload is refused; the team's own replaces the first.
		api := bearer(t, srv, tessUser)
		theirs := mustImage(t, srv, annaUser, "Anna's bike")
		wantInvalidField(t, sendJSON(api, http.MethodPatch, "/api/v1/campaigns/"+camp.Slug, map[string]any{"image": theirs.ID}), "image")
		wantInvalidField(t, sendJSON(api, http.MethodPatch, "/api/v1/campaigns/"+camp.Slug, map[string]any{"image": "big"}), "image")
		mine := decodeJSON[apiImage](t, apiUpload(api, "wheel.png", pngOf(t, photo(50, 40)), "A wheel"))
		r = sendJSON(api, http.MethodPatch, "/api/v1/campaigns/"+camp.Slug, map[string]any{"image": mine.ID})
		wantStatus(t, r, http.StatusOK)
		got := decodeJSON[struct {
			Image *apiImage `json:"image"`
		}](t, r)
		if got.Image == nil || got.Image.ID != mine.ID || got.Image.Alt != "A wheel" {
			t.Fatalf("the API's image: %+v", got.Image)
		}
		waitGone(t, srv, first.BlobKey, first.ThumbKey)
		wantStatus(t, fetchImage(visitor, mine.URL), http.StatusOK)

		// Removed in the editor: gone from the page and the store.
		r = postMultipart(team, "/admin/campaigns/"+camp.Slug, map[string]string{"title": camp.Title, "remove_image": "on", "budget": "0", "max_per_idea": "0"})
		wantStatus(t, r, http.StatusSeeOther)
		wantCount(t, visitor.Get(page), "img.campaign-image", 0)
		wantStatus(t, fetchImage(visitor, mine.URL), http.StatusNotFound)
	})
}
