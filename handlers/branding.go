package handlers

import (
	"errors"
	"io"
	"mime/multipart"
	"strings"

	"github.com/gofiber/fiber/v2"

	"samen/models"
)

// Branding is the admins' page for the community's name, images, colour,
// welcome text, footer links and stylesheet, and the files it serves.
type Branding struct{ *Deps }

type brandingPage struct {
	Layout
	Form    models.BrandingInput
	Current models.Branding
	// Contrast is the accent's, when one is set and readable as a colour.
	Contrast *models.AccentContrast
	AA       float64
	Errors   models.ValidationErrors
}

// FooterFields are the footer links' form fields.
func (brandingPage) FooterFields() []string { return []string{"privacy_url", "terms_url", "site_url"} }

// FooterValue is a footer link's value as typed.
func (p brandingPage) FooterValue(field string) string {
	switch field {
	case "privacy_url":
		return p.Form.PrivacyURL
	case "terms_url":
		return p.Form.TermsURL
	}
	return p.Form.SiteURL
}

// Show is the branding form with what is in force.
func (h *Branding) Show(c *fiber.Ctx) error {
	b := h.BrandingOf(c)
	return h.render(c, brandingPage{Form: b.Input()}, fiber.StatusOK)
}

func (h *Branding) render(c *fiber.Ctx, data brandingPage, status int) error {
	data.Layout = h.layout(c, "branding.title", "branding")
	data.Current = h.BrandingOf(c)
	data.AA = models.AAContrast
	if data.Form.Accent != "" {
		if contrast, err := models.CheckAccent(data.Form.Accent); err == nil || contrast.Light > 0 {
			data.Contrast = &contrast
		}
	}
	return c.Status(status).Render("admin/branding", data)
}

// Save stores the branding. Refused values, images included, come back with
// the form as typed and 422, each error beside its field.
func (h *Branding) Save(c *fiber.Ctx) error {
	if strings.HasPrefix(c.Get(fiber.HeaderContentType), fiber.MIMEMultipartForm) {
		if _, err := c.MultipartForm(); err != nil {
			return fiber.NewError(fiber.StatusBadRequest, "the form could not be read")
		}
	}
	in := models.BrandingInput{
		Name: c.FormValue("name"), Accent: c.FormValue("accent"),
		WelcomeEN: c.FormValue("welcome_en"), WelcomeNL: c.FormValue("welcome_nl"),
		PrivacyURL: c.FormValue("privacy_url"), TermsURL: c.FormValue("terms_url"), SiteURL: c.FormValue("site_url"),
		CustomCSS:  c.FormValue("custom_css"),
		RemoveLogo: c.FormValue("remove_logo") != "", RemoveFavicon: c.FormValue("remove_favicon") != "",
	}
	errs := models.ValidationErrors{}
	var err error
	if in.Logo, err = upload(c, "logo"); err != nil {
		errs["logo"] = err.Error()
	}
	if in.Favicon, err = upload(c, "favicon"); err != nil {
		errs["favicon"] = err.Error()
	}
	if len(errs) == 0 {
		_, err = h.Store.SaveBranding(c.UserContext(), h.ViewerOf(c).User, in)
		if !errors.As(err, &errs) && err != nil {
			return err
		}
	}
	if len(errs) > 0 {
		in.Logo, in.Favicon = nil, nil
		return h.render(c, brandingPage{Form: in, Errors: errs}, fiber.StatusUnprocessableEntity)
	}
	c.Locals(brandingKey{}, nil)
	return h.redirectWithFlash(c, "/admin/branding", "branding_saved")
}

// upload reads the file sent in field, or nil when none was. It reads at
// most one byte more than an image may have, whatever the part claims.
func upload(c *fiber.Ctx, field string) ([]byte, error) {
	form, err := c.MultipartForm()
	if err != nil {
		return nil, nil // not multipart (Save refused a broken multipart body): no file
	}
	files := form.File[field]
	if len(files) == 0 || (files[0].Filename == "" && files[0].Size == 0) {
		return nil, nil
	}
	if files[0].Size > models.MaxImageUpload {
		return nil, models.ImageError("must be at most 1 MiB")
	}
	return readPart(files[0])
}

func readPart(fh *multipart.FileHeader) ([]byte, error) {
	f, err := fh.Open()
	if err != nil {
		return nil, models.ImageError("could not be read from the form")
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, models.MaxImageUpload+1))
	if err != nil {
		return nil, models.ImageError("could not be read from the form")
	}
	if len(data) > models.MaxImageUpload {
		return nil, models.ImageError("must be at most 1 MiB")
	}
	return data, nil
}

// Stylesheet answers GET /branding.css: the accent colour's custom
// properties and the admins' own CSS (checked when saved), served from
// Samen itself under the pages' policy. The URL the pages link carries the
// content's hash, so that version may be kept for a year.
func (h *Branding) Stylesheet(c *fiber.Ctx) error {
	b := h.BrandingOf(c)
	return h.serve(c, "text/css; charset=utf-8", []byte(b.Stylesheet), b.StylesheetHash)
}

