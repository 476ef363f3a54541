package app_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"testing"

	"samen/app/apptest"
	"samen/models"
)

// apiPost is the part of an idea or a comment that these tests read.
type apiPost struct {
	ID     int64      `json:"id"`
	Title  string     `json:"title"`
	Body   string     `json:"body"`
	Images []apiImage `json:"images"`
}

func imageIDs(list []apiImage) []int64 {
	ids := make([]int64, len(list))
	for i, img := range list {
		ids[i] = img.ID
	}
	return ids
}

// uploadID uploads a small PNG through the API and gives its id.
func uploadID(t *testing.T, c *apptest.Client, alt string) int64 {
	t.Helper()
	r := apiUpload(c, "x.png", pngOf(t, photo(24, 16)), alt)
	wantStatus(t, r, http.StatusCreated)
	return decodeJSON[apiImage](t, r).ID
}

// wantImages fails unless the idea (or, with a comment id, that comment of
// the idea) carries exactly the images want, as the API shows them.
func wantImages(t *testing.T, c *apptest.Client, ideaID, commentID int64, want ...int64) {
	t.Helper()
	var got []int64
	if commentID == 0 {
		r := c.Get(fmt.Sprintf("/api/v1/ideas/%d", ideaID))
		wantStatus(t, r, http.StatusOK)
		got = imageIDs(decodeJSON[apiPost](t, r).Images)
	} else {
		r := c.Get(fmt.Sprintf("/api/v1/ideas/%d/comments", ideaID))
		wantStatus(t, r, http.StatusOK)
		for _, cm := range decodeJSON[struct{ Comments []apiPost }](t, r).Comments {
			if cm.ID == commentID {
				got = imageIDs(cm.Images)
			}
		}
	}
	if want == nil {
		want = []int64{}
	}
	if got == nil {
		got = []int64{}
	}
	if !slices.Equal(got, want) {
		t.Fatalf("images %v, want %v", got, want)
	}
}

// waiting reports whether an upload is still its owner's, attached to nothing.
func waiting(t *testing.T, srv *apptest.Server, owner *models.User, id int64) bool {
	t.Helper()
	list, err := srv.Store.WaitingImages(context.Background(), owner.ID, []int64{id})
	if err != nil {
		t.Fatal(err)
	}
	return len(list) == 1
}

func imageByID(t *testing.T, srv *apptest.Server, owner *models.User, id int64) models.Image {
	t.Helper()
	list, err := srv.Store.ImagesOf(context.Background(), owner.ID)
	if err != nil {
		t.Fatal(err)
	}
	for _, img := range list {
		if img.ID == id {
			return img
		}
	}
	t.Fatalf("image %d is not %s's", id, owner.Name)
	return models.Image{}
}

