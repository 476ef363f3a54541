package handlers

import (
	"errors"
	"fmt"
	"io"
	"mime/multipart"
	"strconv"

	"github.com/gofiber/fiber/v2"
	"github.com/nicksnyder/go-i18n/v2/i18n"

	"samen/models"
)

// Images serves the pictures attached to ideas and comments, and takes
// uploads in the API. Pages take them with their own forms (see readImages).
type Images struct{ *Deps }

// APIImage is an attached image in the JSON API.
type APIImage struct {
	ID           int64  `json:"id"`
	URL          string `json:"url"`
	ThumbnailURL string `json:"thumbnail_url"`
	Alt          string `json:"alt"`
	Width        int    `json:"width"`
	Height       int    `json:"height"`
}

func (d *Deps) apiImages(list []models.Image) []APIImage {
	out := make([]APIImage, len(list))
	for i, img := range list {
		out[i] = d.apiImage(&img)
	}
	return out
}

func (d *Deps) apiImage(img *models.Image) APIImage {
	return APIImage{ID: img.ID, URL: d.BaseURL + img.Path(), ThumbnailURL: d.BaseURL + img.ThumbPath(),
		Alt: img.Alt, Width: img.Width, Height: img.Height}
}

// Serve answers GET /images/:key: the file streamed from the blob store, to
// those who may read its post (404 for anyone else, as if it did not exist).
// Its key is random and its bytes never change: browsers keep it for a year,
// shared caches only while its post is public.
func (h *Images) Serve(c *fiber.Ctx) error {
	img, key, public, err := h.Store.ImageFile(c.UserContext(), c.Params("key"), h.ViewerOf(c).User)
	if err != nil {
		return err
	}
	r, size, err := h.Store.OpenImage(c.UserContext(), key)
	if err != nil {
		return err
	}
	cache := "private, max-age=31536000, immutable"
	if public {
		cache = "public, max-age=31536000, immutable"
	}
	c.Set(fiber.HeaderContentType, img.ContentType)
	c.Set(fiber.HeaderCacheControl, cache)
	c.Set(fiber.HeaderXContentTypeOptions, "nosniff")
	c.Set(fiber.HeaderContentDisposition, "inline")
	return c.SendStream(r, int(size))
}

// Upload answers POST /api/v1/images: a multipart form with the file in
// "file" and its alt text in "alt" -> 201 with the image, whose id a new
// idea or comment then attaches ("images":[ID]). An upload never attached
// is removed after a day.
func (h *Images) Upload(c *fiber.Ctx) error {
	fh, err := c.FormFile("file")
	if err != nil {
		return models.ValidationErrors{"file": "is required: a multipart form with the image in the field \"file\""}
	}
	data, err := readUpload(fh)
	if err != nil {
		return err
	}
	img, err := h.Store.UploadImage(c.UserContext(), h.ViewerOf(c).User, models.NewImage{Data: data, Alt: c.FormValue("alt")})
	if err != nil {
		return err
	}
	return c.Status(fiber.StatusCreated).JSON(h.apiImage(img))
}

// readUpload reads an uploaded file, a byte more than an image may be so
// that the model can tell it is too large.
func readUpload(fh *multipart.FileHeader) ([]byte, error) {
	if fh.Size > models.MaxImageBytes {
		return nil, models.ValidationErrors{"image": fmt.Sprintf("must be at most %d MiB", models.MaxImageBytes>>20)}
	}
	f, err := fh.Open()
	if err != nil {
		return nil, fmt.Errorf("open upload: %w", err)
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, models.MaxImageBytes+1))
	if err != nil {
		return nil, fmt.Errorf("read upload: %w", err)
	}
	return data, nil
}

// imageForm is the part of the idea and comment forms that attaches images:
// the images kept (a post's own when editing, uploads from an earlier try),
// and a file field with its alt text field for each place left.
type imageForm struct {
	L    *i18n.Localizer
	Kept []models.Image
	// Problems say, per refused file, what was wrong.
	Problems []string
	// Prefix tells the fields of several forms on one page apart.
	Prefix string
	// Listed marks an edit form: the ticked images are the post's whole
	// new list, and those left unticked are removed (see listedImages).
	Listed bool
	// RemoveOnly offers no file fields: staff editing someone else's post
	// may remove its images but not add their own.
	RemoveOnly bool
}

