package app_test

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"hash/crc32"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"samen/app/apptest"
	"samen/models"
)

// upload is one file of a multipart form.
type upload struct {
	field, name string
	data        []byte
}

// postMultipart sends a multipart form as a browser would, with the
// client's CSRF token in _csrf unless the fields set one.
func postMultipart(c *apptest.Client, path string, fields map[string]string, files ...upload) *apptest.Response {
	var body bytes.Buffer
	w := multipart.NewWriter(&body)
	if _, set := fields["_csrf"]; !set && c.CSRF != "" {
		_ = w.WriteField("_csrf", c.CSRF)
	}
	for k, v := range fields {
		_ = w.WriteField(k, v)
	}
	for _, f := range files {
		part, _ := w.CreateFormFile(f.field, f.name)
		_, _ = part.Write(f.data)
	}
	_ = w.Close()
	req := httptest.NewRequest(http.MethodPost, path, &body)
	req.Header.Set("Content-Type", w.FormDataContentType())
	return c.Do(req)
}

// bearer is an API client with a token of u's.
func bearer(t *testing.T, srv *apptest.Server, u *models.User) *apptest.Client {
	t.Helper()
	token, _, err := srv.Store.CreateAPIToken(context.Background(), u.ID, models.NewAPIToken{Name: "images test"})
	if err != nil {
		t.Fatal(err)
	}
	c := srv.Client()
	c.Header.Set("Authorization", "Bearer "+token)
	c.Header.Set("Accept", "application/json")
	return c
}

// apiUpload sends POST /api/v1/images with a file and its alt text.
func apiUpload(c *apptest.Client, name string, data []byte, alt string) *apptest.Response {
	return postMultipart(c, "/api/v1/images", map[string]string{"alt": alt}, upload{"file", name, data})
}

func sendJSON(c *apptest.Client, method, path string, body any) *apptest.Response {
	b, _ := json.Marshal(body)
	req := httptest.NewRequest(method, path, bytes.NewReader(b))
	req.Header.Set("Content-Type", "application/json")
	return c.Do(req)
}

type apiImage struct {
	ID           int64  `json:"id"`
	URL          string `json:"url"`
	ThumbnailURL string `json:"thumbnail_url"`
	Alt          string `json:"alt"`
	Width        int    `json:"width"`
	Height       int    `json:"height"`
}

func decodeJSON[T any](t *testing.T, r *apptest.Response) T {
	t.Helper()
	var v T
	if err := json.Unmarshal(r.Body, &v); err != nil {
		t.Fatalf("%s: %v", r.Body, err)
	}
	return v
}

// photo is a w x h picture with a gradient, so that it is a photo to JPEG.
func photo(w, h int) *image.RGBA {
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := range h {
		for x := range w {
			img.Set(x, y, color.RGBA{uint8(x * 255 / w), uint8(y * 255 / h), 90, 255})
		}
	}
	return img
}