// TestImagesChangeOnEditThroughTheAPI: PATCH of an idea or a comment takes
// "images" as the whole new list. New ones must be the author's own
// uploads not yet posted, at most four in all; anything else is a 422 and
// nothing changes. Removed images are deleted, files included; staff remove
// images from a member's post but cannot add theirs.
func TestImagesChangeOnEditThroughTheAPI(t *testing.T) {
	each(t, func(t *testing.T, dialect string) {
		srv := apptest.New(t, dialect, "SAMEN_RATE_LIMITS=off")
		anna := srv.User("Anna", "anna@example.com", models.RoleMember)
		bram := srv.User("Bram", "bram@example.com", models.RoleMember)
		mona := srv.User("Mona", "mona@example.com", models.RoleModerator)
		api, bramAPI, monaAPI, visitor := bearer(t, srv, anna), bearer(t, srv, bram), bearer(t, srv, mona), srv.Client()

		bell, chain := uploadID(t, api, "The bell"), uploadID(t, api, "The chain")
		r := sendJSON(api, http.MethodPost, "/api/v1/ideas", map[string]any{"title": "A bell that rings twice", "images": []int64{bell}})
		wantStatus(t, r, http.StatusCreated)
		idea := decodeJSON[apiPost](t, r)
		path := fmt.Sprintf("/api/v1/ideas/%d", idea.ID)
		bellImg := imageByID(t, srv, anna, bell)

		// Adding: the answer shows the new list.
		r = sendJSON(api, http.MethodPatch, path, map[string]any{"images": []int64{bell, chain}})
		wantStatus(t, r, http.StatusOK)
		if got := imageIDs(decodeJSON[apiPost](t, r).Images); !slices.Equal(got, []int64{bell, chain}) {
			t.Fatalf("after adding: %v", got)
		}
		// Removing: the image goes, its files by the background job.
		r = sendJSON(api, http.MethodPatch, path, map[string]any{"images": []int64{chain}})
		wantStatus(t, r, http.StatusOK)
		wantImages(t, visitor, idea.ID, 0, chain)
		wantStatus(t, fetchImage(visitor, bellImg.Path()), http.StatusNotFound)
		waitGone(t, srv, bellImg.BlobKey, bellImg.ThumbKey)
		// Absent, the images stay as they are.
		r = sendJSON(api, http.MethodPatch, path, map[string]any{"body": "Now with a text."})
		wantStatus(t, r, http.StatusOK)
		wantImages(t, visitor, idea.ID, 0, chain)

		// Refusals: 422 naming images, and nothing changes (the text neither).
		bramsUpload := uploadID(t, bramAPI, "Bram's photo")
		other := uploadID(t, api, "On another idea")
		r = sendJSON(api, http.MethodPost, "/api/v1/ideas", map[string]any{"title": "Another idea of Anna", "images": []int64{other}})
		wantStatus(t, r, http.StatusCreated)
		var five []int64
		for i := range 4 {
			five = append(five, uploadID(t, api, "Spare "+strconv.Itoa(i)))
		}
		five = append(five, chain)
		for name, ids := range map[string][]int64{
			"someone else's upload":    {chain, bramsUpload},
			"an upload already posted": {chain, other},
			"an image that is not":     {chain, 999999},
			"too many images":          five,
		} {
			r = sendJSON(api, http.MethodPatch, path, map[string]any{"title": "A title that must not stick", "images": ids})
			wantAPIError(t, r, http.StatusUnprocessableEntity, "invalid")
			if e := decodeJSON[apiError](t, r); e.Error.Fields["images"] == "" {
				t.Errorf("%s: fields %v do not name images", name, e.Error.Fields)
			}
			wantImages(t, visitor, idea.ID, 0, chain)
		}
		if r := visitor.Get(path); decodeJSON[apiPost](t, r).Title != "A bell that rings twice" {
			t.Fatalf("a refused edit changed the title: %s", r.Body)
		}
		if !waiting(t, srv, bram, bramsUpload) || !waiting(t, srv, anna, five[0]) {
			t.Fatal("a refused edit took uploads")
		}
		// Nor may Bram change Anna's images.
		wantAPIError(t, sendJSON(bramAPI, http.MethodPatch, path, map[string]any{"images": []int64{}}), http.StatusForbidden, "forbidden")

		// A moderator cannot attach their own upload to Anna's idea, but
		// may remove her images; the audit log keeps which.
		monas := uploadID(t, monaAPI, "Mona's picture")
		r = sendJSON(monaAPI, http.MethodPatch, path, map[string]any{"images": []int64{chain, monas}})
		wantAPIError(t, r, http.StatusUnprocessableEntity, "invalid")
		wantImages(t, visitor, idea.ID, 0, chain)
		if !waiting(t, srv, mona, monas) {
			t.Fatal("Mona's upload was taken")
		}
		r = sendJSON(monaAPI, http.MethodPatch, path, map[string]any{"images": []int64{}})
		wantStatus(t, r, http.StatusOK)
		wantImages(t, visitor, idea.ID, 0)
		entries, _, err := srv.Store.AuditLog(context.Background(), models.AuditFilter{TargetType: models.TargetIdea, TargetID: idea.ID, Page: 1})
		if err != nil {
			t.Fatal(err)
		}
		if !slices.ContainsFunc(entries, func(e models.AuditEntry) bool {
			return e.Action == models.AuditIdeaEdit && e.Reason == `removed images: "The chain"`
		}) {
			t.Fatalf("the audit log does not say Mona removed the chain: %+v", entries)
		}

		// Comments: PATCH /api/v1/comments/:id, the same rules.
		shot := uploadID(t, api, "The screen")
		r = sendJSON(api, http.MethodPost, fmt.Sprintf("/api/v1/ideas/%d/comments", idea.ID), map[string]any{"body": "A comment", "images": []int64{shot}})
		wantStatus(t, r, http.StatusCreated)
		comment := decodeJSON[apiPost](t, r)
		cpath := fmt.Sprintf("/api/v1/comments/%d", comment.ID)
		shotImg := imageByID(t, srv, anna, shot)
		second := uploadID(t, api, "The second screen")
		r = sendJSON(api, http.MethodPatch, cpath, map[string]any{"images": []int64{second}})
		wantStatus(t, r, http.StatusOK)
		if got := decodeJSON[apiPost](t, r); !slices.Equal(imageIDs(got.Images), []int64{second}) || got.Body != "A comment" {
			t.Fatalf("edited comment %+v", got)
		}
		wantImages(t, visitor, idea.ID, comment.ID, second)
		waitGone(t, srv, shotImg.BlobKey, shotImg.ThumbKey)
		for _, ids := range [][]int64{{second, bramsUpload}, {second, other}, five} {
			r = sendJSON(api, http.MethodPatch, cpath, map[string]any{"body": "Must not stick", "images": ids})
			wantAPIError(t, r, http.StatusUnprocessableEntity, "invalid")
			wantImages(t, visitor, idea.ID, comment.ID, second)
		}
		r = sendJSON(monaAPI, http.MethodPatch, cpath, map[string]any{"images": []int64{second, monas}})
		wantAPIError(t, r, http.StatusUnprocessableEntity, "invalid")
		wantAPIError(t, sendJSON(bramAPI, http.MethodPatch, cpath, map[string]any{"images": []int64{}}), http.StatusForbidden, "forbidden")
		wantAPIError(t, sendJSON(api, http.MethodPatch, "/api/v1/comments/999999", map[string]any{"images": []int64{}}), http.StatusNotFound, "not_found")
		wantAPIError(t, sendJSON(api, http.MethodPatch, cpath, map[string]any{"body": "  "}), http.StatusUnprocessableEntity, "invalid")

		// A reply takes images too.
		reply := uploadID(t, bramAPI, "Bram's reply photo")
		r = sendJSON(bramAPI, http.MethodPost, fmt.Sprintf("/api/v1/ideas/%d/comments", idea.ID),
			map[string]any{"body": "Same here", "parent_id": comment.ID, "images": []int64{reply}})
		wantStatus(t, r, http.StatusCreated)
		replied := decodeJSON[apiPost](t, r)
		wantImages(t, visitor, idea.ID, replied.ID, reply)

		// An image added on edit is hidden with its comment, and goes with
		// its member's account.
		if _, err := srv.Store.ModerateComment(context.Background(), comment.ID, mona, true, "rude", models.PublicReason{}); err != nil {
			t.Fatal(err)
		}
		secondImg := imageByID(t, srv, anna, second)
		wantStatus(t, fetchImage(visitor, secondImg.Path()), http.StatusNotFound)
		wantStatus(t, fetchImage(bramAPI, secondImg.Path()), http.StatusNotFound)
		wantStatus(t, fetchImage(srv.SignedIn(mona), secondImg.Path()), http.StatusOK)
		replyImg := imageByID(t, srv, bram, reply)
		r = sendJSON(bramAPI, http.MethodDelete, "/api/v1/me", map[string]any{"confirm": "bram@example.com"})
		wantStatus(t, r, http.StatusNoContent)
		waitGone(t, srv, replyImg.BlobKey, replyImg.ThumbKey)
	})
}

