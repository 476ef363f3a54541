package app_test

import (
	"bytes"
	"compress/zlib"
	"encoding/binary"
	"encoding/json"
	"hash/crc32"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"runtime"
	"strings"
	"testing"

	"samen/app/apptest"
	"samen/models"
)

// postBranding sends the branding form as a browser does (multipart), with
// the fields and files given.
func postBranding(t *testing.T, c *apptest.Client, fields map[string]string, files map[string][]byte) *apptest.Response {
	t.Helper()
	var body bytes.Buffer
	w := multipart.NewWriter(&body)
	_ = w.WriteField("_csrf", c.CSRF)
	for k, v := range fields {
		_ = w.WriteField(k, v)
	}
	for k, data := range files {
		fw, err := w.CreateFormFile(k, k+".upload")
		if err != nil {
			t.Fatal(err)
		}
		_, _ = fw.Write(data)
	}
	_ = w.Close()
	req := httptest.NewRequest(http.MethodPost, "/admin/branding", &body)
	req.Header.Set("Content-Type", w.FormDataContentType())
	return c.Do(req)
}

// testImage is a w x h picture in two colours.
func testImage(w, h int) image.Image {
	img := image.NewNRGBA(image.Rect(0, 0, w, h))
	for y := range h {
		for x := range w {
			c := color.NRGBA{R: 11, G: 110, B: 79, A: 255}
			if (x/8+y/8)%2 == 0 {
				c = color.NRGBA{R: 242, G: 165, B: 65, A: 255}
			}
			img.Set(x, y, c)
		}
	}
	return img
}

func encodePNG(t *testing.T, img image.Image) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// pngBomb is a well-formed PNG whose header claims w x h pixels, with a
// few bytes of image data: decoding it would allocate w*h*4 bytes.
func pngBomb(w, h uint32) []byte {
	chunk := func(kind string, data []byte) []byte {
		var b bytes.Buffer
		_ = binary.Write(&b, binary.BigEndian, uint32(len(data)))
		b.WriteString(kind)
		b.Write(data)
		_ = binary.Write(&b, binary.BigEndian, crc32.ChecksumIEEE(append([]byte(kind), data...)))
		return b.Bytes()
	}
	ihdr := make([]byte, 13)
	binary.BigEndian.PutUint32(ihdr[0:], w)
	binary.BigEndian.PutUint32(ihdr[4:], h)
	ihdr[8], ihdr[9] = 8, 6 // 8 bits, RGBA
	var idat bytes.Buffer
	z := zlib.NewWriter(&idat)
	_, _ = z.Write(make([]byte, 4096))
	_ = z.Close()
	out := []byte("\x89PNG\r\n\x1a\n")
	out = append(out, chunk("IHDR", ihdr)...)
	out = append(out, chunk("IDAT", idat.Bytes())...)
	return append(out, chunk("IEND", nil)...)
}