func pngOf(t *testing.T, img image.Image) []byte {
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// jpegWithEXIF is a w x h JPEG carrying an EXIF block as a phone writes
// one: the orientation (6: turned, to be shown turned right) and a GPS
// position, with a camera make.
func jpegWithEXIF(t *testing.T, w, h int) []byte {
	var plain bytes.Buffer
	if err := jpeg.Encode(&plain, photo(w, h), &jpeg.Options{Quality: 90}); err != nil {
		t.Fatal(err)
	}
	// TIFF, big-endian: IFD0 at 8 with Make, Orientation and the GPS IFD pointer.
	var tiff bytes.Buffer
	be := binary.BigEndian
	tiff.WriteString("MM\x00\x2a")
	_ = binary.Write(&tiff, be, uint32(8))
	entry := func(tag, typ uint16, count, value uint32) {
		_ = binary.Write(&tiff, be, tag)
		_ = binary.Write(&tiff, be, typ)
		_ = binary.Write(&tiff, be, count)
		_ = binary.Write(&tiff, be, value)
	}
	const ifd0Size = 2 + 3*12 + 4
	makeOffset := uint32(8 + ifd0Size)
	gpsOffset := makeOffset + 8
	_ = binary.Write(&tiff, be, uint16(3))
	entry(0x010F, 2, 8, makeOffset)        // Make: ASCII "PhoneCo"
	entry(0x0112, 3, 1, 6<<16)             // Orientation: SHORT 6, left-justified
	entry(0x8825, 4, 1, gpsOffset)         // GPSInfo IFD
	_ = binary.Write(&tiff, be, uint32(0)) // no next IFD
	tiff.WriteString("PhoneCo\x00")        // the camera's make
	_ = binary.Write(&tiff, be, uint16(2)) // GPS IFD: two entries
	entry(0x0001, 2, 2, uint32('N')<<24)   // GPSLatitudeRef "N"
	entry(0x0003, 2, 2, uint32('E')<<24)   // GPSLongitudeRef "E"
	_ = binary.Write(&tiff, be, uint32(0))
	payload := append([]byte("Exif\x00\x00"), tiff.Bytes()...)
	app1 := []byte{0xFF, 0xE1, 0, 0}
	be.PutUint16(app1[2:], uint16(len(payload)+2))
	app1 = append(app1, payload...)
	data := plain.Bytes()
	out := append([]byte{}, data[:2]...) // SOI
	out = append(out, app1...)
	return append(out, data[2:]...)
}

// bombPNG is a valid tiny PNG whose header claims 100000 x 100000 pixels:
// 40 GB once decoded.
func bombPNG(t *testing.T) []byte {
	data := pngOf(t, photo(2, 2))
	// The IHDR chunk starts at 8: length(4) type(4) width(4) height(4) ... crc.
	binary.BigEndian.PutUint32(data[16:], 100000)
	binary.BigEndian.PutUint32(data[20:], 100000)
	crc := crc32.ChecksumIEEE(data[12:29])
	binary.BigEndian.PutUint32(data[29:], crc)
	return data
}

// fetchImage GETs an image URL (absolute or a path) as the client.
func fetchImage(c *apptest.Client, u string) *apptest.Response {
	path := u
	if i := strings.Index(u, "/images/"); i >= 0 {
		path = u[i:]
	}
	return c.Get(path)
}

var randomImageURL = regexp.MustCompile(`/images/[0-9a-f]{32}\.(png|jpg)$`)

func TestImagesThroughTheForms(t *testing.T) {
	each(t, func(t *testing.T, dialect string) {
		srv := apptest.New(t, dialect, "SAMEN_RATE_LIMITS=off")
		anna := srv.User("Anna", "anna@example.com", models.RoleMember)
		c := srv.SignedIn(anna)
		form := c.Get("/ideas/new")
		wantStatus(t, form, http.StatusOK)
		wantCount(t, form, `form.idea-form[enctype="multipart/form-data"] input[type=file][name=image_0][accept]`, 1)
		wantCount(t, form, `form.idea-form input[name=alt_0]`, 1)

		// Multipart forms pass the CSRF check like any other: without the token, refused.
		r := postMultipart(c, "/ideas", map[string]string{"_csrf": "", "title": "A bell that rings twice", "alt_0": "A bell"},
			upload{"image_0", "bell.png", pngOf(t, photo(50, 40))})
		wantStatus(t, r, http.StatusForbidden)

		// An image without alt text: refused with the reason, nothing posted.
		r = postMultipart(c, "/ideas", map[string]string{"title": "A bell that rings twice", "body": "Look at this."},
			upload{"image_0", "bell.png", pngOf(t, photo(50, 40))})
		wantStatus(t, r, http.StatusUnprocessableEntity)
		wantCount(t, r, ".image-fields .field-error li", 1)
		if msg := r.Doc.Find(".image-fields .field-error li").Text(); !strings.Contains(msg, "alt is required") {
			t.Fatalf("the refusal says %q", msg)
		}

		// A photo with EXIF (orientation and GPS), through the page's form.
		r = postMultipart(c, "/ideas", map[string]string{"title": "A bell that rings twice", "body": "Look at this.", "alt_0": "A bent bell on a handlebar"},
			upload{"image_0", "bell.jpg", jpegWithEXIF(t, 2000, 1000)})
		wantStatus(t, r, http.StatusSeeOther)
		page := c.Get(r.Header.Get("Location"))
		wantStatus(t, page, http.StatusOK)
		img := page.Doc.Find("article.idea > ul.images img")
		if img.Length() != 1 {
			t.Fatalf("%d images on the idea's page", img.Length())
		}
		if alt, _ := img.Attr("alt"); alt != "A bent bell on a handlebar" {
			t.Fatalf("alt %q", alt)
		}
		// Turned as EXIF said (2000x1000 -> 1000x2000), bounded to 1600: 800x1600; thumbnail 200x400.
		if w, _ := img.Attr("width"); w != "200" {
			t.Fatalf("thumbnail width %q, want 200", w)
		}
		if h, _ := img.Attr("height"); h != "400" {
			t.Fatalf("thumbnail height %q, want 400", h)
		}
		thumbSrc, _ := img.Attr("src")
		full, _ := page.Doc.Find("article.idea > ul.images a").Attr("href")
		r = c.Get(full)
		wantStatus(t, r, http.StatusOK)
		if ct := r.Header.Get("Content-Type"); ct != "image/jpeg" {
			t.Fatalf("content type %q", ct)
		}
		if r.Header.Get("X-Content-Type-Options") != "nosniff" || !strings.Contains(r.Header.Get("Cache-Control"), "immutable") ||
			!strings.HasPrefix(r.Header.Get("Cache-Control"), "public") {
			t.Fatalf("headers %v", r.Header)
		}
		cfg, err := jpeg.DecodeConfig(bytes.NewReader(r.Body))
		if err != nil || cfg.Width != 800 || cfg.Height != 1600 {
			t.Fatalf("full image %dx%d (%v), want 800x1600", cfg.Width, cfg.Height, err)
		}
		for _, leak := range []string{"Exif", "PhoneCo", "GPS"} {
			if bytes.Contains(r.Body, []byte(leak)) {
				t.Fatalf("the served image still holds %q", leak)
			}
		}
		if bytes.Contains(r.Body, []byte{0xFF, 0xE1}) {
			t.Fatal("the served image has an APP1 (EXIF) segment")
		}
		r = c.Get(thumbSrc)
		wantStatus(t, r, http.StatusOK)
		if cfg, err := jpeg.DecodeConfig(bytes.NewReader(r.Body)); err != nil || cfg.Width != 200 || cfg.Height != 400 {
			t.Fatalf("thumbnail %dx%d (%v)", cfg.Width, cfg.Height, err)
		}

		// A screenshot in a comment; PNG stays PNG.
		ideaPath := strings.Split(page.Request.URL.Path, "#")[0]
		id := strings.Split(ideaPath, "/")[2]
		r = postMultipart(c, "/ideas/"+id+"/comments", map[string]string{"body": "Here is the app's screen.", "alt_1": "The app showing error 42"},
			upload{"image_1", "screen.png", pngOf(t, photo(2400, 480))})
		wantStatus(t, r, http.StatusSeeOther)
		page = c.Get(strings.Split(r.Header.Get("Location"), "#")[0])
		wantStatus(t, page, http.StatusOK)
		shot := page.Doc.Find("ol.comments li.comment > ul.images img")
		if shot.Length() != 1 {
			t.Fatalf("%d images in the comments", shot.Length())
		}
		if w, _ := shot.Attr("width"); w != "400" {
			t.Fatalf("comment thumbnail width %q, want 400", w)
		}
		href, _ := page.Doc.Find("ol.comments li.comment > ul.images a").Attr("href")
		r = c.Get(href)
		wantStatus(t, r, http.StatusOK)
		if cfg, err := png.DecodeConfig(bytes.NewReader(r.Body)); err != nil || r.Header.Get("Content-Type") != "image/png" || cfg.Width != 1600 || cfg.Height != 320 {
			t.Fatalf("screenshot %s %dx%d (%v), want a PNG of 1600x320", r.Header.Get("Content-Type"), cfg.Width, cfg.Height, err)
		}

		// A preview keeps the upload: the form shows it to keep, and posting attaches it.
		r = postMultipart(c, "/ideas", map[string]string{"title": "Previewing with an image", "body": "First a preview.", "preview": "1", "alt_0": "A chain"},
			upload{"image_0", "chain.png", pngOf(t, photo(30, 30))})
		wantStatus(t, r, http.StatusOK)
		kept := r.Doc.Find(`.image-fields input[type=checkbox][name=images]`)
		keptID, _ := kept.Attr("value")
		if kept.Length() != 1 || keptID == "" {
			t.Fatalf("%d kept uploads after a preview", kept.Length())
		}
		wantCount(t, r, ".image-fields input[type=file]", models.MaxImagesPerPost-1)
		r = postMultipart(c, "/ideas", map[string]string{"title": "Previewing with an image", "body": "First a preview.", "images": keptID})
		wantStatus(t, r, http.StatusSeeOther)
		page = c.Get(r.Header.Get("Location"))
		wantCount(t, page, "article.idea > ul.images img[alt='A chain']", 1)
	})
}

func TestImagesThroughTheAPI(t *testing.T) {
	each(t, func(t *testing.T, dialect string) {
		srv := apptest.New(t, dialect, "SAMEN_RATE_LIMITS=off")
		anna := srv.User("Anna", "anna@example.com", models.RoleMember)
		bram := srv.User("Bram", "bram@example.com", models.RoleMember)
		api := bearer(t, srv, anna)

		r := apiUpload(api, "bell.png", pngOf(t, photo(2400, 1200)), "  A bent   bell ")
		wantStatus(t, r, http.StatusCreated)
		up := decodeJSON[apiImage](t, r)
		if up.ID == 0 || up.Alt != "A bent bell" || up.Width != 1600 || up.Height != 800 ||
			!strings.HasPrefix(up.URL, srv.URL+"/images/") || !strings.HasPrefix(up.ThumbnailURL, srv.URL+"/images/") || up.URL == up.ThumbnailURL {
			t.Fatalf("upload answered %+v", up)
		}
		// The keys are random: 128 bits in hex, nothing taken from the id.
		if !randomImageURL.MatchString(up.URL) || !randomImageURL.MatchString(up.ThumbnailURL) {
			t.Fatalf("image URLs %s and %s are not random keys", up.URL, up.ThumbnailURL)
		}

		// Someone else cannot attach it.
		r = sendJSON(bearer(t, srv, bram), http.MethodPost, "/api/v1/ideas", map[string]any{"title": "Bram takes Anna's image", "images": []int64{up.ID}})
		wantAPIError(t, r, http.StatusUnprocessableEntity, "invalid")
		// Anna attaches it to her idea.
		r = sendJSON(api, http.MethodPost, "/api/v1/ideas", map[string]any{"title": "A bell that rings twice", "body": "See the image.", "images": []int64{up.ID}})
		wantStatus(t, r, http.StatusCreated)
		idea := decodeJSON[struct {
			ID     int64      `json:"id"`
			Images []apiImage `json:"images"`
		}](t, r)
		if len(idea.Images) != 1 || idea.Images[0] != up {
			t.Fatalf("idea images %+v, want [%+v]", idea.Images, up)
		}
		// Attached once: not twice.
		r = sendJSON(api, http.MethodPost, "/api/v1/ideas", map[string]any{"title": "The same image again", "images": []int64{up.ID}})
		wantAPIError(t, r, http.StatusUnprocessableEntity, "invalid")

		r = apiUpload(api, "screen.png", pngOf(t, photo(100, 60)), "The error screen")
		wantStatus(t, r, http.StatusCreated)
		shot := decodeJSON[apiImage](t, r)
		r = sendJSON(api, http.MethodPost, fmt.Sprintf("/api/v1/ideas/%d/comments", idea.ID), map[string]any{"body": "And the screen.", "images": []int64{shot.ID}})
		wantStatus(t, r, http.StatusCreated)
		if got := decodeJSON[struct {
			Images []apiImage `json:"images"`
		}](t, r); len(got.Images) != 1 || got.Images[0] != shot {
			t.Fatalf("comment images %+v", got.Images)
		}
		r = api.Get(fmt.Sprintf("/api/v1/ideas/%d/comments", idea.ID))
		wantStatus(t, r, http.StatusOK)
		if !strings.Contains(string(r.Body), `"alt":"The error screen"`) {
			t.Fatalf("comments %s", r.Body)
		}
		r = api.Get("/api/v1/ideas?sort=new")
		if !strings.Contains(string(r.Body), `"alt":"A bent bell"`) {
			t.Fatalf("the list does not show the idea's image: %.500s", r.Body)
		}

		// Refusals: a clear 422 naming the field, never a 500.
		svg := []byte(`<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><script>alert(1)</script></svg>`)
		corrupt := pngOf(t, photo(80, 80))
		corrupt = corrupt[:len(corrupt)/2]
		huge := append(pngOf(t, photo(8, 8)), make([]byte, models.MaxImageBytes)...)
		gif := []byte("GIF89a\x01\x00\x01\x00\x00\x00\x00;")
		for _, tc := range []struct {
			name, file string
			data       []byte
			alt, field string
			says       string
		}{
			{"svg", "x.svg", svg, "An image", "image", "PNG, JPEG or WebP"},
			{"gif", "x.gif", gif, "An image", "image", "PNG, JPEG or WebP"},
			{"corrupt", "x.png", corrupt, "An image", "image", "damaged"},
			{"oversized", "x.png", huge, "An image", "image", "8 MiB"},
			{"bomb", "bomb.png", bombPNG(t), "An image", "image", "megapixels"},
			{"no alt", "x.png", pngOf(t, photo(8, 8)), "  ", "alt", "required"},
			{"long alt", "x.png", pngOf(t, photo(8, 8)), strings.Repeat("a", models.MaxAltLength+1), "alt", "at most"},
		} {
			r := apiUpload(api, tc.file, tc.data, tc.alt)
			wantAPIError(t, r, http.StatusUnprocessableEntity, "invalid")
			e := decodeJSON[apiError](t, r)
			if !strings.Contains(e.Error.Fields[tc.field], tc.says) {
				t.Errorf("%s: fields %v, want %s to say %q", tc.name, e.Error.Fields, tc.field, tc.says)
			}
		}
		r = postMultipart(api, "/api/v1/images", map[string]string{"alt": "No file"})
		wantAPIError(t, r, http.StatusUnprocessableEntity, "invalid")
		// Other routes keep the 1 MiB limit: 413 once the declared length is
		// read (a client still sending the body may see the connection close).
		addr := strings.TrimPrefix(srv.URL, "http://")
		raw := "POST /api/v1/ideas HTTP/1.1\r\nHost: " + addr + "\r\nAuthorization: " + api.Header.Get("Authorization") +
			"\r\nContent-Type: application/json\r\nContent-Length: " + strconv.Itoa(2<<20) + "\r\n\r\n{\"title\":\""
		if status, body := rawResponse(t, addr, raw); status != http.StatusRequestEntityTooLarge {
			t.Fatalf("2 MiB body: %d %s", status, body)
		}

		// More than a post takes.
		var ids []int64
		for i := range models.MaxImagesPerPost + 1 {
			r := apiUpload(api, "x.png", pngOf(t, photo(8+i, 8)), "Image")
			wantStatus(t, r, http.StatusCreated)
			ids = append(ids, decodeJSON[apiImage](t, r).ID)
		}
		r = sendJSON(api, http.MethodPost, "/api/v1/ideas", map[string]any{"title": "Too many images here", "images": ids})
		wantAPIError(t, r, http.StatusUnprocessableEntity, "invalid")
	})
}

// TestImagesFollowTheirPost: an image is served to those who may read its
// post, and is a 404 to everyone else; deleting the post deletes its files.
func TestImagesFollowTheirPost(t *testing.T) {
	each(t, func(t *testing.T, dialect string) {
		srv := apptest.New(t, dialect, "SAMEN_RATE_LIMITS=off")
		ctx := context.Background()
		anna := srv.User("Anna", "anna@example.com", models.RoleMember)
		bram := srv.User("Bram", "bram@example.com", models.RoleMember)
		mod := srv.User("Mona", "mona@example.com", models.RoleModerator)
		team := srv.User("Tess", "tess@example.com", models.RoleTeam)
		visitor, member, moderator, teamer := srv.Client(), srv.SignedIn(bram), srv.SignedIn(mod), srv.SignedIn(team)

		waiting := mustImage(t, srv, anna, "A waiting upload")
		// Not attached yet: its owner alone sees it.
		wantStatus(t, fetchImage(srv.SignedIn(anna), waiting.Path()), http.StatusOK)
		for _, c := range []*apptest.Client{visitor, member, moderator} {
			wantStatus(t, fetchImage(c, waiting.Path()), http.StatusNotFound)
		}

		img := mustImage(t, srv, anna, "The bell")
		idea, err := srv.Store.CreateIdea(ctx, anna, models.NewIdea{Title: "A bell that rings twice", Images: []int64{img.ID}})
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range []*apptest.Client{visitor, member, moderator} {
			wantStatus(t, fetchImage(c, img.Path()), http.StatusOK)
			wantStatus(t, fetchImage(c, img.ThumbPath()), http.StatusOK)
		}
		// The review queue shows what a reported post carries.
		if _, err := srv.Store.CreateReport(ctx, bram, models.NewReport{Target: models.TargetIdea, ID: idea.ID, Reason: models.ReportReasons[0]}); err != nil {
			t.Fatal(err)
		}
		q := moderator.Get("/mod")
		wantStatus(t, q, http.StatusOK)
		wantCount(t, q, fmt.Sprintf("#queue-idea-%d ul.images img[alt='The bell']", idea.ID), 1)

		hidden := true
		if _, err := srv.Store.ModerateIdea(ctx, idea.ID, mod, models.IdeaModeration{Hidden: &hidden, Reason: "spam"}); err != nil {
			t.Fatal(err)
		}
		for _, c := range []*apptest.Client{visitor, member} {
			wantStatus(t, fetchImage(c, img.Path()), http.StatusNotFound)
			wantStatus(t, fetchImage(c, img.ThumbPath()), http.StatusNotFound)
		}
		r := fetchImage(moderator, img.Path())
		wantStatus(t, r, http.StatusOK)
		if cc := r.Header.Get("Cache-Control"); !strings.HasPrefix(cc, "private") {
			t.Fatalf("a hidden post's image is cached as %q", cc)
		}

		// A hidden comment's image, and an internal note's.
		open := mustIdea(t, srv, bram, "An open idea about lights")
		shot := mustImage(t, srv, anna, "A screenshot")
		comment, err := srv.Store.CreateComment(ctx, open.ID, anna, models.NewComment{Body: "Look", Images: []int64{shot.ID}})
		if err != nil {
			t.Fatal(err)
		}
		wantStatus(t, fetchImage(visitor, shot.Path()), http.StatusOK)
		if _, err := srv.Store.ModerateComment(ctx, comment.ID, mod, true, "rude", models.PublicReason{}); err != nil {
			t.Fatal(err)
		}
		wantStatus(t, fetchImage(visitor, shot.Path()), http.StatusNotFound)
		wantStatus(t, fetchImage(member, shot.Path()), http.StatusNotFound)
		wantStatus(t, fetchImage(moderator, shot.Path()), http.StatusOK)

		note := mustImage(t, srv, team, "The team's sketch")
		if _, err := srv.Store.CreateComment(ctx, open.ID, team, models.NewComment{Body: "For us only", Internal: true, Images: []int64{note.ID}}); err != nil {
			t.Fatal(err)
		}
		for _, c := range []*apptest.Client{visitor, member, moderator} {
			wantStatus(t, fetchImage(c, note.Path()), http.StatusNotFound)
		}
		wantStatus(t, fetchImage(teamer, note.Path()), http.StatusOK)
		// Nor does a member's page show it.
		page := member.Get(fmt.Sprintf("/ideas/%d/%s", open.ID, open.Slug))
		wantCount(t, page, "img[alt=\"The team's sketch\"]", 0)
		wantCount(t, teamer.Get(fmt.Sprintf("/ideas/%d/%s", open.ID, open.Slug)), "li.comment > ul.images img[alt=\"The team's sketch\"]", 1)

		// A key that is not there, or not a key at all.
		wantStatus(t, visitor.Get("/images/0123456789abcdef0123456789abcdef.jpg"), http.StatusNotFound)
		wantStatus(t, visitor.Get("/images/..%2f..%2fsamen.db"), http.StatusNotFound)

		// Deleting the idea deletes its images and its comments' images, files included.
		mine := mustImage(t, srv, bram, "Bram's photo")
		doomed, err := srv.Store.CreateIdea(ctx, bram, models.NewIdea{Title: "An idea Bram deletes", Images: []int64{mine.ID}})
		if err != nil {
			t.Fatal(err)
		}
		member.Get(fmt.Sprintf("/ideas/%d/%s", doomed.ID, doomed.Slug))
		r = member.PostForm(fmt.Sprintf("/ideas/%d/delete", doomed.ID), url.Values{"confirm": {"1"}})
		wantStatus(t, r, http.StatusSeeOther)
		wantStatus(t, fetchImage(member, mine.Path()), http.StatusNotFound)
		waitGone(t, srv, mine.BlobKey, mine.ThumbKey)

		// Deleting a comment deletes its images.
		own := mustImage(t, srv, anna, "Anna's second screenshot")
		mine2, err := srv.Store.CreateComment(ctx, open.ID, anna, models.NewComment{Body: "Another", Images: []int64{own.ID}})
		if err != nil {
			t.Fatal(err)
		}
		if err := srv.Store.DeleteComment(ctx, mine2.ID, anna); err != nil {
			t.Fatal(err)
		}
		waitGone(t, srv, own.BlobKey, own.ThumbKey)

		// The export lists a member's images; uploads never attached go after a day.
		list, err := srv.Store.ImagesOf(ctx, anna.ID)
		if err != nil || len(list) != 3 { // waiting, the bell, the hidden comment's screenshot
			t.Fatalf("ImagesOf: %d images (%v), want 3", len(list), err)
		}
		// The start-up run of the same cleanup, done before the upload ages:
		// on a busy machine it can start late, and take the image first.
		waitJobDone(t, srv, models.OrphanImagesArgs{}.Kind())
		update := "UPDATE images SET created_at = ? WHERE id = ?"
		if dialect == models.Postgres {
			update = "UPDATE images SET created_at = $1 WHERE id = $2"
		}
		if _, err := srv.Store.DB().ExecContext(ctx, update, time.Now().Add(-25*time.Hour), waiting.ID); err != nil {
			t.Fatal(err)
		}
		if n, err := srv.Store.DeleteOrphanImages(ctx); err != nil || n != 1 {
			t.Fatalf("DeleteOrphanImages: %d (%v), want 1", n, err)
		}
		waitGone(t, srv, waiting.BlobKey, waiting.ThumbKey)
		kept, _, err := srv.Store.OpenImage(ctx, img.BlobKey)
		if err != nil {
			t.Fatalf("the cleanup took an attached image: %v", err)
		}
		kept.Close()
	})
}

func mustImage(t *testing.T, srv *apptest.Server, owner *models.User, alt string) *models.Image {
	t.Helper()
	img, err := srv.Store.UploadImage(context.Background(), owner, models.NewImage{Data: pngOf(t, photo(40, 30)), Alt: alt})
	if err != nil {
		t.Fatalf("upload %q: %v", alt, err)
	}
	return img
}

// waitJobDone waits until a job of the kind has completed.
func waitJobDone(t *testing.T, srv *apptest.Server, kind string) {
	t.Helper()
	query := "SELECT count(*) FROM river_job WHERE kind = ? AND state = 'completed'"
	if srv.Store.Dialect() == models.Postgres {
		query = "SELECT count(*) FROM river_job WHERE kind = $1 AND state = 'completed'"
	}
	done := eventually(t, time.Now().Add(time.Minute), func() bool {
		var n int
		return srv.Store.DB().QueryRow(query, kind).Scan(&n) == nil && n > 0
	})
	if !done {
		t.Fatalf("no %s job completed", kind)
	}
}

// waitGone waits (bounded) until the background job has deleted the files.
func waitGone(t *testing.T, srv *apptest.Server, keys ...string) {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for _, k := range keys {
		for {
			r, _, err := srv.Store.OpenImage(context.Background(), k)
			if errors.Is(err, models.ErrNotFound) {
				break
			}
			if err == nil {
				r.Close()
			}
			if time.Now().After(deadline) {
				t.Fatalf("the file %s is still there: %v", k, err)
			}
			time.Sleep(20 * time.Millisecond)
		}
	}
}