// TestImagesOfRecordedIdeas: the team records an idea for a customer with
// the pictures the customer sent; they become the customer's.
func TestImagesOfRecordedIdeas(t *testing.T) {
	each(t, func(t *testing.T, dialect string) {
		srv := apptest.New(t, dialect, "SAMEN_RATE_LIMITS=off")
		ctx := context.Background()
		tess := srv.User("Tess", "tess@example.com", models.RoleTeam)
		api := bearer(t, srv, tess)

		sent := uploadID(t, api, "The customer's cracked frame")
		r := sendJSON(api, http.MethodPost, "/api/v1/ideas", map[string]any{"title": "A stronger frame near the bell",
			"on_behalf_of": map[string]any{"email": "carla@example.com", "name": "Carla"}, "source": "twitter", "images": []int64{sent}})
		wantStatus(t, r, http.StatusCreated)
		idea := decodeJSON[apiPost](t, r)
		if !slices.Equal(imageIDs(idea.Images), []int64{sent}) {
			t.Fatalf("recorded idea images %+v", idea.Images)
		}
		carla, err := srv.Store.UserByEmail(ctx, "carla@example.com")
		if err != nil {
			t.Fatal(err)
		}
		if list, _ := srv.Store.ImagesOf(ctx, carla.ID); len(list) != 1 || list[0].ID != sent {
			t.Fatalf("Carla's images: %+v", list)
		}
		if list, _ := srv.Store.ImagesOf(ctx, tess.ID); len(list) != 0 {
			t.Fatalf("the image stayed Tess's: %+v", list)
		}
		// Carla's export has it.
		export, err := srv.Store.ExportOf(ctx, carla)
		if err != nil {
			t.Fatal(err)
		}
		if len(export.Images) != 1 || export.Images[0].ID != sent || export.Images[0].IdeaID == nil || *export.Images[0].IdeaID != idea.ID {
			t.Fatalf("Carla's export images %+v", export.Images)
		}
		// Refused like any other: someone else's upload, or too many.
		other := uploadID(t, bearer(t, srv, srv.User("Bram", "bram@example.com", models.RoleMember)), "Bram's")
		r = sendJSON(api, http.MethodPost, "/api/v1/ideas", map[string]any{"title": "Another recorded idea here",
			"on_behalf_of": map[string]any{"email": "dirk@example.com"}, "images": []int64{other}})
		wantAPIError(t, r, http.StatusUnprocessableEntity, "invalid")
		if _, err := srv.Store.UserByEmail(ctx, "dirk@example.com"); err == nil {
			t.Fatal("a refused recording made a member")
		}

		// Through the new-idea form too.
		c := srv.SignedIn(tess)
		c.Get("/ideas/new")
		r = postMultipart(c, "/ideas", map[string]string{"title": "Lights that stay on longer", "body": "From support.",
			"customer_email": "erik@example.com", "source": "email", "alt_0": "Erik's dark street"},
			upload{"image_0", "street.png", pngOf(t, photo(60, 40))})
		wantStatus(t, r, http.StatusSeeOther)
		page := c.Get(r.Header.Get("Location"))
		wantCount(t, page, "article.idea > ul.images img[alt=\"Erik's dark street\"]", 1)
		erik, err := srv.Store.UserByEmail(ctx, "erik@example.com")
		if err != nil {
			t.Fatal(err)
		}
		if list, _ := srv.Store.ImagesOf(ctx, erik.ID); len(list) != 1 {
			t.Fatalf("Erik's images: %+v", list)
		}
	})
}