// TestBrandingUploadsAreCheckedAndReencoded: SVG, oversized, corrupt and
// decompression-bomb uploads are refused with 422 and a message beside the
// field that names it; PNG, JPEG and WebP are decoded and served as PNG
// that Samen encoded itself, never as uploaded.
func TestBrandingUploadsAreCheckedAndReencoded(t *testing.T) {
	// testdata/branding.webp is blue-purple-pink.lossy.webp from
	// golang.org/x/image's test data (BSD-3-Clause, the Go Authors): Go has
	// no WebP encoder to make one here.
	webp, err := os.ReadFile("testdata/branding.webp")
	if err != nil {
		t.Fatal(err)
	}
	each(t, func(t *testing.T, dialect string) {
		srv := apptest.New(t, dialect, "SAMEN_RATE_LIMITS=off")
		admin := srv.SignedIn(srv.User("Ada", "ada@example.com", models.RoleAdmin))
		wantStatus(t, admin.Get("/admin/branding"), http.StatusOK)

		oversized := append(encodePNG(t, testImage(8, 8)), bytes.Repeat([]byte{0}, models.MaxImageUpload)...)
		refused := []struct {
			name, field string
			data        []byte
			want        string
		}{
			{"SVG", "logo", []byte(`<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>`), "SVG"},
			{"SVG favicon", "favicon", []byte(`<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"/>`), "SVG"},
			{"oversized", "logo", oversized, "at most 1 MiB"},
			{"corrupt PNG", "logo", append([]byte("\x89PNG\r\n\x1a\n"), bytes.Repeat([]byte("junk"), 50)...), "not a readable PNG"},
			{"corrupt JPEG", "favicon", []byte("\xff\xd8\xff\xe0 not really a jpeg"), "not a readable JPEG"},
			{"GIF", "logo", []byte("GIF89a\x01\x00\x01\x00\x00\x00\x00;"), "not a PNG, JPEG or WebP"},
			{"bomb", "logo", pngBomb(100000, 100000), "100000x100000"},
			{"wide bomb", "favicon", pngBomb(4096, 4097), "4096x4097"},
		}
		for _, tc := range refused {
			r := postBranding(t, admin, map[string]string{"name": "Should not be saved"}, map[string][]byte{tc.field: tc.data})
			wantStatus(t, r, http.StatusUnprocessableEntity)
			msg := strings.TrimSpace(r.Doc.Find("#error-" + tc.field).Text())
			if !strings.Contains(msg, tc.want) || !strings.HasPrefix(strings.ToLower(msg), tc.field) {
				t.Errorf("%s: the error beside %s says %q, want the field named and %q", tc.name, tc.field, msg, tc.want)
			}
			if _, invalid := r.Doc.Find("#branding-" + tc.field).Attr("aria-invalid"); !invalid {
				t.Errorf("%s: the %s field is not marked invalid", tc.name, tc.field)
			}
		}
		if b, err := srv.Store.Branding(t.Context()); err != nil || b.Name != "" || b.Logo != nil || b.Favicon != nil {
			t.Fatalf("a refused form changed the branding: %+v %v", b.Name, err)
		}

		// The bomb is refused from its header: checking it allocates next
		// to nothing (decoding it would take 40 GB).
		var before, after runtime.MemStats
		bomb := pngBomb(100000, 100000)
		runtime.ReadMemStats(&before)
		_, err := models.BrandImage(bomb, 384, 96, false)
		runtime.ReadMemStats(&after)
		if err == nil {
			t.Fatal("the bomb was accepted")
		}
		if alloc := after.TotalAlloc - before.TotalAlloc; alloc > 256<<10 {
			t.Errorf("refusing the bomb allocated %d bytes", alloc)
		}

		var jpg bytes.Buffer
		if err := jpeg.Encode(&jpg, testImage(300, 300), nil); err != nil {
			t.Fatal(err)
		}
		// A PNG with bytes after its end: none of them may be served.
		pngUpload := append(encodePNG(t, testImage(600, 200)), []byte("<script>trailing</script>")...)
		for _, tc := range []struct {
			name, field, path string
			data              []byte
			maxW, maxH        int
		}{
			{"PNG logo", "logo", "/branding/logo.png", pngUpload, 384, 96},
			{"JPEG favicon", "favicon", "/branding/favicon.png", jpg.Bytes(), 32, 32},
			{"JPEG touch icon", "favicon", "/branding/apple-touch-icon.png", jpg.Bytes(), 180, 180},
			{"WebP logo", "logo", "/branding/logo.png", webp, 384, 96},
		} {
			r := postBranding(t, admin, map[string]string{"name": "Fietsclub"}, map[string][]byte{tc.field: tc.data})
			wantStatus(t, r, http.StatusSeeOther)
			home := srv.Client().Get("/")
			sel := `img.brand-logo`
			if tc.field == "favicon" {
				sel = `link[rel="icon"]`
				if strings.Contains(tc.path, "touch") {
					sel = `link[rel="apple-touch-icon"]`
				}
			}
			ref, _ := home.Doc.Find(sel).Attr("src")
			if tc.field == "favicon" {
				ref, _ = home.Doc.Find(sel).Attr("href")
			}
			if !strings.HasPrefix(ref, tc.path+"?v=") {
				t.Fatalf("%s: the home page links %q (%s), want %s?v=…", tc.name, ref, sel, tc.path)
			}
			served := srv.Client().Get(ref)
			wantStatus(t, served, http.StatusOK)
			if ct := served.Header.Get("Content-Type"); ct != "image/png" {
				t.Errorf("%s: served as %q", tc.name, ct)
			}
			if cc := served.Header.Get("Cache-Control"); !strings.Contains(cc, "immutable") {
				t.Errorf("%s: Cache-Control %q for the hashed address", tc.name, cc)
			}
			if bytes.Equal(served.Body, tc.data) || bytes.Contains(served.Body, []byte("trailing")) {
				t.Errorf("%s: served the uploaded bytes", tc.name)
			}
			img, err := png.Decode(bytes.NewReader(served.Body))
			if err != nil {
				t.Fatalf("%s: the served image is no PNG: %v", tc.name, err)
			}
			if b := img.Bounds(); b.Dx() > tc.maxW || b.Dy() > tc.maxH || (tc.field == "favicon" && b.Dx() != tc.maxW) {
				t.Errorf("%s: served %dx%d, want within %dx%d", tc.name, b.Dx(), b.Dy(), tc.maxW, tc.maxH)
			}
		}

		// Removing the logo brings Samen's back.
		wantStatus(t, postBranding(t, admin, map[string]string{"remove_logo": "1"}, nil), http.StatusSeeOther)
		home := srv.Client().Get("/")
		wantCount(t, home, "img.brand-logo", 0)
		wantStatus(t, srv.Client().Get("/branding/logo.png"), http.StatusNotFound)

		entries, _, err := srv.Store.AuditLog(t.Context(), models.AuditFilter{Action: models.AuditBranding, Page: 1})
		if err != nil || len(entries) != 5 {
			t.Fatalf("audit log has %d branding entries (%v), want 5", len(entries), err)
		}
		if entries[0].Reason != "logo removed" || entries[1].Reason != "new logo" {
			t.Errorf("audit reasons %q, %q", entries[0].Reason, entries[1].Reason)
		}
	})
}