// Slots are the numbers of the file fields still offered.
func (f imageForm) Slots() []int {
	if f.RemoveOnly {
		return nil
	}
	var out []int
	for i := range models.MaxImagesPerPost - len(f.Kept) {
		out = append(out, i)
	}
	return out
}

// IDs are the ids of the kept uploads, to attach.
func (f imageForm) IDs() []int64 {
	ids := make([]int64, len(f.Kept))
	for i, img := range f.Kept {
		ids[i] = img.ID
	}
	return ids
}

// editImages starts the image part of a form that edits a post: its images,
// ticked to keep, and file fields for its author alone.
func editImages(l *i18n.Localizer, prefix string, current []models.Image, author bool) imageForm {
	return imageForm{L: l, Prefix: prefix, Kept: current, Listed: true, RemoveOnly: !author}
}

// listedImages reports whether a posted form lists a post's whole set of
// images (an edit form that shows them): a form without that part, say
// from a page older than it, leaves the images as they are.
func listedImages(c *fiber.Ctx) bool { return len(formValues(c, "images_listed")) > 0 }

// readImages takes the images of a form without JavaScript: the images kept
// (checkboxes "images" with their ids: a post's own among current, or
// uploads from an earlier try) and new files in image_0 ... image_3 with
// their alt texts in alt_0 ... alt_3. Every new file that passes is stored
// at once, waiting to be attached, so that a form shown again does not ask
// for it twice. A refused file is named in Problems. Files are read only
// when adds is true (see imageForm.RemoveOnly).
func (d *Deps) readImages(c *fiber.Ctx, user *models.User, current []models.Image, adds bool) (imageForm, error) {
	form := imageForm{L: d.ViewerOf(c).L, RemoveOnly: !adds}
	ticked := map[int64]bool{}
	var keep []int64
	for _, raw := range formValues(c, "images") {
		if id, err := strconv.ParseInt(raw, 10, 64); err == nil {
			ticked[id] = true
			keep = append(keep, id)
		}
	}
	for _, img := range current {
		if ticked[img.ID] {
			form.Kept = append(form.Kept, img)
		}
	}
	waiting, err := d.Store.WaitingImages(c.UserContext(), user.ID, keep)
	if err != nil {
		return form, err
	}
	form.Kept = append(form.Kept, waiting...)
	if !adds {
		return form, nil
	}
	mf, err := c.MultipartForm()
	if err != nil {
		return form, nil // a form without files (url-encoded)
	}
	for i := range models.MaxImagesPerPost {
		files := mf.File[fmt.Sprintf("image_%d", i)]
		if len(files) == 0 || (files[0].Size == 0 && files[0].Filename == "") {
			continue
		}
		fh := files[0]
		name := fh.Filename
		if len(form.Kept) >= models.MaxImagesPerPost {
			form.Problems = append(form.Problems, fmt.Sprintf("%s: at most %d images", name, models.MaxImagesPerPost))
			continue
		}
		data, err := readUpload(fh)
		var img *models.Image
		if err == nil {
			img, err = d.Store.UploadImage(c.UserContext(), user, models.NewImage{Data: data, Alt: c.FormValue(fmt.Sprintf("alt_%d", i))})
		}
		var invalid models.ValidationErrors
		switch {
		case errors.As(err, &invalid):
			for _, field := range []string{"image", "alt"} {
				if msg, ok := invalid[field]; ok {
					form.Problems = append(form.Problems, fmt.Sprintf("%s: %s %s", name, field, msg))
				}
			}
		case err != nil:
			return form, err
		default:
			form.Kept = append(form.Kept, *img)
		}
	}
	return form, nil
}

// formValues reads every value of a form field, url-encoded or multipart.
func formValues(c *fiber.Ctx, name string) []string {
	if mf, err := c.MultipartForm(); err == nil {
		return mf.Value[name]
	}
	var out []string
	for _, v := range c.Request().PostArgs().PeekMulti(name) {
		out = append(out, string(v))
	}
	return out
}