// TestImagesChangeOnEditThroughTheForms: the edit forms of ideas and
// comments show the post's images to keep or remove and, for its author,
// file fields; the reply form takes images. A refused file brings the form
// back with the reason and changes nothing.
func TestImagesChangeOnEditThroughTheForms(t *testing.T) {
	each(t, func(t *testing.T, dialect string) {
		srv := apptest.New(t, dialect, "SAMEN_RATE_LIMITS=off")
		ctx := context.Background()
		anna := srv.User("Anna", "anna@example.com", models.RoleMember)
		bram := srv.User("Bram", "bram@example.com", models.RoleMember)
		mona := srv.User("Mona", "mona@example.com", models.RoleModerator)
		c, visitor := srv.SignedIn(anna), srv.Client()

		bell := mustImage(t, srv, anna, "The bell")
		idea, err := srv.Store.CreateIdea(ctx, anna, models.NewIdea{Title: "A bell that rings twice", Body: "Look.", Images: []int64{bell.ID}})
		if err != nil {
			t.Fatal(err)
		}
		edit := fmt.Sprintf("/ideas/%d/edit", idea.ID)
		form := c.Get(edit)
		wantStatus(t, form, http.StatusOK)
		wantCount(t, form, `form.idea-form[enctype="multipart/form-data"] input[type=hidden][name=images_listed]`, 1)
		wantCount(t, form, fmt.Sprintf(`.image-fields input[type=checkbox][name=images][value="%d"][checked]`, bell.ID), 1)
		wantCount(t, form, ".image-fields input[type=file]", models.MaxImagesPerPost-1)

		// A file without alt text: refused, the idea unchanged.
		fields := map[string]string{"title": "A bell that rings three times", "body": "Look.", "images_listed": "1", "images": strconv.FormatInt(bell.ID, 10)}
		r := postMultipart(c, edit, fields, upload{"image_0", "more.png", pngOf(t, photo(30, 30))})
		wantStatus(t, r, http.StatusUnprocessableEntity)
		wantCount(t, r, ".image-fields .field-error li", 1)
		wantImages(t, visitor, idea.ID, 0, bell.ID)

		// Unticking the bell and adding a photo: the bell goes, the photo comes.
		delete(fields, "images")
		fields["alt_0"] = "The bell from above"
		r = postMultipart(c, edit, fields, upload{"image_0", "above.png", pngOf(t, photo(30, 30))})
		wantStatus(t, r, http.StatusSeeOther)
		page := c.Get(r.Header.Get("Location"))
		wantCount(t, page, "article.idea > ul.images img", 1)
		wantCount(t, page, "article.idea > ul.images img[alt='The bell from above']", 1)
		waitGone(t, srv, bell.BlobKey, bell.ThumbKey)
		// A form without the images part (an older page) leaves them be.
		r = c.PostForm(edit, url.Values{"title": {"A bell that rings three times"}, "body": {"Still."}})
		wantStatus(t, r, http.StatusSeeOther)
		wantCount(t, c.Get(r.Header.Get("Location")), "article.idea > ul.images img", 1)

		// A moderator's edit form offers removing, not adding.
		mod := srv.SignedIn(mona)
		form = mod.Get(edit)
		wantStatus(t, form, http.StatusOK)
		wantCount(t, form, ".image-fields input[type=checkbox][name=images]", 1)
		wantCount(t, form, ".image-fields input[type=file]", 0)

		// Replies take images, through the reply form under a comment.
		top := mustComment(t, srv, idea.ID, anna, "Anna's first comment")
		b := srv.SignedIn(bram)
		show := fmt.Sprintf("/ideas/%d/%s", idea.ID, models.Slugify("A bell that rings three times"))
		page = b.Get(show)
		wantCount(t, page, fmt.Sprintf(`#comment-%d details.comment-reply form[enctype="multipart/form-data"] input[type=file][name=image_0]`, top.ID), 1)
		comments := fmt.Sprintf("/ideas/%d/comments", idea.ID)
		parent := strconv.FormatInt(top.ID, 10)
		// Refused: the reply form comes back open with its text and the reason.
		r = postMultipart(b, comments, map[string]string{"body": "Mine too", "parent_id": parent},
			upload{"image_0", "mine.png", pngOf(t, photo(20, 20))})
		wantStatus(t, r, http.StatusUnprocessableEntity)
		wantCount(t, r, fmt.Sprintf("#comment-%d details.comment-reply[open] .image-fields .field-error li", top.ID), 1)
		wantText(t, r, fmt.Sprintf("#comment-%d details.comment-reply textarea", top.ID), "Mine too")
		wantText(t, r, "#comment-body", "")
		r = postMultipart(b, comments, map[string]string{"body": "Mine too", "parent_id": parent, "alt_0": "Bram's bell"},
			upload{"image_0", "mine.png", pngOf(t, photo(20, 20))})
		wantStatus(t, r, http.StatusSeeOther)
		page = b.Get(show)
		wantCount(t, page, "li.comment.reply > ul.images img[alt=\"Bram's bell\"]", 1)

		// The comment's edit form: tick off to remove, add a file.
		shot := mustImage(t, srv, anna, "The screen")
		cm, err := srv.Store.CreateComment(ctx, idea.ID, anna, models.NewComment{Body: "With a screen", Images: []int64{shot.ID}})
		if err != nil {
			t.Fatal(err)
		}
		page = c.Get(show)
		editForm := fmt.Sprintf(`#comment-%d details.comment-edit form[enctype="multipart/form-data"]`, cm.ID)
		wantCount(t, page, editForm+fmt.Sprintf(` input[name=images][value="%d"][checked]`, shot.ID), 1)
		wantCount(t, page, editForm+" input[type=file]", models.MaxImagesPerPost-1)
		cedit := fmt.Sprintf("/ideas/%d/comments/%d/edit", idea.ID, cm.ID)
		// Refused (no alt text): the edit form comes back open, nothing changes.
		r = postMultipart(c, cedit, map[string]string{"body": "With a new screen", "images_listed": "1"},
			upload{"image_0", "new.png", pngOf(t, photo(20, 20))})
		wantStatus(t, r, http.StatusUnprocessableEntity)
		wantCount(t, r, fmt.Sprintf("#comment-%d details.comment-edit[open] .image-fields .field-error li", cm.ID), 1)
		wantText(t, r, fmt.Sprintf("#edit-%d", cm.ID), "With a new screen")
		wantImages(t, visitor, idea.ID, cm.ID, shot.ID)
		r = postMultipart(c, cedit, map[string]string{"body": "With a new screen", "images_listed": "1", "alt_0": "The new screen"},
			upload{"image_0", "new.png", pngOf(t, photo(20, 20))})
		wantStatus(t, r, http.StatusSeeOther)
		page = c.Get(show)
		wantCount(t, page, fmt.Sprintf("#comment-%d > ul.images img", cm.ID), 1)
		wantCount(t, page, fmt.Sprintf("#comment-%d > ul.images img[alt='The new screen']", cm.ID), 1)
		waitGone(t, srv, shot.BlobKey, shot.ThumbKey)
		// The moderator's edit form of Anna's comment has no file fields.
		wantCount(t, mod.Get(show), fmt.Sprintf("#comment-%d details.comment-edit input[type=file]", cm.ID), 0)
	})
}