// TestBrandingAccentContrast: an accent below 3:1 on the light theme is
// refused; between 3:1 and 4.5:1 it is saved with a visible warning; one
// unreadable on the dark theme is not used there.
func TestBrandingAccentContrast(t *testing.T) {
	each(t, func(t *testing.T, dialect string) {
		srv := apptest.New(t, dialect, "SAMEN_RATE_LIMITS=off")
		admin := srv.SignedIn(srv.User("Ada", "ada@example.com", models.RoleAdmin))
		admin.Get("/admin/branding")

		r := postBranding(t, admin, map[string]string{"accent": "#f2a541"}, nil)
		wantStatus(t, r, http.StatusUnprocessableEntity)
		if msg := r.Doc.Find("#error-accent").Text(); !strings.Contains(msg, "3:1") {
			t.Errorf("refusal says %q", msg)
		}
		r = postBranding(t, admin, map[string]string{"accent": "green"}, nil)
		wantStatus(t, r, http.StatusUnprocessableEntity)
		if msg := r.Doc.Find("#error-accent").Text(); !strings.Contains(msg, "#rrggbb") {
			t.Errorf("refusal says %q", msg)
		}

		// #d2691e: 3.38:1 on the light theme, 4.54:1 on the dark one.
		wantStatus(t, postBranding(t, admin, map[string]string{"accent": "#D2691E"}, nil), http.StatusSeeOther)
		page := admin.Get("/admin/branding")
		wantCount(t, page, ".contrast-light.contrast-warning", 1)
		wantCount(t, page, ".contrast-dark.contrast-warning", 0)
		css := srv.Client().Get("/branding.css")
		body := string(css.Body)
		if !strings.Contains(body, ":root { --brand: #d2691e;") || !strings.Contains(body, `:root[data-theme="dark"] { --brand: #d2691e;`) {
			t.Errorf("branding.css:\n%s", body)
		}

		// A dark green reads well on light, not on dark: the dark theme keeps its own.
		wantStatus(t, postBranding(t, admin, map[string]string{"accent": "#0b4f3a"}, nil), http.StatusSeeOther)
		page = admin.Get("/admin/branding")
		wantCount(t, page, ".contrast-light.contrast-warning", 0)
		wantCount(t, page, ".contrast-dark.contrast-warning", 1)
		body = string(srv.Client().Get("/branding.css").Body)
		if !strings.Contains(body, ":root { --brand: #0b4f3a;") || strings.Contains(body, "dark") {
			t.Errorf("branding.css:\n%s", body)
		}
	})
}