// Logo answers GET /branding/logo.png: the logo as Samen re-encoded it.
func (h *Branding) Logo(c *fiber.Ctx) error {
	b := h.BrandingOf(c)
	return h.serve(c, "image/png", b.Logo, b.LogoHash)
}

// Favicon answers GET /branding/favicon.png (32x32).
func (h *Branding) Favicon(c *fiber.Ctx) error {
	b := h.BrandingOf(c)
	return h.serve(c, "image/png", b.Favicon, b.FaviconHash)
}

// TouchIcon answers GET /branding/apple-touch-icon.png (180x180).
func (h *Branding) TouchIcon(c *fiber.Ctx) error {
	b := h.BrandingOf(c)
	return h.serve(c, "image/png", b.Favicon180, b.FaviconHash)
}

func (h *Branding) serve(c *fiber.Ctx, contentType string, body []byte, hash string) error {
	if len(body) == 0 {
		return fiber.ErrNotFound
	}
	c.Response().Header.DelAllCookies()
	c.Set(fiber.HeaderContentType, contentType)
	if c.Query("v") == hash {
		c.Set(fiber.HeaderCacheControl, "public, max-age=31536000, immutable")
	} else {
		c.Set(fiber.HeaderCacheControl, "no-cache")
	}
	c.Set(fiber.HeaderETag, `"`+hash+`"`)
	if strings.Contains(c.Get(fiber.HeaderIfNoneMatch), `"`+hash+`"`) {
		return c.SendStatus(fiber.StatusNotModified)
	}
	return c.Send(body)
}

// brandingJSON is the branding in the API (images by address, not bytes).
type brandingJSON struct {
	Version    int64  `json:"version"`
	Name       string `json:"name"`
	Accent     string `json:"accent"`
	WelcomeEN  string `json:"welcome_en"`
	WelcomeNL  string `json:"welcome_nl"`
	PrivacyURL string `json:"privacy_url"`
	TermsURL   string `json:"terms_url"`
	SiteURL    string `json:"site_url"`
	CustomCSS  string `json:"custom_css"`
	Logo       string `json:"logo,omitempty"`
	Favicon    string `json:"favicon,omitempty"`
	Stylesheet string `json:"stylesheet,omitempty"`
}

func apiBranding(b models.Branding) brandingJSON {
	j := brandingJSON{Version: b.Version, Name: b.Name, Accent: b.Accent, WelcomeEN: b.WelcomeEN, WelcomeNL: b.WelcomeNL,
		PrivacyURL: b.PrivacyURL, TermsURL: b.TermsURL, SiteURL: b.SiteURL, CustomCSS: b.CustomCSS}
	if b.LogoHash != "" {
		j.Logo = "/branding/logo.png?v=" + b.LogoHash
	}
	if b.FaviconHash != "" {
		j.Favicon = "/branding/favicon.png?v=" + b.FaviconHash
	}
	if b.StylesheetHash != "" {
		j.Stylesheet = "/branding.css?v=" + b.StylesheetHash
	}
	return j
}

// ShowAPI answers GET /api/v1/branding.
func (h *Branding) ShowAPI(c *fiber.Ctx) error {
	return c.JSON(apiBranding(h.BrandingOf(c)))
}

// UpdateAPI answers PATCH /api/v1/branding: the text fields given change,
// the others stay (images are uploaded through the admin page).
func (h *Branding) UpdateAPI(c *fiber.Ctx) error {
	var body struct {
		Name       *string `json:"name"`
		Accent     *string `json:"accent"`
		WelcomeEN  *string `json:"welcome_en"`
		WelcomeNL  *string `json:"welcome_nl"`
		PrivacyURL *string `json:"privacy_url"`
		TermsURL   *string `json:"terms_url"`
		SiteURL    *string `json:"site_url"`
		CustomCSS  *string `json:"custom_css"`
	}
	if err := readJSON(c, &body); err != nil {
		return err
	}
	in := h.BrandingOf(c).Input()
	for _, f := range []struct {
		from *string
		to   *string
	}{
		{body.Name, &in.Name}, {body.Accent, &in.Accent}, {body.WelcomeEN, &in.WelcomeEN}, {body.WelcomeNL, &in.WelcomeNL},
		{body.PrivacyURL, &in.PrivacyURL}, {body.TermsURL, &in.TermsURL}, {body.SiteURL, &in.SiteURL}, {body.CustomCSS, &in.CustomCSS},
	} {
		if f.from != nil {
			*f.to = *f.from
		}
	}
	b, err := h.Store.SaveBranding(c.UserContext(), h.ViewerOf(c).User, in)
	if err != nil {
		return err
	}
	c.Locals(brandingKey{}, nil)
	return c.JSON(apiBranding(b))
}