// TestImagesAddedOnEditGoToReview: an image a pre-moderated member adds by
// an edit sends the published post back to review, like a new text: nobody
// but the member and moderators sees it (nor its image) until approved, and
// the review queue shows it.
func TestImagesAddedOnEditGoToReview(t *testing.T) {
	each(t, func(t *testing.T, dialect string) {
		srv := apptest.New(t, dialect, "SAMEN_RATE_LIMITS=off")
		admin := srv.User("Ada", "ada@example.com", models.RoleAdmin)
		saveSettings(t, srv, admin, map[string]string{"premoderate_first": "2"})
		nina := srv.User("Nina", "nina@example.com", models.RoleMember)
		n, m, visitor := bearer(t, srv, nina), bearer(t, srv, admin), srv.Client()

		r := sendJSON(n, http.MethodPost, "/api/v1/ideas", map[string]any{"title": "A kickstand that holds a loaded bike"})
		wantStatus(t, r, http.StatusCreated)
		idea := decodeJSON[apiPost](t, r)
		wantStatus(t, sendJSON(m, http.MethodPost, fmt.Sprintf("/api/v1/mod/queue/idea/%d", idea.ID), map[string]any{"action": "approve"}), http.StatusNoContent)
		path := fmt.Sprintf("/api/v1/ideas/%d", idea.ID)
		wantStatus(t, visitor.Get(path), http.StatusOK)

		photoID := uploadID(t, n, "Nina's kickstand")
		wantStatus(t, sendJSON(n, http.MethodPatch, path, map[string]any{"images": []int64{photoID}}), http.StatusOK)
		img := imageByID(t, srv, nina, photoID)
		wantStatus(t, visitor.Get(path), http.StatusNotFound)
		wantStatus(t, fetchImage(visitor, img.Path()), http.StatusNotFound)
		mod := srv.SignedIn(admin)
		q := mod.Get("/mod")
		wantStatus(t, q, http.StatusOK)
		wantCount(t, q, fmt.Sprintf("#queue-idea-%d ul.images img[alt=\"Nina's kickstand\"]", idea.ID), 1)
		wantStatus(t, sendJSON(m, http.MethodPost, fmt.Sprintf("/api/v1/mod/queue/idea/%d", idea.ID), map[string]any{"action": "approve"}), http.StatusNoContent)
		wantStatus(t, fetchImage(visitor, img.Path()), http.StatusOK)
	})
}