// TestBrandingCSSIsChecked: custom CSS that could leave its stylesheet,
// load from elsewhere or run code is refused; the rest is served as
// /branding.css, linked with its hash, under the pages' policy.
func TestBrandingCSSIsChecked(t *testing.T) {
	each(t, func(t *testing.T, dialect string) {
		srv := apptest.New(t, dialect, "SAMEN_RATE_LIMITS=off")
		admin := srv.SignedIn(srv.User("Ada", "ada@example.com", models.RoleAdmin))
		admin.Get("/admin/branding")
		for _, bad := range []string{
			`</style><script>alert(1)</script>`,
			`@import url(https://evil.example/x.css);`,
			`@IMPORT "/local.css";`,
			`body { background: url(https://evil.example/track.png) }`,
			`body { background: url("//evil.example/track.png") }`,
			`body { background: URL( 'data:image/png;base64,AAAA' ) }`,
			`body { width: expression(alert(1)) }`,
			`a { background: u\72l(https://evil.example/) }`,
			`a { background: url/**/(https://evil.example/) }`,
			`a { background: image-set("https://evil.example/a.png" 1x) }`,
			`a { -moz-binding: url(/x.xml#xss) }`,
			`@font-face { font-family: x; src: url(https://evil.example/f.woff) }`,
			strings.Repeat("a{}", models.MaxCustomCSS/3+1),
		} {
			r := postBranding(t, admin, map[string]string{"custom_css": bad}, nil)
			if r.StatusCode != http.StatusUnprocessableEntity || r.Doc == nil || r.Doc.Find("#error-custom_css").Length() != 1 {
				t.Errorf("custom CSS %.60q: status %d: %.300s", bad, r.StatusCode, r.Body)
			}
		}
		wantStatus(t, srv.Client().Get("/branding.css"), http.StatusNotFound)

		good := "/* our look */\n.hero { border-color: #0b6e4f; }\nbody { background-image: url(/branding/logo.png); scroll-behavior: smooth; }"
		wantStatus(t, postBranding(t, admin, map[string]string{"custom_css": good}, nil), http.StatusSeeOther)
		home := srv.Client().Get("/")
		href, ok := home.Doc.Find(`link[rel="stylesheet"][href^="/branding.css?v="]`).Attr("href")
		if !ok {
			t.Fatal("the home page links no branding.css")
		}
		css := srv.Client().Get(href)
		wantStatus(t, css, http.StatusOK)
		if ct := css.Header.Get("Content-Type"); ct != "text/css; charset=utf-8" {
			t.Errorf("branding.css served as %q", ct)
		}
		if !strings.Contains(string(css.Body), ".hero { border-color: #0b6e4f; }") {
			t.Errorf("branding.css:\n%s", css.Body)
		}
		if csp := home.Header.Get("Content-Security-Policy"); !strings.Contains(csp, "style-src 'self'") || strings.Contains(csp, "unsafe-inline") {
			t.Errorf("policy %q", csp)
		}
		if home.Doc.Find("[style], style").Length() != 0 {
			t.Error("the home page carries inline styles")
		}
	})
}

// TestBrandingShowsAtOnceEverywhere: a brand saved on one instance shows on
// the very next request, on a visitor's cached home page too, on this
// instance and on a second one on the same database.
func TestBrandingShowsAtOnceEverywhere(t *testing.T) {
	each(t, func(t *testing.T, dialect string) {
		srv := apptest.New(t, dialect, "SAMEN_RATE_LIMITS=off")
		twin := srv.Twin("SAMEN_RATE_LIMITS=off")
		admin := srv.SignedIn(srv.User("Ada", "ada@example.com", models.RoleAdmin))
		admin.Get("/admin/branding")

		visitors := map[string]*apptest.Client{"this instance": srv.Client(), "the second instance": twin.Client()}
		for _, v := range visitors {
			for range 2 { // the second is served from the visitor page cache
				wantText(t, v.Get("/"), ".site-header .brand span", "Samen")
			}
		}

		r := postBranding(t, admin, map[string]string{
			"name": "Fietsclub", "welcome_en": "**Welcome**, riders! [Rules](https://example.com/rules)", "welcome_nl": "Welkom, *fietsers*!",
			"privacy_url": "https://example.com/privacy", "terms_url": "https://example.com/terms", "site_url": "https://example.com/",
			"accent": "#0b4f3a",
		}, map[string][]byte{"logo": encodePNG(t, testImage(64, 64))})
		wantStatus(t, r, http.StatusSeeOther)

		for where, v := range visitors {
			home := v.Get("/")
			wantText(t, home, ".site-header .brand span", "Fietsclub")
			if title := home.Doc.Find("title").Text(); !strings.HasSuffix(title, "Fietsclub") {
				t.Errorf("%s: title %q", where, title)
			}
			wantText(t, home, ".hero .welcome strong", "Welcome")
			if rel, _ := home.Doc.Find(".hero .welcome a").Attr("rel"); !strings.Contains(rel, "nofollow") {
				t.Errorf("%s: the welcome's link has rel %q", where, rel)
			}
			wantCount(t, home, `.site-footer a[href="https://example.com/privacy"]`, 1)
			wantCount(t, home, `.site-footer a[href="https://example.com/terms"]`, 1)
			wantCount(t, home, `img.brand-logo[src^="/branding/logo.png?v="]`, 1)
			wantCount(t, home, `link[rel="stylesheet"][href^="/branding.css?v="]`, 1)
		}
		nl := twin.Client()
		nl.Header.Set("Accept-Language", "nl")
		wantText(t, nl.Get("/"), ".hero .welcome em", "fietsers")

		// Footer links are https addresses only.
		for _, bad := range []string{"http://example.com/privacy", "javascript:alert(1)", "https://", "//example.com/x"} {
			r := postBranding(t, admin, map[string]string{"privacy_url": bad}, nil)
			wantStatus(t, r, http.StatusUnprocessableEntity)
			wantCount(t, r, "#error-privacy_url", 1)
		}

		// Through the API, as an extra: a PATCH changes the fields it names.
		req := httptest.NewRequest(http.MethodPatch, "/api/v1/branding", strings.NewReader(`{"name":"Fietsclub Noord"}`))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("X-CSRF-Token", admin.CSRF)
		wantStatus(t, admin.Do(req), http.StatusOK)
		req = httptest.NewRequest(http.MethodPatch, "/api/v1/branding", strings.NewReader(`{"accent":"#ffff00","site_url":"http://example.com"}`))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("X-CSRF-Token", admin.CSRF)
		r = admin.Do(req)
		wantStatus(t, r, http.StatusUnprocessableEntity)
		var e apiError
		if err := json.Unmarshal(r.Body, &e); err != nil || e.Error.Fields["accent"] == "" || e.Error.Fields["site_url"] == "" {
			t.Errorf("refusal: %s", r.Body)
		}
		home := visitors["the second instance"].Get("/")
		wantText(t, home, ".site-header .brand span", "Fietsclub Noord")
		wantText(t, home, ".hero .welcome strong", "Welcome")
	})
}

// TestBrandingIsForAdmins: only admins see and save the branding page.
func TestBrandingIsForAdmins(t *testing.T) {
	srv := apptest.New(t, models.SQLite, "SAMEN_RATE_LIMITS=off")
	team := srv.SignedIn(srv.User("Tess", "tess@example.com", models.RoleTeam))
	team.Get("/")
	wantStatus(t, team.Get("/admin/branding"), http.StatusForbidden)
	wantStatus(t, postBranding(t, team, map[string]string{"name": "Taken over"}, nil), http.StatusForbidden)
	visitor := srv.Client()
	visitor.Get("/")
	r := postBranding(t, visitor, map[string]string{"name": "Taken over"}, nil)
	if r.StatusCode != http.StatusSeeOther || !strings.HasPrefix(r.Header.Get("Location"), "/login") {
		t.Fatalf("visitor: %d %s", r.StatusCode, r.Header.Get("Location"))
	}
	if b, _ := srv.Store.Branding(t.Context()); b.Name != "" {
		t.Fatalf("the name became %q", b.Name)
	}
	admin := srv.SignedIn(srv.User("Ada", "ada@example.com", models.RoleAdmin))
	page := admin.Get("/admin/branding")
	wantStatus(t, page, http.StatusOK)
	wantCount(t, page, `.site-nav a[href="/admin/branding"][aria-current="page"]`, 1)
	wantCount(t, page, `form[enctype="multipart/form-data"] input[type="file"][name="logo"]`, 1)
}

// TestThemeSwitchWithoutJavaScript: a form sets the theme, the page comes
// back with it on <html>, and a visitor's choice never reaches another
// visitor through the page cache.
func TestThemeSwitchWithoutJavaScript(t *testing.T) {
	each(t, func(t *testing.T, dialect string) {
		srv := apptest.New(t, dialect, "SAMEN_RATE_LIMITS=off")
		dark := srv.Client()
		home := dark.Get("/roadmap")
		wantCount(t, home, "html[data-theme]", 0)
		wantCount(t, home, `.theme-switch button[value="system"][aria-pressed="true"]`, 1)

		r := dark.PostForm("/theme", url.Values{"theme": {"dark"}, "next": {"/roadmap"}})
		wantStatus(t, r, http.StatusSeeOther)
		if loc := r.Header.Get("Location"); loc != "/roadmap" {
			t.Fatalf("back to %q", loc)
		}
		if dark.Cookie("samen_theme") != "dark" {
			t.Fatal("no theme cookie")
		}
		page := dark.Get("/roadmap")
		wantCount(t, page, `html[data-theme="dark"]`, 1)
		wantCount(t, page, `.theme-switch button[value="dark"][aria-pressed="true"]`, 1)

		// Another visitor right after, from the same cache: no dark theme.
		other := srv.Client().Get("/roadmap")
		wantCount(t, other, "html[data-theme]", 0)
		// And the dark visitor again, now that a light page is cached.
		wantCount(t, dark.Get("/roadmap"), `html[data-theme="dark"]`, 1)

		wantStatus(t, dark.PostForm("/theme", url.Values{"theme": {"system"}, "next": {"https://evil.example/"}}), http.StatusSeeOther)
		wantCount(t, dark.Get("/"), "html[data-theme]", 0)
		wantStatus(t, dark.PostForm("/theme", url.Values{"theme": {"sepia"}}), http.StatusUnprocessableEntity)
		wantStatus(t, dark.PostForm("/theme", url.Values{"theme": {"dark"}, "_csrf": {"forged"}}), http.StatusForbidden)

		// A member's choice is theirs too, and the header still says who they are.
		member := srv.SignedIn(srv.User("Mia", "mia@example.com", models.RoleMember))
		member.Get("/")
		wantStatus(t, member.PostForm("/theme", url.Values{"theme": {"light"}, "next": {"/"}}), http.StatusSeeOther)
		wantCount(t, member.Get("/"), `html[data-theme="light"]`, 1)
	})
}
